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
	"strings"
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
	"github.com/mh3net/mh3net/lease"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/ops"
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

	NATSURL string // external NATS (a comma list for a cluster); empty = embedded
	// Replicas of the event log, the feed and every bucket in a NATS
	// cluster: 0 = as many servers as the connection knows, at most 3.
	Replicas int
	Postgres string // event store in Postgres; empty = the JetStream log
	// Lease is the edges' lease period, the same in every process: the
	// edges bucket's TTL (an edge silent this long is taken for dead).
	Lease time.Duration
	// RelayLease is, with Postgres, the relay's lease period (one handler
	// process relays; another takes over within about one period after it
	// dies). The same in every process; default DefaultRelayLease.
	RelayLease time.Duration
	NATSHost   string // embedded NATS bind address (default 127.0.0.1)
	NATSPort   int    // embedded NATS client port; 0 = in-process only
	DataDir    string // embedded NATS / JetStream files
	// NATSServer adds auth, TLS and clustering to the embedded server
	// (its Host, Port and StoreDir come from the fields above).
	NATSServer natsrv.Options
	// NATSClient is how this process authenticates to NATS: to an
	// external one, or to the embedded one when it requires auth.
	NATSClient NATSClient

	Host      string         // game listeners bind address
	Advertise string         // address clients are redirected to
	Ports     map[string]int // opn, lmp, fmp, rfp; 0 picks a free port
	// ReusePort sets SO_REUSEPORT on the game listeners, so several edge
	// processes of one host share the same ports (Linux only).
	ReusePort bool
	TLSCert   string // PEM files for OPN; empty = ephemeral self-signed
	TLSKey    string
	World     *world.World
	// WorldFile is the file World was read from: the handlers watch it
	// and take a change that only grows the world (world.Live).
	WorldFile string
	// QuestDir is a quest directory (binaries.LoadQuests) the handlers
	// serve the event and arena quests from and watch; "" = the embedded
	// quests.
	QuestDir string
	// FMPOnly makes the edge an external FMP server: it opens only the
	// FMP listener and registers World's servers in its lease, so every
	// handler lists them while it lives (docs/SCALING.md).
	FMPOnly bool
	// BusOnly sends every packet of this process's edge over NATS, even
	// when this process runs handlers too. By default a process with both
	// roles (mh3net up) serves its own edge's packets in process and uses
	// the bus only when its handlers are busy or stopping.
	BusOnly bool

	ConnectionDelay   time.Duration
	LineCheckInterval time.Duration
	RequestTimeout    time.Duration
	HandshakeTimeout  time.Duration
	BodyTimeout       time.Duration
	// CityReservation is how long LayerCreateHead holds a city (handlers;
	// 0 = world.ReservationTime).
	CityReservation time.Duration

	// Edge limits (0 = the edge package's defaults; docs/ARCHITECTURE.md,
	// "Edge limits"): connections per process and per address, across
	// the four listeners; per connection, frames per second (token
	// bucket rate and burst).
	MaxConns      int
	MaxConnsPerIP int
	RequestRate   float64
	RequestBurst  int
	// RefuseTimeout bounds telling a refused connection the server is
	// busy (0 = the default).
	RefuseTimeout time.Duration
	// EventRate and EventBurst bound the events one address makes the
	// handlers append (per second sustained, at once; 0 = the defaults,
	// a negative rate = no bound; edge/eventbudget.go).
	EventRate  float64
	EventBurst int

	// HTTPAddr serves the operator's status page, admin API and metrics
	// (package ops) when set. AdminToken guards the admin API; without
	// one, a loopback HTTPAddr makes one and writes it to AdminTokenFile.
	HTTPAddr       string
	AdminToken     string
	AdminTokenFile string
	// Metrics is this process's metrics, served at /metrics with
	// HTTPAddr. Nil: made when HTTPAddr is set, off otherwise.
	Metrics *metrics.Set

	Logger *slog.Logger
}

