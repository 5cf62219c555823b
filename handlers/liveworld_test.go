package handlers

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/world"
)

// The live world lists the servers external FMP edges register, after the
// central world's: an index the central world has, or an earlier edge
// took, stays with its owner (a misconfigured or hostile edge cannot take
// over a server); invalid entries and oversized registrations are left
// out; the list version is MH3SP's 1 without external servers and another
// number, the same in every handler, with them.
func TestLiveWorldMergesRegisteredServers(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if v := r.s.live().version; v != fmpListVersion {
		t.Fatalf("central world version %d, want %d", v, fmpListVersion)
	}
	now := time.Now()
	put := func(id string, started time.Time, port int, servers ...world.Server) {
		t.Helper()
		b, _ := json.Marshal(bus.EdgeLease{Edge: id, Started: started, Since: now,
			Addrs: map[string]bus.EdgeAddr{"fmp": {Host: "127.0.0.9", Port: port}}, Servers: servers})
		if _, err := r.s.kv.edges.Put(ctx, id, b); err != nil {
			t.Fatal(err)
		}
	}
	srv := func(i int, name string) world.Server {
		return world.Server{Index: i, Name: name, Type: world.TypeOpen, Capacity: 100, Gates: 4}
	}
	// The view follows the bucket in order, so the last put is the one
	// that brings the count to 14: then all three have been seen (put
	// edge-b first and the count was 14 before edge-a, the older lease
	// that must win server 13, was seen).
	many := make([]world.Server, maxRegistered+1)
	for i := range many {
		many[i] = srv(100+i, "Many")
	}
	put("edge-c", now, 9003, many...)
	put("edge-a", now.Add(-time.Minute), 9001, srv(13, "Remote13"), srv(5, "Hijack5"), world.Server{Index: 15, Name: string(make([]byte, 4000)), Type: 1, Capacity: 1, Gates: 1})
	put("edge-b", now, 9002, srv(13, "Late13"), srv(14, "Remote14"))

	deadline := time.Now().Add(10 * time.Second)
	var lw *liveWorld
	for {
		lw = r.s.live()
		if len(lw.Servers) == 14 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(lw.Servers) != 14 {
		t.Fatalf("the live world has %d servers, want the 12 central ones plus 13 and 14", len(lw.Servers))
	}
	want := map[int]struct {
		name string
		port int
	}{13: {"Remote13", 9001}, 14: {"Remote14", 9002}}
	for i, w := range want {
		s, ok := lw.Server(i)
		if !ok || s.Name != w.name || lw.owner[i].Addrs["fmp"].Port != w.port {
			t.Fatalf("server %d is %+v of port %d, want %s of port %d", i, s, lw.owner[i].Addrs["fmp"].Port, w.name, w.port)
		}
	}
	if s, _ := lw.Server(5); s.Name == "Hijack5" || lw.owner[5].Edge != "" {
		t.Fatal("an external edge took over central server 5")
	}
	for i := 1; i < len(lw.Servers); i++ {
		if lw.Servers[i-1].Index >= lw.Servers[i].Index {
			t.Fatal("the live world's servers are not in index order")
		}
	}
	if lw.version == fmpListVersion {
		t.Fatal("the list version did not change with external servers listed")
	}
	// Another handler instance derives the same version.
	other := &Service{cfg: r.s.cfg, edges: r.s.edges, log: r.s.log}
	if v := other.live().version; v != lw.version {
		t.Fatalf("another instance derives version %d, this one %d", v, lw.version)
	}

	for _, id := range []string{"edge-a", "edge-b", "edge-c"} {
		if err := r.s.kv.edges.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for {
		lw = r.s.live()
		if len(lw.Servers) == 12 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(lw.Servers) != 12 || lw.version != fmpListVersion {
		t.Fatalf("after the edges left: %d servers, version %d; want 12 and %d", len(lw.Servers), lw.version, fmpListVersion)
	}
}
