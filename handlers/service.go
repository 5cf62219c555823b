// Package handlers answers game packets. It is a stateless NATS micro
// service: every instance joins one queue group, so starting more
// instances spreads the load and any instance can serve any packet. What
// a handler needs to remember lives in JetStream KV (sessions, tickets,
// who is online) or in the event store (consoles, Capcom IDs, names).
package handlers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/world"
)

// Config configures a handler instance.
type Config struct {
	// World is the world served; Worlds, when set, serves a world that a
	// reload may grow (world.Live) and World is ignored.
	World    *world.World
	Worlds   *world.Live
	Binaries *binaries.Set
	Texts    Texts
	// Advertise, LMPPort and FMPPort are used in redirects when no edge
	// has registered an address for that server.
	Advertise string
	LMPPort   int
	FMPPort   int
	// Concurrency bounds how many packets one instance works on at once.
	Concurrency int
	// ReadModels is what the read models are built from; default: the
	// store itself (embedded mode). With Postgres it is the JetStream feed
	// the relay fills (relay.Feed).
	ReadModels store.Store
	// Lease is the edge lease period: the edges bucket's TTL, and how
	// long an edge may be silent before its players are swept.
	// Replicas of the buckets the handlers make, in a NATS cluster (0 or
	// 1: one copy).
	Replicas int
	Lease    time.Duration
	// CityReservation is how long LayerCreateHead holds a city for its
	// creator (default world.ReservationTime, MH3SP's 40 s; tests shorten
	// it).
	CityReservation time.Duration
	// SweepAtStart sweeps everything that names an edge before serving:
	// set when NATS was started with this process, so no edge can hold a
	// lease yet and whatever names one is a ghost of an earlier run.
	SweepAtStart bool
	// Metrics is the process's metrics (nil: off). PositionShift turns
	// ReadModels' positions into the unit the projection lag counts (16
	// on the JetStream log, whose positions are seq<<16|index; 0 on
	// Postgres).
	Metrics       *metrics.Set
	PositionShift uint
	Logger        *slog.Logger
	Now           func() time.Time
}

// ServiceName is the handlers' NATS micro service name ($SRV.PING.<name>
// answers from every instance).
const ServiceName = "mh3net-handlers"

// Service is one handler instance.
type Service struct {
	cfg Config
	log *slog.Logger
	m   *metrics.Handlers
	nc  *nats.Conn
	kv  *buckets
	// memos of the tickets and presences buckets (kvMemo)
	ticketMemo *kvMemo[ticketRecord]
	onlineMemo *kvMemo[Presence]
	replies    replies
	sessions   sessionCache
	// closes taken from an edge in this process (LocalClosed)
	localClosed atomic.Uint64
	store       store.Store
	profiles    *projection.Profiles
	routes      map[uint32]route
	sem         chan struct{}
	wg          sync.WaitGroup
	// stopping is set once Stop waits for wg: a subscription callback
	// still running after its Unsubscribe must not start work then
	// (WaitGroup.Add from zero racing Wait).
	stopMu    sync.Mutex
	stopping  bool
	svc       micro.Service
	closed    *nats.Subscription
	ntc       *nats.Subscription
	presence  *kvView[Presence]
	edges     *kvView[bus.EdgeLease]
	liveCache liveCache
	popCache  popCache
	hunters   *kvView[HunterProfile]
	world     *worldSweeper
	view      *projection.World
	recent    *recentLog // warnings and errors for the status page
	procs     processes
	ctx       context.Context // the service's own: a packet outlives its connection
	local     localCounts
}

