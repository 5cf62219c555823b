// Package edge owns the game sockets: it accepts TCP (and Wii-compatible
// TLS on OPN), frames PAT packets, keeps connections alive with MH3SP's
// timing, and turns every packet into a NATS request to the handlers. It
// writes back whatever the handlers answer or push. It holds no game state.
package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/pat"
)

// Config is one listener's configuration.
type Config struct {
	// Server is the PAT server this listener plays: opn, lmp, fmp or rfp.
	Server string
	// TLS, when set, wraps every connection in Wii-compatible TLS.
	TLS *wiitls.Config
	// EdgeID names this edge process in NATS headers (default: a NUID).
	EdgeID string

	// ConnectionDelay is the wait between accept (and handshake) and
	// ReqConnection. MH3SP arms a 1.5 s timer checked on a 1 s tick.
	ConnectionDelay time.Duration
	// LineCheckInterval is the keep-alive period: ReqLineCheck is sent
	// every interval, and a client that has not answered the previous one
	// by the next tick is dropped (MH3SP: 30 s; the game drops at 90 s).
	LineCheckInterval time.Duration
	// HandshakeTimeout bounds the TLS handshake (MH3SP: 2 s).
	HandshakeTimeout time.Duration
	// BodyTimeout bounds reading the rest of a frame once its first byte
	// arrived (MH3SP: 2 s socket timeout).
	BodyTimeout time.Duration
	// WriteTimeout bounds every write.
	WriteTimeout time.Duration
	// RequestTimeout is how long one NATS request waits for a handler;
	// RequestAttempts is how often a packet is tried before the player
	// is told the server is unavailable. Retries reuse the request id, so
	// handlers answer them idempotently.
	RequestTimeout  time.Duration
	RequestAttempts int
	// MaxPayload is the largest frame payload accepted from a client.
	MaxPayload int
	// QueueDepth is how many packets of one connection may wait for their
	// turn; a client that floods past it is disconnected.
	QueueDepth int

	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.EdgeID == "" {
		c.EdgeID = nuid.Next()
	}
	if c.ConnectionDelay == 0 {
		c.ConnectionDelay = 1500 * time.Millisecond
	}
	if c.LineCheckInterval == 0 {
		c.LineCheckInterval = 30 * time.Second
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = 2 * time.Second
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = 2 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 2 * time.Second
	}
	if c.RequestAttempts == 0 {
		c.RequestAttempts = 4
	}
	if c.MaxPayload == 0 {
		c.MaxPayload = pat.DefaultMaxPayload
	}
	if c.QueueDepth == 0 {
		c.QueueDepth = 64
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Listener serves one PAT server's game connections.
type Listener struct {
	cfg Config
	nc  *nats.Conn
	log *slog.Logger

	mu    sync.Mutex
	conns map[string]*conn
	wg    sync.WaitGroup
	count atomic.Int64
}

// New makes a listener that talks to the handlers through nc.
func New(nc *nats.Conn, cfg Config) *Listener {
	cfg.defaults()
	return &Listener{
		cfg:   cfg,
		nc:    nc,
		log:   cfg.Logger.With("server", cfg.Server, "edge", cfg.EdgeID),
		conns: make(map[string]*conn),
	}
}

// Open is the number of open connections.
func (l *Listener) Open() int { return int(l.count.Load()) }

// Serve accepts connections on ln until ctx ends, then closes every
// connection and waits for their goroutines. The accept loop does nothing
// but accept: handshakes and reads run in each connection's goroutine.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	l.log.Info("listening", "addr", ln.Addr().String(), "tls", l.cfg.TLS != nil)
	var tempDelay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				l.closeAll("server shutting down")
				l.wg.Wait()
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscallEMFILE) {
				tempDelay = min(max(2*tempDelay, 5*time.Millisecond), time.Second)
				l.log.Warn("accept failed, retrying", "err", err, "delay", tempDelay)
				time.Sleep(tempDelay)
				continue
			}
			l.closeAll("listener failed")
			l.wg.Wait()
			return fmt.Errorf("edge %s: accept: %w", l.cfg.Server, err)
		}
		tempDelay = 0
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.serveConn(ctx, c)
		}()
	}
}

func (l *Listener) closeAll(reason string) {
	l.mu.Lock()
	conns := make([]*conn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.shutdown(reason)
	}
}

func (l *Listener) track(c *conn) {
	l.mu.Lock()
	l.conns[c.id] = c
	l.mu.Unlock()
	l.count.Add(1)
}

func (l *Listener) untrack(c *conn) {
	l.mu.Lock()
	delete(l.conns, c.id)
	l.mu.Unlock()
	l.count.Add(-1)
}