// Server is a running set of roles.
type Server struct {
	cfg  Config
	log  *slog.Logger
	NATS *natsserver.Server // nil with an external NATS
	nc   *nats.Conn
	// edgeNC is the edges' connection (no echo; see start).
	edgeNC *nats.Conn
	store  store.Store
	addrs  map[string]net.Addr
	gate   *edge.Gate
	hs     *handlers.Service
	ops    *ops.Server
	// bins and worlds are what the handlers serve (nil without them).
	bins   *binaries.Set
	worlds *world.Live

	cancel     context.CancelFunc // everything
	edgeCancel context.CancelFunc // the edge role: listeners and lease
	wg         sync.WaitGroup
	edgeWG     sync.WaitGroup
	stopOnce   sync.Once
	errc       chan error
}

// DrainTimeout bounds how long a stopping handlers role waits for the
// packets it has taken: longer than a handler may work on one (the
// edge's deadline, at most 10 s).
const DrainTimeout = 15 * time.Second

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
	if cfg.Metrics == nil && cfg.HTTPAddr != "" {
		cfg.Metrics = metrics.New(roleName(cfg))
	}
	// The roles run until shutdown cancels them, in order, not when ctx
	// ends: a handler must finish the packets it took with its context,
	// KV and store alive (see shutdown). ctx ending starts that shutdown;
	// during Start it aborts the start.
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cfg: cfg, log: cfg.Logger, cancel: cancel, addrs: map[string]net.Addr{}, errc: make(chan error, 8)}
	edgeCtx, edgeCancel := context.WithCancel(run)
	s.edgeCancel = edgeCancel
	abort := context.AfterFunc(ctx, cancel)
	err := s.start(run, edgeCtx)
	if !abort() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	context.AfterFunc(ctx, s.shutdown)
	return s, nil
}

