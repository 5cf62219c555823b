package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

// population counts players on each FMP server (1-based index), from the
// presences (display only: eventual consistency is fine). Every login
// asks for it several times (the server lists), so a count is kept
// while the presences do not change, and for populationFresh at most
// while they do: counting is a pass over every online hunter.
func (s *Service) population(now time.Time) map[int]int {
	rev := s.presence.revision()
	pc := &s.popCache
	pc.mu.Lock()
	defer pc.mu.Unlock()
	fresh := pc.rev == rev || time.Since(pc.at) < populationFresh
	sameClock := now.Sub(pc.now) >= 0 && now.Sub(pc.now) < populationFresh
	if pc.counts != nil && fresh && sameClock {
		return pc.counts
	}
	out := map[int]int{}
	s.presence.each(func(_ string, e Presence) {
		if e.FmpServer == 0 || e.Transit && now.Sub(e.Since) > transitGrace {
			return
		}
		out[e.FmpServer]++
	})
	pc.counts, pc.rev, pc.at, pc.now = out, rev, time.Now(), now
	return out
}

// populationFresh is how old a population count may be while hunters
// come and go.
const populationFresh = 500 * time.Millisecond

// popCache is the last population count.
type popCache struct {
	mu     sync.Mutex
	counts map[int]int
	rev    uint64
	at     time.Time // when it was counted
	now    time.Time // the game clock it was counted at (transits expire by it)
}

// redirect picks where to send a client for a server (lmp or fmp): the
// live edge with the fewest open connections, or the configured address
// when no edge holds a lease.
func (s *Service) redirect(c *Call, server string) (string, int, error) {
	// The fewest connections wins; of equals, the lowest edge id, so
	// that every handler process picks the same edge.
	var best bus.EdgeAddr
	bestID, bestConns := "", 0
	s.edges.each(func(id string, l bus.EdgeLease) {
		a, ok := l.Addrs[server]
		if !ok || a.Port == 0 || len(l.Servers) > 0 {
			return // no such listener, or an external FMP edge (its own servers only)
		}
		if bestID == "" || l.Conns < bestConns || (l.Conns == bestConns && id < bestID) {
			best, bestID, bestConns = a, id, l.Conns
		}
	})
	if bestID != "" {
		return best.Host, best.Port, nil
	}
	port := s.cfg.LMPPort
	if server == "fmp" {
		port = s.cfg.FMPPort
	}
	return s.cfg.Advertise, port, nil
}

// The sweep. Every presence (and, in the world, every hunter) names the
// edge holding its connection. Edges hold leases (bus.EdgesBucket); when
// an edge's lease lapses, everything that names it is swept: presences
// are deleted (compare-and-set, so a newer login is never touched), the
// world moves its hunters out, and the sweep is recorded as an event on
// the edge's stream. Every handler instance runs the sweeper; the sweep
// is idempotent, so two racing sweepers do no harm.

// sweeper judges edges dead and sweeps them until ctx ends.
type sweeper struct {
	s       *Service
	started time.Time // when this sweeper last (re)started watching
	recon   uint64    // NATS reconnects seen
}

// edgeDead reports whether edge's lease lapsed: it was last renewed a
// whole lease period ago, or it was never seen while this sweeper has
// watched for a whole lease period (a ghost of an earlier run).
func (sw *sweeper) edgeDead(edge string, now time.Time, lease time.Duration) bool {
	if last, ok := sw.s.edges.lastSeen(edge); ok && last.After(sw.started) {
		return now.Sub(last) >= lease
	}
	return now.Sub(sw.started) >= lease
}

func (s *Service) runSweeper(ctx context.Context) {
	sw := &sweeper{s: s, started: time.Now()}
	every := s.cfg.Lease / 4
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if n := s.nc.Stats().Reconnects; n != sw.recon {
			// NATS came back (maybe restarted, memory buckets empty):
			// give every edge a whole lease period to renew first.
			sw.recon, sw.started = n, now
		}
		leases, _ := s.edges.snapshot()
		dead := map[string]bool{}
		pres, _ := s.presence.snapshot()
		for _, p := range pres {
			if _, live := leases[p.Edge]; !live && !dead[p.Edge] && sw.edgeDead(p.Edge, now, s.cfg.Lease) {
				dead[p.Edge] = true
			}
		}
		for _, id := range s.world.edgesWithHunters() {
			if _, live := leases[id]; !live && !dead[id] && sw.edgeDead(id, now, s.cfg.Lease) {
				dead[id] = true
			}
		}
		for edge := range dead {
			sctx, cancel := context.WithTimeout(ctx, s.cfg.Lease)
			if err := s.sweepEdge(sctx, edge, "edge lease lapsed"); err != nil {
				s.log.Warn("sweep", "edge", edge, "err", err)
			}
			cancel()
		}
		s.sweepTransit(ctx, pres, now)
	}
}

