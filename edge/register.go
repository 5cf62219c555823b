package edge

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/world"
)

// Lease keeps one edge process's lease in the edges bucket (see
// bus.EdgesBucket): its id, where clients reach each of its listeners,
// and how many connections it holds. It renews every third of the
// bucket's TTL. An edge that could not renew for a whole TTL has been
// taken for dead by the handlers, who swept its players; it closes its
// game connections so nothing it holds outlives the sweep, and goes on
// under a new id (Identity), so that its next connections are not swept
// with the old ones.
type Lease struct {
	Identity  *Identity
	Advertise string
	Listeners []*Listener
	// Ports are the advertised ports by server (default: each listener's
	// bound port).
	Ports map[string]int
	// Servers are the FMP servers this edge registers (an external FMP
	// edge's own world); none for an edge of the central world.
	Servers []world.Server
	Log     *slog.Logger
}

// Hold renews the lease until ctx ends, then deletes it.
func (le *Lease) Hold(ctx context.Context, js jetstream.JetStream) {
	log := le.Log
	if log == nil {
		log = slog.Default()
	}
	var kv jetstream.KeyValue
	ttl := bus.DefaultLease
	lastOK := time.Now()
	started := lastOK
	failing := false
	fail := func(msg string, err error) {
		if !failing {
			log.Warn(msg, "edge", le.Identity.ID(), "err", err)
		} else {
			log.Debug(msg, "edge", le.Identity.ID(), "err", err)
		}
		failing = true
	}
	renew := func() bool {
		if kv == nil {
			// Bind only: the handlers make the bucket (edges may not).
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			b, err := js.KeyValue(cctx, bus.EdgesBucket)
			if err == nil {
				var st jetstream.KeyValueStatus
				if st, err = b.Status(cctx); err == nil {
					kv = b
					if st.TTL() > 0 {
						ttl = st.TTL()
					}
				}
			}
			cancel()
			if err != nil {
				fail("edge lease bucket unavailable (the handlers make it)", err)
				return false
			}
		}
		id := le.Identity.ID()
		lease := bus.EdgeLease{Edge: id, Addrs: map[string]bus.EdgeAddr{}, Since: lastOK, Started: started, Servers: le.Servers, Version: bus.Version()}
		for _, l := range le.Listeners {
			lease.Addrs[l.cfg.Server] = bus.EdgeAddr{Host: le.Advertise, Port: le.Ports[l.cfg.Server]}
			lease.Conns += l.Open()
		}
		b, _ := json.Marshal(lease)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := kv.Put(pctx, id, b); err != nil {
			fail("renew edge lease", err)
			kv = nil // the bucket may be gone after a NATS restart: bind again
			return false
		}
		if failing {
			log.Info("edge lease held again", "edge", id)
			failing = false
		}
		return true
	}
	if renew() {
		lastOK = time.Now()
	}
	retry := 250 * time.Millisecond
	for {
		wait := ttl / 3
		if failing {
			// Sooner while the bucket is missing (handlers starting, NATS
			// restarted): the lease must be back before it lapses.
			wait, retry = min(retry, ttl/3), min(2*retry, ttl/3)
		} else {
			retry = 250 * time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if kv != nil {
				dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				kv.Delete(dctx, le.Identity.ID())
				cancel()
			}
			return
		case <-t.C:
		}
		if renew() {
			lastOK = time.Now()
			continue
		}
		if time.Since(lastOK) < ttl {
			continue
		}
		// No renewal for a whole TTL: the handlers took this edge for
		// dead and swept its players. New connections take a new id
		// first, then the old ones close: none made after this point is
		// swept with them.
		old := le.Identity.rotate()
		log.Error("edge lease lapsed: closing game connections (their players were swept); going on under a new edge id",
			"edge", old, "new_edge", le.Identity.ID(), "since", lastOK)
		for _, l := range le.Listeners {
			l.closeAll("edge lease lapsed")
		}
		started = time.Now()
		lastOK = time.Now() // close once per lapse
	}
}