func (s *Server) start(ctx, edgeCtx context.Context) error {
	cfg := s.cfg
	var err error
	client := cfg.NATSClient
	if cfg.Edge && !cfg.Handlers {
		// Edge credentials may subscribe to their own inboxes only.
		client.InboxPrefix = bus.EdgeInboxPrefix
	}
	name := "mh3net " + roleName(cfg)
	if cfg.NATSURL == "" {
		no := cfg.NATSServer
		no.Host, no.Port, no.StoreDir, no.Logger = cfg.NATSHost, cfg.NATSPort, cfg.DataDir, cfg.Logger
		if no.AuthEnabled() && client.User == "" && client.NKeySeedFile == "" {
			if no.HandlersPassword == "" || strings.HasPrefix(no.HandlersPassword, "$2") {
				// Only a plain handlers password can be used as is (not
				// an nkey's public half, nor a bcrypt hash).
				return fmt.Errorf("embedded nats requires auth: give this process's credentials (a handlers nkey seed or password)")
			}
			client.User, client.Password = natsrv.HandlersUser, no.HandlersPassword
		}
		s.NATS, err = natsrv.Start(no)
		if err != nil {
			return fmt.Errorf("embedded nats: %w", err)
		}
		var opts []nats.Option
		opts, err = client.options(false)
		if err != nil {
			return err
		}
		opts = append(opts, nats.InProcessServer(natsrv.InProcess{Server: s.NATS}), nats.Name(name), nats.MaxReconnects(-1), errorLog(cfg.Logger), nats.ClosedHandler(s.onClosed(ctx)))
		s.nc, err = nats.Connect("", opts...)
	} else {
		s.nc, err = Connect(cfg.NATSURL, name, client, cfg.Logger, nats.ClosedHandler(s.onClosed(ctx)))
	}
	if err != nil {
		return fmt.Errorf("connect nats: %w", err)
	}
	cfg.Metrics.WatchNATS(s.nc)
	if cfg.Edge {
		// The edges get a connection of their own that does not echo:
		// an edge hands its connections' relays to its own members of
		// the room itself, and NATS carries them to the other edges only
		// (half the deliveries when a city spans two edges).
		if cfg.NATSURL == "" {
			opts, oerr := client.options(false)
			if oerr != nil {
				return oerr
			}
			opts = append(opts, nats.InProcessServer(natsrv.InProcess{Server: s.NATS}), nats.Name(name+" edges"), nats.NoEcho(), nats.MaxReconnects(-1), errorLog(cfg.Logger), nats.ClosedHandler(s.onClosed(ctx)))
			s.edgeNC, err = nats.Connect("", opts...)
		} else {
			s.edgeNC, err = Connect(cfg.NATSURL, name+" edges", client, cfg.Logger, nats.NoEcho(), nats.ClosedHandler(s.onClosed(ctx)))
		}
		if err != nil {
			return fmt.Errorf("connect nats (edges): %w", err)
		}
	}
	js, err := jetstream.New(s.nc)
	if err != nil {
		return err
	}
	replicas := cfg.Replicas
	if replicas == 0 {
		replicas = min(3, len(s.nc.Servers()))
	}
	if cfg.Handlers {
		s.log.Info("jetstream replicas", "replicas", replicas, "servers", len(s.nc.Servers()))
	}
	js = bus.Replicated(js, replicas)

	if cfg.Handlers {
		var readModels store.Store
		backend, shift := "jetstream", uint(16) // JetStream positions are seq<<16 | index
		// Each store is kept only once open: a nil *pgstore.Store in the
		// interface would make Close panic on the way out of a failed start.
		if cfg.Postgres != "" {
			st, err := pgstore.Open(ctx, cfg.Postgres, cfg.Logger)
			if err != nil {
				return fmt.Errorf("event store: %w", err)
			}
			s.store = st
			s.startRelay(ctx, js)
			readModels = relay.NewFeed(s.store, js)
			backend, shift = "postgres", 0
		} else {
			st, err := jsstore.Open(ctx, s.nc, jsstore.Options{Replicas: replicas})
			if err != nil {
				return fmt.Errorf("event store: %w", err)
			}
			s.store = st
		}
		if err := s.startReloadable(ctx); err != nil {
			return err
		}
		if err := s.serveReload(ctx); err != nil {
			return err
		}
		// The handlers' appends are timed; the relay's reads are not.
		s.hs, err = handlers.Start(ctx, s.nc, cfg.Metrics.Store(s.store, backend), handlers.Config{
			Worlds:          s.worlds,
			Binaries:        s.bins,
			Advertise:       cfg.Advertise,
			LMPPort:         cfg.Ports["lmp"],
			FMPPort:         cfg.Ports["fmp"],
			ReadModels:      readModels,
			Lease:           cfg.Lease,
			Replicas:        replicas,
			CityReservation: cfg.CityReservation,
			// An embedded NATS server was just started: no edge can hold a
			// lease yet, so whatever names an edge is a ghost of an
			// earlier run.
			SweepAtStart:  cfg.NATSURL == "",
			Metrics:       cfg.Metrics,
			PositionShift: shift,
			Logger:        cfg.Logger,
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
		edgeID := edge.NewIdentity("")
		lease := &edge.Lease{Identity: edgeID, Advertise: cfg.Advertise, Ports: map[string]int{}, Log: cfg.Logger}
		servers := bus.Servers
		if cfg.FMPOnly {
			if cfg.Handlers {
				return fmt.Errorf("an FMP-only edge runs without handlers (mh3net edge --fmp-only)")
			}
			servers = []string{"fmp"}
			lease.Servers = cfg.World.Servers
			for _, srv := range lease.Servers {
				cfg.Logger.Info("registering an external FMP server", "index", srv.Index, "name", srv.Name, "type", srv.Type, "capacity", srv.Capacity, "gates", srv.Gates)
			}
		}
		s.gate = edge.NewGate(edge.GateConfig{
			MaxConns:      cfg.MaxConns,
			MaxConnsPerIP: cfg.MaxConnsPerIP,
			RefuseTimeout: cfg.RefuseTimeout,
			EventRate:     cfg.EventRate,
			EventBurst:    cfg.EventBurst,
			Logger:        cfg.Logger,
		})
		for _, server := range servers {
			ln, err := listen(ctx, server, cfg.Host, cfg.Ports[server], cfg.ReusePort)
			if err != nil {
				return err
			}
			s.addrs[server] = ln.Addr()
			ec := edge.Config{
				Server:            server,
				Identity:          edgeID,
				ConnectionDelay:   cfg.ConnectionDelay,
				LineCheckInterval: cfg.LineCheckInterval,
				RequestTimeout:    cfg.RequestTimeout,
				HandshakeTimeout:  cfg.HandshakeTimeout,
				BodyTimeout:       cfg.BodyTimeout,
				RequestRate:       cfg.RequestRate,
				RequestBurst:      cfg.RequestBurst,
				Gate:              s.gate,
				Metrics:           cfg.Metrics,
				Logger:            cfg.Logger,
			}
			if s.hs != nil && !cfg.BusOnly {
				ec.Local = s.hs.Local
				ec.LocalClosed = s.hs.LocalClosed
			}
			if server == "opn" {
				ec.TLS = &wiitls.Config{Certificate: cert}
			}
			l := edge.New(s.edgeNC, ec)
			lease.Listeners = append(lease.Listeners, l)
			lease.Ports[server] = ln.Addr().(*net.TCPAddr).Port
			s.edgeWG.Add(1)
			go func() {
				defer s.edgeWG.Done()
				if err := l.Serve(edgeCtx, ln); err != nil {
					s.errc <- err
				}
			}()
		}
		s.edgeWG.Add(1)
		go func() {
			defer s.edgeWG.Done()
			lease.Hold(edgeCtx, js)
		}()
	}

	if cfg.HTTPAddr != "" {
		s.ops, err = ops.Start(ctx, ops.Config{
			Addr:      cfg.HTTPAddr,
			Token:     cfg.AdminToken,
			TokenFile: cfg.AdminTokenFile,
			Role:      roleName(cfg),
			NC:        s.nc,
			Metrics:   cfg.Metrics.Handler(),
			Logger:    cfg.Logger,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// HTTPAddr is the operator HTTP server's address (nil without --http).
func (s *Server) HTTPAddr() net.Addr {
	if s.ops == nil {
		return nil
	}
	return s.ops.Addr()
}

// NATSClient is how a process authenticates to NATS and verifies it.
type NATSClient struct {
	User, Password string // user/password auth
	NKeySeedFile   string // nkey auth: file holding the user's seed (SU…)

	CAFile   string // verify the server's certificate with this CA (and use TLS)
	CertFile string // client certificate, when the server verifies clients
	KeyFile  string

	// InboxPrefix replaces _INBOX for this connection's replies.
	InboxPrefix string
}

func (c NATSClient) options(tls bool) ([]nats.Option, error) {
	var opts []nats.Option
	if c.NKeySeedFile != "" {
		if c.User != "" || c.Password != "" {
			return nil, fmt.Errorf("nats: give either an nkey or a user and password, not both")
		}
		o, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nats nkey seed: %w", err)
		}
		opts = append(opts, o)
	} else if c.User != "" || c.Password != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if tls {
		if c.CAFile != "" {
			opts = append(opts, nats.RootCAs(c.CAFile))
		}
		if c.CertFile != "" || c.KeyFile != "" {
			if c.CertFile == "" || c.KeyFile == "" {
				return nil, fmt.Errorf("nats: a client certificate needs both --nats-cert and --nats-key")
			}
			opts = append(opts, nats.ClientCert(c.CertFile, c.KeyFile))
		}
	}
	if c.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(c.InboxPrefix))
	}
	return opts, nil
}

// Options are the nats.Options that authenticate and verify as c says.
func (c NATSClient) Options() ([]nats.Option, error) { return c.options(true) }

// DefaultRelayLease is the relay's lease period: short, because while no
// process relays, the read models of every handler process stand still.
const DefaultRelayLease = 3 * time.Second

// LeaseBucket holds the leases of a deployment's singleton roles.
const LeaseBucket = "mh3_leases"

// ReloadInterval is how often the handlers look at the world file and
// the quest directory for a change.
const ReloadInterval = 2 * time.Second

// startReloadable makes the world and the binaries the handlers serve,
// and watches their files until ctx ends.
func (s *Server) startReloadable(ctx context.Context) error {
	cfg := s.cfg
	opts := []binaries.Option{binaries.WithTypeBounds(cfg.World.BinaryBounds()), binaries.WithLogger(s.log)}
	if cfg.QuestDir != "" {
		q, err := binaries.LoadQuests(cfg.QuestDir)
		if err != nil {
			return fmt.Errorf("quest directory: %w", err)
		}
		opts = append(opts, binaries.WithQuests(q))
	}
	s.bins = binaries.New(time.Now(), opts...)
	s.worlds = world.NewLive(cfg.World)
	if cfg.QuestDir != "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.bins.WatchQuests(ctx, ReloadInterval)
		}()
	}
	if cfg.WorldFile != "" {
		done := s.worlds.Watch(ctx, cfg.WorldFile, ReloadInterval, s.log)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			<-done
		}()
	}
	return nil
}

