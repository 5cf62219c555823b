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
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/world"
)

// Config configures a handler instance.
type Config struct {
	World    *world.World
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
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service is one handler instance.
type Service struct {
	cfg      Config
	log      *slog.Logger
	nc       *nats.Conn
	kv       *buckets
	store    store.Store
	profiles *projection.Profiles
	routes   map[uint32]route
	sem      chan struct{}
	wg       sync.WaitGroup
	svc      micro.Service
	closed   *nats.Subscription
	presence *presence
}

// Start joins the handler queue group on nc. It returns once the service
// answers requests; Stop (or ctx ending) leaves the group.
func Start(ctx context.Context, nc *nats.Conn, st store.Store, cfg Config) (*Service, error) {
	if cfg.World == nil {
		cfg.World = world.Default()
	}
	if cfg.Binaries == nil {
		cfg.Binaries = binaries.New(time.Now())
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
	if cfg.Advertise == "" {
		cfg.Advertise = "127.0.0.1"
	}
	s := &Service{
		cfg:   cfg,
		log:   cfg.Logger.With("role", "handlers"),
		nc:    nc,
		store: st,
		sem:   make(chan struct{}, cfg.Concurrency),
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("handlers: jetstream: %w", err)
	}
	if s.kv, err = openBuckets(ctx, js); err != nil {
		return nil, err
	}
	src := cfg.ReadModels
	if src == nil {
		src = st
	}
	s.profiles = projection.NewProfiles(src)
	if err := s.profiles.Start(ctx); err != nil {
		return nil, fmt.Errorf("handlers: profiles projection: %w", err)
	}
	if s.presence, err = watchPresence(ctx, s.kv.online, s.log); err != nil {
		return nil, err
	}
	s.routes = s.table()

	s.svc, err = micro.AddService(nc, micro.Config{
		Name:        "mh3net-handlers",
		Version:     "0.1.0",
		Description: "Monster Hunter Tri PAT packet handlers",
		QueueGroup:  bus.QueueGroup,
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
	s.closed, err = nc.QueueSubscribe(bus.ClosedPrefix+"*", bus.QueueGroup, func(m *nats.Msg) {
		s.spawn(ctx, func(ctx context.Context) { s.connClosed(ctx, m) })
	})
	if err != nil {
		s.svc.Stop()
		return nil, fmt.Errorf("handlers: subscribe closed connections: %w", err)
	}
	context.AfterFunc(ctx, func() { s.Stop() })
	s.log.Info("handlers ready")
	return s, nil
}

// Stop leaves the queue group and waits for packets in progress.
func (s *Service) Stop() {
	if s.closed != nil {
		s.closed.Unsubscribe()
	}
	if s.svc != nil {
		s.svc.Stop()
	}
	s.wg.Wait()
	s.presence.stop()
}

// spawn runs fn in its own goroutine, bounded by Concurrency, so one slow
// packet never holds up another connection's.
func (s *Service) spawn(ctx context.Context, fn func(context.Context)) {
	s.sem <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer func() { <-s.sem; s.wg.Done() }()
		fn(ctx)
	}()
}

func (s *Service) serve(ctx context.Context, req micro.Request) {
	run := func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		data, hdr := s.handle(ctx, bus.ServerOf(req.Subject()), nats.Header(req.Headers()), req.Data())
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

// errUnavailable marks failures of the parts handlers depend on (KV, the
// store): the player is told the server is unavailable, not that the
// packet was bad.
var errUnavailable = errors.New("service unavailable")
