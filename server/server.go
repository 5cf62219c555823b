// Package server runs mh3net's roles in one process: an embedded NATS
// server (unless an external one is given), the edge listeners and the
// handlers. `mh3net up` runs all of them; `mh3net edge` and `mh3net
// handlers` run one role against an external NATS. Tests start it in
// process.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/certs"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/handlers"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/jsstore"
	"github.com/mh3net/mh3net/store/pgstore"
	"github.com/mh3net/mh3net/store/relay"
	"github.com/mh3net/mh3net/world"
)

// Config says which roles to run and how.
type Config struct {
	// Edge and Handlers select the roles; NATS runs embedded when
	// NATSURL is empty.
	Edge, Handlers bool

	NATSURL  string // external NATS; empty = embedded
	Postgres string // event store in Postgres; empty = the JetStream log
	NATSHost string // embedded NATS bind address (default 127.0.0.1)
	NATSPort int    // embedded NATS client port; 0 = in-process only
	DataDir  string // embedded NATS / JetStream files

	Host      string         // game listeners bind address
	Advertise string         // address clients are redirected to
	Ports     map[string]int // opn, lmp, fmp, rfp; 0 picks a free port
	TLSCert   string         // PEM files for OPN; empty = ephemeral self-signed
	TLSKey    string
	World     *world.World

	ConnectionDelay   time.Duration
	LineCheckInterval time.Duration
	RequestTimeout    time.Duration
	HandshakeTimeout  time.Duration
	BodyTimeout       time.Duration

	Logger *slog.Logger
}

// Server is a running set of roles.
type Server struct {
	cfg   Config
	log   *slog.Logger
	NATS  *natsserver.Server // nil with an external NATS
	nc    *nats.Conn
	store store.Store
	addrs map[string]net.Addr

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
}

// Start starts the configured roles and returns once they serve.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.World == nil {
		cfg.World = world.Default()
	}
	if cfg.Host == "" {
		cfg.Host = "0.0.0.0"
	}
	if cfg.Advertise == "" {
		cfg.Advertise = "127.0.0.1"
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Server{cfg: cfg, log: cfg.Logger, cancel: cancel, addrs: map[string]net.Addr{}, errc: make(chan error, 8)}
	if err := s.start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	cfg := s.cfg
	var err error
	if cfg.NATSURL == "" {
		s.NATS, err = natsrv.Start(natsrv.Options{Host: cfg.NATSHost, Port: cfg.NATSPort, StoreDir: cfg.DataDir, Logger: cfg.Logger})
		if err != nil {
			return fmt.Errorf("embedded nats: %w", err)
		}
		s.nc, err = nats.Connect("", nats.InProcessServer(s.NATS), nats.Name("mh3net"), nats.MaxReconnects(-1))
	} else {
		s.nc, err = Connect(cfg.NATSURL, "mh3net", cfg.Logger)
	}
	if err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}

	if cfg.Handlers {
		var readModels store.Store
		if cfg.Postgres != "" {
			s.store, err = pgstore.Open(ctx, cfg.Postgres, cfg.Logger)
			if err == nil {
				// Every handler process relays; the feed's
				// expected-last-sequence lets only one publish each event.
				s.wg.Add(1)
				go func() { defer s.wg.Done(); relay.Run(ctx, s.store, js, cfg.Logger) }()
				readModels = relay.NewFeed(s.store, js)
			}
		} else {
			s.store, err = jsstore.Open(ctx, s.nc, jsstore.Options{})
		}
		if err != nil {
			return fmt.Errorf("event store: %w", err)
		}
		_, err = handlers.Start(ctx, s.nc, s.store, handlers.Config{
			World:      cfg.World,
			Binaries:   binaries.New(time.Now()),
			Advertise:  cfg.Advertise,
			LMPPort:    cfg.Ports["lmp"],
			FMPPort:    cfg.Ports["fmp"],
			ReadModels: readModels,
			Logger:     cfg.Logger,
		})
		if err != nil {
			return err
		}
	}

	if cfg.Edge {
		var cert tls.Certificate
		if cfg.TLSCert != "" {
			cert, err = certs.Load(cfg.TLSCert, cfg.TLSKey)
		} else {
			cert, err = certs.SelfSigned()
		}
		if err != nil {
			return fmt.Errorf("opn certificate: %w", err)
		}
		edgeID := nuid.Next()
		for _, server := range bus.Servers {
			ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Ports[server])))
			if err != nil {
				return fmt.Errorf("listen %s: %w", server, err)
			}
			s.addrs[server] = ln.Addr()
			ec := edge.Config{
				Server:            server,
				EdgeID:            edgeID,
				ConnectionDelay:   cfg.ConnectionDelay,
				LineCheckInterval: cfg.LineCheckInterval,
				RequestTimeout:    cfg.RequestTimeout,
				HandshakeTimeout:  cfg.HandshakeTimeout,
				BodyTimeout:       cfg.BodyTimeout,
				Logger:            cfg.Logger,
			}
			if server == "opn" {
				ec.TLS = &wiitls.Config{Certificate: cert}
			}
			l := edge.New(s.nc, ec)
			port := ln.Addr().(*net.TCPAddr).Port
			s.wg.Add(2)
			go func() {
				defer s.wg.Done()
				if err := l.Serve(ctx, ln); err != nil {
					s.errc <- err
				}
			}()
			go func() {
				defer s.wg.Done()
				l.Register(ctx, js, cfg.Advertise, port)
			}()
		}
	}
	return nil
}

// Connect dials an external NATS with reconnects forever, logging the
// connection's ups and downs.
func Connect(url, name string, log *slog.Logger) (*nats.Conn, error) {
	return nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrl()) }),
	)
}

// Addr is the bound address of a game listener (opn, lmp, fmp, rfp).
func (s *Server) Addr(server string) net.Addr { return s.addrs[server] }

// Err reports a role that stopped by itself.
func (s *Server) Err() <-chan error { return s.errc }

// Conn is the server's NATS connection.
func (s *Server) Conn() *nats.Conn { return s.nc }

// Close stops every role: listeners first (players get NtcShut), then
// handlers, the store, NATS.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	var errs []error
	if s.nc != nil {
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.NATS != nil {
		s.NATS.Shutdown()
		s.NATS.WaitForShutdown()
	}
	return errors.Join(errs...)
}