// Start joins the handler queue group on nc. It returns once the service
// answers requests; Stop (or ctx ending) leaves the group.
func Start(ctx context.Context, nc *nats.Conn, st store.Store, cfg Config) (*Service, error) {
	if cfg.Worlds != nil {
		cfg.World = cfg.Worlds.Get()
	}
	if cfg.World == nil {
		cfg.World = world.Default()
	}
	if cfg.Worlds == nil {
		cfg.Worlds = world.NewLive(cfg.World)
	}
	if cfg.Binaries == nil {
		cfg.Binaries = binaries.New(time.Now(), binaries.WithTypeBounds(cfg.World.BinaryBounds()))
	}
	if cfg.Texts == (Texts{}) {
		cfg.Texts = DefaultTexts()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lease <= 0 {
		cfg.Lease = bus.DefaultLease
	}
	if cfg.Advertise == "" {
		cfg.Advertise = "127.0.0.1"
	}
	if cfg.CityReservation <= 0 {
		cfg.CityReservation = world.ReservationTime
	}
	recent := &recentLog{}
	s := &Service{
		ctx:    ctx,
		local:  newLocalCounts(),
		cfg:    cfg,
		recent: recent,
		log:    slog.New(newRecording(cfg.Logger.Handler(), recent)).With("role", "handlers"),
		m:      cfg.Metrics.Handlers(),
		nc:     nc,
		store:  st,
		sem:    make(chan struct{}, cfg.Concurrency),
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("handlers: jetstream: %w", err)
	}
	js = bus.Replicated(js, cfg.Replicas)
	if s.kv, err = openBuckets(ctx, js, cfg.Lease, s.log); err != nil {
		return nil, err
	}
	s.replies = replies{kv: s.kv.replies}
	gen := func() uint64 { return s.nc.Stats().Reconnects + s.kv.recreated.Load() }
	s.ticketMemo, s.onlineMemo = newKVMemo[ticketRecord](s.kv.tickets, gen), newKVMemo[Presence](s.kv.online, gen)
	go s.kv.keep(ctx, 2*time.Second, s.log)
	src := cfg.ReadModels
	if src == nil {
		src = st
	}
	s.profiles = projection.NewProfiles(src)
	if err := s.profiles.Start(ctx); err != nil {
		return nil, fmt.Errorf("handlers: profiles projection: %w", err)
	}
	s.world = &worldSweeper{s: s}
	s.view = projection.NewWorld(src, cfg.World, s.log)
	s.view.Start(ctx)
	if s.presence, err = watchKV[Presence](ctx, s.kv.online, s.log); err != nil {
		return nil, err
	}
	if s.edges, err = watchKV[bus.EdgeLease](ctx, s.kv.edges, s.log); err != nil {
		return nil, err
	}
	if s.hunters, err = watchKV[HunterProfile](ctx, s.kv.hunters, s.log); err != nil {
		return nil, err
	}
	if cfg.SweepAtStart {
		if err := s.view.Sync(ctx); err != nil {
			return nil, fmt.Errorf("handlers: world view: %w", err)
		}
		if err := s.sweepAll(ctx); err != nil {
			return nil, fmt.Errorf("handlers: sweep at start: %w", err)
		}
	}
	go s.runSweeper(ctx)
	s.routes = s.table()

	s.svc, err = micro.AddService(nc, micro.Config{
		Name:        ServiceName,
		Version:     "0.1.0",
		Description: "Monster Hunter Tri PAT packet handlers",
		QueueGroup:  bus.QueueGroup,
		// Requests served in process (Local) are counted with the bus's.
		StatsHandler: s.local.stats,
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: add micro service: %w", err)
	}
	for _, server := range bus.Servers {
		err := s.svc.AddEndpoint(server, micro.ContextHandler(ctx, s.serve),
			micro.WithEndpointSubject(bus.RequestSubject(server)))
		if err != nil {
			s.svc.Stop()
			return nil, fmt.Errorf("handlers: endpoint %s: %w", server, err)
		}
	}
	if err := s.addOps(ctx); err != nil {
		s.svc.Stop()
		return nil, err
	}
	s.ntc, err = nc.QueueSubscribe(bus.NtcPrefix+"*", bus.QueueGroup, func(m *nats.Msg) {
		s.serveNtc(ctx, m)
	})
	if err != nil {
		s.svc.Stop()
		return nil, fmt.Errorf("handlers: subscribe notifications: %w", err)
	}
	s.ntc.SetPendingLimits(-1, 64<<20)
	s.closed, err = nc.QueueSubscribe(bus.ClosedPrefix+"*", bus.QueueGroup, func(m *nats.Msg) {
		s.spawn(ctx, func(ctx context.Context) { s.connClosed(ctx, m) })
	})
	if err != nil {
		s.svc.Stop()
		return nil, fmt.Errorf("handlers: subscribe closed connections: %w", err)
	}
	cfg.Metrics.WatchProjections(src.LastPosition, cfg.PositionShift, map[string]func() uint64{
		"world":    s.view.Position,
		"profiles": s.profiles.Position,
	})
	context.AfterFunc(ctx, func() { s.Stop() })
	s.log.Info("handlers ready")
	return s, nil
}

// Drain is how a handler process leaves on purpose (SIGTERM): it leaves
// the queue group first, so NATS gives new requests, notifications and
// close announcements to the other instances; then it handles every
// message NATS had already given it and waits for the packets in
// progress, which keep a live context, their KV and their store (the
// caller cancels those only after Drain). So a client sees nothing of it;
// the edge's retry (same request id) covers only a process that dies.
// ctx bounds the wait; Drain returns ctx's error when it ran out.
//
// The order matters: micro's Service.Stop drains the endpoints'
// subscriptions but returns at once, and Stop below unsubscribes the
// notification and close subscriptions outright and refuses work that
// arrives after it, with the context already cancelled by the time it
// runs from Start's context; a request in progress then failed ("server
// unavailable") and buffered ones waited out the edge's timeout.
func (s *Service) Drain(ctx context.Context) error {
	if s.svc != nil {
		if err := s.svc.Stop(); err != nil {
			s.log.Warn("drain: stop micro service", "err", err)
		}
	}
	for _, sub := range []*nats.Subscription{s.ntc, s.closed} {
		if sub != nil {
			if err := sub.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				s.log.Warn("drain subscription", "subject", sub.Subject, "err", err)
			}
		}
	}
	// The unsubscriptions are sent; once the server answers a ping sent
	// after them, everything it routed here is in the subscriptions'
	// buffers.
	if err := s.nc.FlushWithContext(ctx); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		s.log.Warn("drain: flush", "err", err)
	}
	s.log.Info("handlers draining: left the queue group, finishing the packets taken")
	// A barrier runs after every message buffered before it has been
	// through its callback: each request has been answered inline or
	// spawned.
	delivered := make(chan struct{})
	if err := s.nc.Barrier(func() { close(delivered) }); err != nil {
		close(delivered)
	}
	select {
	case <-delivered:
	case <-ctx.Done():
		return fmt.Errorf("handlers: drain: buffered packets: %w", ctx.Err())
	}
	s.stopMu.Lock()
	s.stopping = true
	s.stopMu.Unlock()
	idle := make(chan struct{})
	go func() { s.wg.Wait(); close(idle) }()
	select {
	case <-idle:
	case <-ctx.Done():
		return fmt.Errorf("handlers: drain: packets in progress: %w", ctx.Err())
	}
	s.log.Info("handlers drained")
	return nil
}