// sweepTransit ends server changes that never arrived: a hunter whose
// connection closed expecting the game back elsewhere, and who did not
// come back within transitGrace, leaves the world.
func (s *Service) sweepTransit(ctx context.Context, pres map[string]Presence, now time.Time) {
	for key, p := range pres {
		if !p.Transit || now.Sub(p.Since) <= transitGrace {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, s.cfg.Lease)
		var cur Presence
		rev, found, err := s.onlineMemo.fresh(sctx, key, &cur)
		if err == nil && found && cur.Conn == p.Conn && cur.Transit {
			if err := s.depart(sctx, key, p.Conn, "never arrived after a server change", false); err != nil {
				s.log.Warn("end of a server change", "capcom_id", key, "err", err)
			} else {
				s.onlineMemo.delete(sctx, key, rev)
			}
		}
		cancel()
	}
}

// sweepAll sweeps every edge that holds no lease now (at the start of a
// one-box server, when no edge can hold one yet).
func (s *Service) sweepAll(ctx context.Context) error {
	leases, _ := s.edges.snapshot()
	pres, err := listJSON[Presence](ctx, s.kv.online)
	if err != nil {
		return err
	}
	dead := map[string]bool{}
	for _, p := range pres {
		if _, live := leases[p.Edge]; !live {
			dead[p.Edge] = true
		}
	}
	for _, id := range s.world.edgesWithHunters() {
		if _, live := leases[id]; !live {
			dead[id] = true
		}
	}
	for edge := range dead {
		if err := s.sweepEdge(ctx, edge, "server restarted"); err != nil {
			return err
		}
	}
	return nil
}

// sweepEdge removes everything of a dead edge and records the sweep.
func (s *Service) sweepEdge(ctx context.Context, edge, reason string) error {
	log := s.log.With("edge", edge, "reason", reason)
	keys, err := s.kv.online.ListKeys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return fmt.Errorf("%w: list presences: %w", errUnavailable, err)
	}
	var swept []string
	if keys != nil {
		for key := range keys.Keys() {
			var p Presence
			rev, found, err := s.onlineMemo.fresh(ctx, key, &p)
			if err != nil || !found || p.Edge != edge {
				continue
			}
			if err := s.onlineMemo.delete(ctx, key, rev); err == nil {
				swept = append(swept, key)
			}
		}
	}
	moved, err := s.world.sweepEdge(ctx, s, edge, reason)
	if err != nil {
		return err
	}
	if len(swept) == 0 && moved == 0 {
		return nil
	}
	env, err := events.Encode(fmt.Sprintf("sweep/%s/%d", edge, time.Now().UnixNano()), events.EdgeSwept{Edge: edge, Reason: reason, CapcomIDs: swept, Hunters: moved})
	if err != nil {
		return err
	}
	stream := events.EdgeStream(edge)
	for i := 0; i < 4; i++ {
		cur, err := s.store.Load(ctx, stream, 1)
		if err != nil {
			return fmt.Errorf("%w: %w", errUnavailable, err)
		}
		_, err = s.store.Append(ctx, stream, uint64(len(cur)), []events.Envelope{env})
		if !errors.Is(err, store.ErrConflict) {
			if err == nil {
				log.Info("edge swept", "presences", len(swept), "hunters", moved)
			}
			return err
		}
	}
	return nil
}

// listJSON reads every entry of a bucket.
func listJSON[T any](ctx context.Context, kv jetstream.KeyValue) (map[string]T, error) {
	out := map[string]T{}
	keys, err := kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: list %s: %w", errUnavailable, kv.Bucket(), err)
	}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		var x T
		if json.Unmarshal(e.Value(), &x) == nil {
			out[key] = x
		}
	}
	return out, nil
}
