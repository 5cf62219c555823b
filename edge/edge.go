// Package edge owns the game sockets: it accepts TCP (and Wii-compatible
// TLS on OPN), frames PAT packets, keeps connections alive with MH3SP's
// timing, and turns every packet into a NATS request to the handlers. It
// writes back whatever the handlers answer or push. It holds no game state.
package edge

import (
	"context"
	"errors"
	"fmt"
	"github.com/mh3net/mh3net/bus"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/pat"
)

// Config is one listener's configuration.
type Config struct {
	// Server is the PAT server this listener plays: opn, lmp, fmp or rfp.
	Server string
	// TLS, when set, wraps every connection in Wii-compatible TLS.
	TLS *wiitls.Config
	// Identity names this edge process in NATS headers; the listeners of
	// one process and its lease share it (default: a new one).
	Identity *Identity

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
	// Local, when set, serves a request in this process before the bus is
	// tried: the handlers of a one-box server. It gets the same headers a
	// request over NATS carries; ok=false (busy, stopping, no answer)
	// sends the packet over the bus instead.
	Local func(server string, h nats.Header, frame []byte) (data []byte, hdr nats.Header, ok bool)
	// LocalClosed, when set, takes a closed connection's announcement (the
	// message that would go to bus.ClosedSubject) in this process;
	// false (busy, stopping) sends it over the bus instead.
	LocalClosed func(m *nats.Msg) bool
	// MaxPayload is the largest frame payload accepted from a client
	// (default: every legal frame, 0xFFFF bytes, as MH3SP reads them).
	MaxPayload int
	// RequestRate is how many frames a second one connection may send,
	// with bursts of RequestBurst: a token bucket. Out of tokens, the edge
	// stops reading the socket until one is back, so a faster client is
	// slowed by TCP itself instead of buffered.
	RequestRate  float64
	RequestBurst int
	// Gate caps the connections; listeners of one process share it
	// (default: a gate of this listener's own, with default caps).
	Gate *Gate
	// Metrics is the process's metrics (nil: off).
	Metrics *metrics.Set

	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Identity == nil {
		c.Identity = NewIdentity("")
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
	if c.MaxPayload <= 0 || c.MaxPayload > pat.MaxPayload {
		c.MaxPayload = pat.MaxPayload
	}
	if c.RequestRate <= 0 {
		c.RequestRate = DefaultRequestRate
	}
	if c.RequestBurst <= 0 {
		c.RequestBurst = DefaultRequestBurst
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Gate == nil {
		c.Gate = NewGate(GateConfig{Logger: c.Logger})
	}
}

// Listener serves one PAT server's game connections.
type Listener struct {
	cfg  Config
	nc   *nats.Conn
	log  *slog.Logger
	gate *Gate
	m    *metrics.Edge

	rooms *rooms

	mu    sync.Mutex
	conns map[string]*conn
	wg    sync.WaitGroup
	count atomic.Int64

	// pushes take the connections' push subjects, one channel
	// subscription per shard for the whole listener (mh3.conn.<prefix>.
	// <shard>.*: a connection's id names its shard), so connections come
	// and go without subscribing; one dispatcher per shard hands them over
	// in order.
	pushes  [pushShards]chan *nats.Msg
	prefix  string        // the first token of this listener's connection ids
	nextSub atomic.Uint32 // shard of the next connection
}

// pushShards is how many goroutines deliver pushes to connections (a
// connection always to the same one, so its pushes keep their order; a
// push that changes rooms waits for NATS to confirm, so more than one).
// pushBacklog is how many pushes one shard may hold: past it NATS drops
// them as for a slow consumer, which the log reports.
const (
	pushShards  = 8
	pushBacklog = 8192
)

// newConnID makes a connection id, "<prefix>.<shard>.<nuid>": globally
// unique, and its push subject (bus.ConnSubject) falls under the
// listener's subscription of that shard.
func (l *Listener) newConnID() string {
	shard := l.nextSub.Add(1) % pushShards
	return l.prefix + "." + strconv.Itoa(int(shard)) + "." + nuid.Next()
}

// subscribePushes subscribes the listener's push shards.
func (l *Listener) subscribePushes() ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	for i, ch := range l.pushes {
		sub, err := l.nc.ChanSubscribe(bus.ConnPrefix+l.prefix+"."+strconv.Itoa(i)+".*", ch)
		if err != nil {
			for _, s := range subs {
				s.Unsubscribe()
			}
			return nil, fmt.Errorf("edge %s: subscribe pushes: %w", l.cfg.Server, err)
		}
		subs = append(subs, sub)
	}
	// Pushes to a connection that just opened must find the
	// subscriptions at the server. A NATS not reached yet gets them when
	// the connection is made (nats.go sends them again on every
	// reconnection), as the requests wait for it too.
	if err := l.nc.FlushTimeout(5 * time.Second); err != nil {
		l.log.Warn("push subscriptions not confirmed by NATS yet", "err", err)
	}
	return subs, nil
}

// dispatch delivers one shard's pushes to their connections until ctx
// ends.
func (l *Listener) dispatch(ctx context.Context, ch chan *nats.Msg) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-ch:
			id := strings.TrimPrefix(m.Subject, bus.ConnPrefix)
			l.mu.Lock()
			c := l.conns[id]
			l.mu.Unlock()
			if c != nil {
				c.pushGuarded(m)
			}
		}
	}
}

// New makes a listener that talks to the handlers through nc.
func New(nc *nats.Conn, cfg Config) *Listener {
	cfg.defaults()
	l := &Listener{
		cfg:    cfg,
		nc:     nc,
		log:    cfg.Logger.With("server", cfg.Server),
		gate:   cfg.Gate,
		m:      cfg.Metrics.Edge(cfg.Server, cfg.Identity.ID()), // the id at start: a lapse moves the process to another id, not its series
		conns:  make(map[string]*conn),
		prefix: nuid.Next(),
	}
	for i := range l.pushes {
		l.pushes[i] = make(chan *nats.Msg, pushBacklog)
	}
	l.rooms = newRooms(l)
	return l
}

// Open is the number of open connections.
func (l *Listener) Open() int { return int(l.count.Load()) }

// Gate is the gate that admits this listener's connections.
func (l *Listener) Gate() *Gate { return l.gate }

// Serve accepts connections on ln until ctx ends, then closes every
// connection and waits for their goroutines. The accept loop does nothing
// but accept and count: handshakes and reads run in each connection's
// goroutine, refusals in a bounded set of goroutines (Gate).
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	subs, err := l.subscribePushes()
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	}()
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDispatch() // after every connection's goroutines are done (the returns below wait for them)
	for _, ch := range l.pushes {
		go l.dispatch(dctx, ch)
	}
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
		key := ipKey(c.RemoteAddr())
		if over := l.gate.admit(key); over != "" {
			l.refuse(c, over)
			continue
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer l.gate.leave(key)
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
	l.m.ConnOpened()
}

func (l *Listener) untrack(c *conn) {
	l.mu.Lock()
	delete(l.conns, c.id)
	l.mu.Unlock()
	l.count.Add(-1)
	l.m.ConnClosed()
}