// Binaries are the binaries the handlers serve (nil without the
// handlers role): ReloadQuests reloads the quest directory now.
func (s *Server) Binaries() *binaries.Set { return s.bins }

// World is the world the handlers serve (nil without the handlers role):
// Reload(file) takes a world file that only grows it.
func (s *Server) World() *world.Live { return s.worlds }

// startRelay runs the Postgres → JetStream relay in the one handler
// process holding the "relay" lease; the others stand by and take over
// when the holder dies. The feed's expected-last-sequence stays the
// second guard (a paused holder cannot interleave with its successor).
func (s *Server) startRelay(ctx context.Context, js jetstream.JetStream) {
	period := s.cfg.RelayLease
	if period == 0 {
		period = DefaultRelayLease
	}
	holder := nuid.Next()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := lease.RunInBucket(ctx, js, LeaseBucket, "relay", holder, period, func(ctx context.Context) {
			s.log.Info("relaying the event log to the feed", "holder", holder)
			relay.Run(ctx, s.store, js, s.log)
		})
		if err != nil && ctx.Err() == nil {
			s.log.Error("the relay's lease cannot be held", "err", err)
			select {
			case s.errc <- err:
			default:
			}
		}
	}()
}

// Connect dials an external NATS with reconnects forever, logging the
// connection's ups and downs; extra options come last. A connection that
// NATS closes for good (an auth failure on reconnect, a protocol error)
// does not come back: give a nats.ClosedHandler to learn of it.
func Connect(url, name string, c NATSClient, log *slog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrl()) }),
		errorLog(log),
	)
	return nats.Connect(url, append(opts, extra...)...)
}