// Stop leaves the queue group and waits for packets in progress.
func (s *Service) Stop() {
	if s.ntc != nil {
		s.ntc.Unsubscribe()
	}
	if s.closed != nil {
		s.closed.Unsubscribe()
	}
	if s.svc != nil {
		s.svc.Stop()
	}
	s.stopMu.Lock()
	s.stopping = true
	s.stopMu.Unlock()
	s.wg.Wait()
	s.presence.stop()
	s.edges.stop()
	s.hunters.stop()
}

// spawn runs fn in its own goroutine, bounded by Concurrency, so one slow
// packet never holds up another connection's.
// Once Stop began, nothing new starts (the edge retries a request that
// got no answer, on another handler).
func (s *Service) spawn(ctx context.Context, fn func(context.Context)) {
	s.stopMu.Lock()
	if s.stopping {
		s.stopMu.Unlock()
		return
	}
	s.wg.Add(1)
	s.stopMu.Unlock()
	s.sem <- struct{}{}
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		fn(ctx)
	}()
}

func (s *Service) serve(ctx context.Context, req micro.Request) {
	run := func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		data, hdr := s.handle(ctx, bus.ServerOf(req.Subject()), nats.Header(req.Headers()), req.Data(), false)
		if hdr == nil {
			return // no answer: the edge retries the packet
		}
		if err := req.Respond(data, micro.WithHeaders(micro.Headers(hdr))); err != nil {
			s.log.Warn("respond", "err", err)
		}
	}
	// Packets answered from memory alone (texts, lists, binaries) run on
	// the subscription's goroutine: a goroutine hand-off would cost more
	// than the work. Anything that waits on KV or the store gets its own.
	if b := req.Data(); len(b) >= pat.HeaderSize {
		if r, ok := s.routes[binary.BigEndian.Uint32(b[4:8])]; !ok || r.pure {
			run(ctx)
			return
		}
	}
	s.spawn(ctx, run)
}

// serveNtc handles a notification the game sent (relays, chat, reports):
// nothing is answered; what it causes goes out as pushes.
func (s *Service) serveNtc(ctx context.Context, m *nats.Msg) {
	run := func(ctx context.Context) {
		data, hdr := s.handle(ctx, bus.ServerOf(m.Subject), m.Header, m.Data, false)
		if hdr.Get(bus.HeaderClose) == "1" {
			// A broken notification ends the connection, as a broken
			// request does: the frames (an NtcShut) go to it by push.
			out := nats.NewMsg(bus.ConnSubject(m.Header.Get(bus.HeaderConn)))
			out.Data, out.Header = data, hdr
			s.nc.PublishMsg(out)
		}
	}
	if b := m.Data; len(b) >= pat.HeaderSize {
		if r, ok := s.routes[binary.BigEndian.Uint32(b[4:8])]; !ok || r.pure {
			run(ctx)
			return
		}
	}
	s.spawn(ctx, run)
}

// errUnavailable marks failures of the parts handlers depend on (KV, the
// store): the player is told the server is unavailable, not that the
// packet was bad.
var errUnavailable = errors.New("service unavailable")
