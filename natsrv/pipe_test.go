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

// nats.go sets a write deadline around every write: that must not wake a
// Read waiting on the same end (a needless goroutine wake-up per write).
func TestWriteDeadlineLeavesAWaitingReaderAlone(t *testing.T) {
	a, b := bufferedPipe()
	defer a.Close()
	defer b.Close()
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 8)
		n, _ := a.Read(buf)
		got <- buf[:n]
	}()
	deadline := time.Now().Add(10 * time.Second)
	var changed chan struct{}
	for changed == nil {
		if time.Now().After(deadline) {
			t.Fatal("the reader never waited")
		}
		time.Sleep(time.Millisecond)
		a.rdl.mu.Lock()
		if a.rdl.waiters.Load() == 1 {
			changed = a.rdl.changed
		}
		a.rdl.mu.Unlock()
	}
	for range 100 {
		a.SetWriteDeadline(time.Now().Add(time.Second))
		a.SetWriteDeadline(time.Time{})
	}
	select {
	case <-changed:
		t.Fatal("a write deadline woke the waiting reader")
	default:
	}
	// A read deadline does wake it, and it times out.
	a.SetReadDeadline(time.Now().Add(-time.Second))
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("a read deadline did not wake the reader")
	}
	if _, err := b.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if len(p) != 0 {
			t.Fatalf("read %q past its deadline", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not return")
	}
}
