package edge_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/internal/testnats"
	"github.com/mh3net/mh3net/pat"
)

// An edge that cannot renew its lease for a whole period closes its
// connections (the handlers swept their players) and goes on under a new
// id: a hunter who connects again names the new id, so the sweep of the
// old one cannot take the new session with it. (With the old id kept,
// hunters who logged in again after a NATS election longer than the lease
// found their session swept: "not in the layer system".)
func TestLapsedLeaseMovesToANewEdgeID(t *testing.T) {
	_, nc := testnats.Start(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const ttl = time.Second
	makeBucket := func() jetstream.KeyValue {
		kv, err := js.CreateOrUpdateKeyValue(ctx, bus.EdgesBucketConfig(ttl))
		if err != nil {
			t.Fatal(err)
		}
		return kv
	}
	kv := makeBucket()

	// Every request names the edge it came through.
	named := make(chan string, 16)
	if _, err := nc.Subscribe(bus.RequestSubject("lmp"), func(m *nats.Msg) {
		named <- m.Header.Get(bus.HeaderEdge)
		answerEach(m)
	}); err != nil {
		t.Fatal(err)
	}
	id := edge.NewIdentity("")
	first := id.ID()
	l := edge.New(nc, edge.Config{Server: "lmp", Identity: id, ConnectionDelay: 10 * time.Millisecond, Logger: testLogger(nil)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() { defer close(served); l.Serve(sctx, ln) }()
	held := make(chan struct{})
	lease := &edge.Lease{Identity: id, Advertise: "127.0.0.1", Listeners: []*edge.Listener{l}, Log: testLogger(nil)}
	go func() { defer close(held); lease.Hold(sctx, js) }()
	t.Cleanup(func() { stop(); <-served; <-held })

	waitKey := func(key string) {
		t.Helper()
		for {
			if _, err := kv.Get(ctx, key); err == nil {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no lease under %s", key)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	ask := func() string {
		t.Helper()
		c := greet(t, ln.Addr().String())
		var v pat.AnsFmpListVersion
		if err := c.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
			t.Fatal(err)
		}
		return <-named
	}
	waitKey(first)
	before := greet(t, ln.Addr().String())
	if got := ask(); got != first {
		t.Fatalf("a request named edge %q, want %q", got, first)
	}

	// The bucket vanishes: no renewal can land for a whole period.
	if err := js.DeleteKeyValue(ctx, bus.EdgesBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := before.ExpectShut(); err != nil {
		t.Fatalf("the connection made before the lapse: %v", err)
	}
	second := id.ID()
	if second == first {
		t.Fatal("the edge kept its id after its lease lapsed")
	}
	kv = makeBucket()
	waitKey(second)
	if got := ask(); got != second {
		t.Fatalf("a connection after the lapse named edge %q, want the new %q", got, second)
	}
}
