package natsrv

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/net/nettest"
)

// The buffered pipe behaves as a net.Conn must: ordered bytes, reads and
// writes from several goroutines, deadlines (past, present, future, moved
// while blocked), and Close unblocking both ends.
func TestBufferedPipeIsAConn(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := bufferedPipe()
		return a, b, func() { a.Close(); b.Close() }, nil
	})
}

// A client on InProcess is a full client of the server: requests,
// JetStream, and a server that shuts down ends its connection (the
// client then reconnects through the provider, and fails while the
// server is down).
func TestInProcessServesAClient(t *testing.T) {
	ns, err := Start(Options{StoreDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	disconnected := make(chan struct{}, 1)
	nc, err := nats.Connect("", nats.InProcessServer(InProcess{ns}), nats.DisconnectErrHandler(func(*nats.Conn, error) {
		select {
		case disconnected <- struct{}{}:
		default:
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.Subscribe("echo", func(m *nats.Msg) { m.Respond(append([]byte("re: "), m.Data...)) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	// A large message crosses the pipe whole.
	big := make([]byte, 512<<10)
	for i := range big {
		big[i] = byte(i)
	}
	m, err := nc.Request("echo", big, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, append([]byte("re: "), big...)) {
		t.Fatalf("echo of %d bytes came back as %d bytes", len(big), len(m.Data))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "pipe", Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Create(ctx, "k", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Update(ctx, "k", []byte("v2"), rev); err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value()) != "v2" {
		t.Fatalf("get: %v %v", e, err)
	}

	ns.Shutdown()
	select {
	case <-disconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not see the server go")
	}
	if _, err := (InProcess{ns}).InProcessConn(); err == nil {
		t.Fatal("a connection to a server that is down")
	}
}