// errorLog logs what NATS reports asynchronously (permission violations,
// slow consumers, protocol errors).
func errorLog(log *slog.Logger) nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
		subject := ""
		if sub != nil {
			subject = sub.Subject
		}
		log.Warn("nats error", "err", err, "subscription", subject)
	})
}

// onClosed reports a connection NATS closed for good on Err: nats.go
// gives up on a connection after some server errors (a subject over the
// control-line limit, the same auth failure twice), and a process whose
// bus is gone must exit so a supervisor restarts it, not sit half-alive.
// Closes of our own (Close, ctx ending) are not reported.
func (s *Server) onClosed(ctx context.Context) nats.ConnHandler {
	return func(c *nats.Conn) {
		if ctx.Err() != nil {
			return
		}
		err := c.LastError()
		if err == nil {
			err = nats.ErrConnectionClosed
		}
		select {
		case s.errc <- fmt.Errorf("nats connection closed for good: %w", err):
		default:
		}
	}
}

func roleName(cfg Config) string {
	switch {
	case cfg.Edge && cfg.Handlers:
		return "up"
	case cfg.Edge:
		return "edge"
	case cfg.Handlers:
		return "handlers"
	}
	return "client"
}

// Addr is the bound address of a game listener (opn, lmp, fmp, rfp).
func (s *Server) Addr(server string) net.Addr { return s.addrs[server] }

// Gate is the edge's connection gate (nil without the edge role).
func (s *Server) Gate() *edge.Gate { return s.gate }

// Err reports a role that stopped by itself.
func (s *Server) Err() <-chan error { return s.errc }

// Conn is the server's NATS connection.
func (s *Server) Conn() *nats.Conn { return s.nc }

// shutdown stops the roles in order: the edge first (it stops
// accepting, tells its players the server is shutting down, gives up its
// lease); then the handlers leave the queue group and finish what they
// took (handlers.Service.Drain), with everything they use still running;
// then the rest (sweeper, read models, the relay, which hands its lease
// over) is cancelled.
func (s *Server) shutdown() {
	s.stopOnce.Do(func() {
		if s.ops != nil {
			s.ops.Close()
		}
		s.edgeCancel()
		s.edgeWG.Wait()
		if s.hs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), DrainTimeout)
			if err := s.hs.Drain(ctx); err != nil {
				s.log.Warn("handlers did not drain", "err", err)
			}
			cancel()
		}
		s.cancel()
		s.wg.Wait()
	})
}

// Close stops every role (see shutdown), then closes the NATS
// connection (flushing what is still to send), the store and an
// embedded NATS.
func (s *Server) Close() error {
	s.shutdown()
	var errs []error
	if s.edgeNC != nil {
		if err := s.edgeNC.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
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
