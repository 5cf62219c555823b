package handlers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/internal/testport"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pat"
)

// A handler whose compare-and-set loses (another write came between its
// read and its write, or its read came from a replica that lagged) runs
// again on fresh state instead of failing the packet. Sixteen pieces of
// one display binary sent at once all land: before, the losers answered
// "session changed meanwhile" and the game was shut.
func TestProfileWritesThatLoseRunAgain(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Lease = time.Hour })
	const conn, id = "conn-pieces", "PIECE1"
	r.setSession(conn, Session{CapcomID: id, HunterName: []byte("Pieces"), FmpServer: 1})
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame, _ := pat.AppendMessage(nil, uint16(i+1), &pat.ReqUserBinarySet{Offset: uint32(8 * i), Data: []byte{byte(i + 1)}})
			msg := nats.NewMsg(bus.RequestSubject("fmp"))
			msg.Data = frame
			msg.Header.Set(bus.HeaderConn, conn)
			msg.Header.Set(bus.HeaderReq, fmt.Sprintf("piece.%d", i))
			reply, err := r.request(conn, msg)
			if err != nil {
				errs <- err.Error()
				return
			}
			ps, err := pat.SplitFrames(reply.Data)
			if err != nil || len(ps) != 1 || ps[0].ID != pat.IDAnsUserBinarySet {
				errs <- fmt.Sprintf("piece %d: %x (error %q)", i, reply.Data, reply.Header.Get(bus.HeaderError))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var p HunterProfile
	if _, _, err := getJSON(context.Background(), r.s.kv.hunters, kvKey(id), &p); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if p.Settings[8*i] != byte(i+1) {
			t.Errorf("piece %d lost: % x", i, p.Settings[:8*n])
		}
	}
}

// In a three-node cluster, a read through the leader always sees the
// write acknowledged just before it; the direct gets KeyValue.Get uses
// are served by followers too and may not (counted, not asserted: it
// depends on timing).
func TestLeaderReadsSeeTheLastWrite(t *testing.T) {
	var urls []string
	var routes []string
	ports := make([]int, 3)
	for i := range ports {
		ports[i] = testport.Get(t)
		routes = append(routes, fmt.Sprintf("127.0.0.1:%d", ports[i]))
	}
	for i := range 3 {
		ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir(), Name: fmt.Sprintf("n%d", i),
			ClusterPort: ports[i], Routes: routes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		urls = append(urls, ns.ClientURL())
	}
	nc, err := nats.Connect(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var kv jetstream.KeyValue
	for {
		try, stop := context.WithTimeout(ctx, 5*time.Second)
		kv, err = js.CreateKeyValue(try, jetstream.KeyValueConfig{Bucket: "stale", Replicas: 3})
		stop()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	leader := withLeaderReads(ctx, nc)
	stale := 0
	for i := range 300 {
		rev, err := kv.Put(ctx, "k", fmt.Appendf(nil, "%d", i))
		if err != nil {
			t.Fatal(err)
		}
		var v int
		got, found, err := getJSON(leader, kv, "k", &v)
		if err != nil || !found || got != rev || v != i {
			t.Fatalf("write %d at rev %d: leader read rev %d value %d found %v: %v", i, rev, got, v, found, err)
		}
		if e, err := kv.Get(ctx, "k"); err == nil && e.Revision() != rev {
			stale++
		}
	}
	if err := kv.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	var v int
	if _, found, err := getJSON(leader, kv, "k", &v); err != nil || found {
		t.Fatalf("deleted key: found %v, %v", found, err)
	}
	if _, found, err := getJSON(leader, kv, "never", &v); err != nil || found {
		t.Fatalf("absent key: found %v, %v", found, err)
	}
	t.Logf("direct gets older than the write just acknowledged: %d of 300", stale)
}
