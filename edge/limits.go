package edge

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/pat"
)

// Default limits (docs/ARCHITECTURE.md, "Edge limits"). A real login sends
// a few dozen packets over four connections and play about ten position
// updates a second, so the per-connection ones are far above what the game
// needs.
const (
	DefaultMaxConns      = 8192
	DefaultMaxConnsPerIP = 32
	DefaultRequestRate   = 100 // frames per second, sustained
	DefaultRequestBurst  = 200 // frames read at once before the rate applies
	DefaultRefusers      = 32
	DefaultRefuseTimeout = time.Second
	// DefaultEventRate and DefaultEventBurst bound the events one address
	// makes the handlers append to the event log (eventbudget.go): a
	// first login appends three, a city created and left about six, and
	// a player makes a few a minute. The burst leaves a load test of a
	// few thousand first logins from one address below it.
	DefaultEventRate  = 20    // events per second, sustained
	DefaultEventBurst = 20000 // events at once before the rate applies
)

// msgBusy is the NtcShut text a refused connection gets.
const msgBusy = "<LF=8><BODY><CENTER>The server is busy.<BR>Please try again later.<END>"

// GateConfig bounds the connections of one edge process.
type GateConfig struct {
	// MaxConns is how many connections may be open at once across every
	// listener sharing the gate; MaxConnsPerIP how many of them may come
	// from one address (IPv4) or one /64 (IPv6). Zero means the default.
	MaxConns, MaxConnsPerIP int
	// Refusers is how many refused connections may be told "server busy"
	// at once (on OPN that takes a TLS handshake); a connection refused
	// while all of them are busy is closed without a word.
	Refusers int
	// RefuseTimeout bounds one refusal: handshake, NtcShut, the client's
	// close.
	RefuseTimeout time.Duration
	// EventRate and EventBurst are a token bucket, per address, of the
	// events the handlers report having appended for that address's
	// requests; an address in debt has its connections read no further
	// until the debt is repaid. Zero means the default; a negative rate
	// turns the budget off.
	EventRate  float64
	EventBurst int
	Logger     *slog.Logger
}

// Gate counts one edge process's connections and refuses those over its
// caps. Listeners of one process share a gate.
type Gate struct {
	cfg      GateConfig
	busy     []byte        // the NtcShut frame refused connections get
	refusers chan struct{} // a slot per refusal in progress
	warn     rate.Sometimes
	// warnDebt logs, now and then, an address going into event debt.
	warnDebt rate.Sometimes

	mu   sync.Mutex
	open int
	byIP map[netip.Prefix]int
	// events is each address's event budget, kept while the address has
	// connections or owes events (eventbudget.go); owing counts the
	// budgets in debt.
	events map[netip.Prefix]*eventBucket
	owing  atomic.Int32

	refused, dropped atomic.Int64
}

// NewGate makes a gate; zero fields of cfg take the defaults.
func NewGate(cfg GateConfig) *Gate {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxConnsPerIP <= 0 {
		cfg.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if cfg.Refusers <= 0 {
		cfg.Refusers = DefaultRefusers
	}
	if cfg.RefuseTimeout <= 0 {
		cfg.RefuseTimeout = DefaultRefuseTimeout
	}
	if cfg.EventRate == 0 {
		cfg.EventRate = DefaultEventRate
	}
	if cfg.EventBurst <= 0 {
		cfg.EventBurst = DefaultEventBurst
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	busy, err := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(msgBusy)})
	if err != nil {
		panic(err) // a constant message
	}
	return &Gate{
		cfg:      cfg,
		busy:     busy,
		refusers: make(chan struct{}, cfg.Refusers),
		warn:     rate.Sometimes{First: 1, Interval: 10 * time.Second},
		warnDebt: rate.Sometimes{First: 1, Interval: 10 * time.Second},
		byIP:     make(map[netip.Prefix]int),
		events:   make(map[netip.Prefix]*eventBucket),
	}
}

// Open is the number of connections the gate let in that are still open.
func (g *Gate) Open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// Refused is how many connections were refused with a "server busy"
// NtcShut (or tried to be: the handshake or the write may have failed),
// and Dropped how many were closed without a word because every refuser
// was busy.
func (g *Gate) Refused() int64 { return g.refused.Load() }
func (g *Gate) Dropped() int64 { return g.dropped.Load() }

// ipKey is what the per-address cap counts: the IPv4 address, or the /64
// of an IPv6 address (one subscriber's usual allocation). Addresses that
// are not IP share one key.
func ipKey(a net.Addr) netip.Prefix {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// admit counts a new connection in, or says which cap it is over.
func (g *Gate) admit(key netip.Prefix) (over string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.open >= g.cfg.MaxConns:
		return "max-conns"
	case g.byIP[key] >= g.cfg.MaxConnsPerIP:
		return "max-conns-per-ip"
	}
	g.open++
	g.byIP[key]++
	return ""
}

// leave counts a connection admitted with key out.
func (g *Gate) leave(key netip.Prefix) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open--
	if n := g.byIP[key] - 1; n > 0 {
		g.byIP[key] = n
	} else {
		delete(g.byIP, key)
		g.forgetRepaidLocked(key, time.Now())
	}
}

// refuse tells a connection over a cap that the server is busy and closes
// it, in a refuser of its own; with every refuser busy it just closes.
// It never blocks the accept loop.
func (l *Listener) refuse(raw net.Conn, over string) {
	g := l.gate
	select {
	case g.refusers <- struct{}{}:
	default:
		g.dropped.Add(1)
		raw.Close()
		l.warnRefusing(over)
		return
	}
	g.refused.Add(1)
	l.warnRefusing(over)
	l.wg.Add(1)
	go func() {
		defer func() { <-g.refusers; l.wg.Done() }()
		l.sayBusy(raw)
	}()
}

func (l *Listener) warnRefusing(over string) {
	g := l.gate
	g.warn.Do(func() {
		l.log.Warn("refusing connections over a cap", "cap", over, "open", g.Open(),
			"max_conns", g.cfg.MaxConns, "max_conns_per_ip", g.cfg.MaxConnsPerIP,
			"refused", g.refused.Load(), "closed_unanswered", g.dropped.Load())
	})
}

// sayBusy sends the busy NtcShut (after the TLS handshake on OPN), then
// half-closes and waits for the client to close, all within the refusal
// deadline: closing with the client's bytes unread would reset the
// connection and could lose the message.
func (l *Listener) sayBusy(raw net.Conn) {
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(l.gate.cfg.RefuseTimeout))
	c := raw
	if l.cfg.TLS != nil {
		tc, err := wiitls.Server(raw, l.cfg.TLS)
		if err != nil {
			return
		}
		c = tc
	}
	if _, err := c.Write(l.gate.busy); err != nil {
		return
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(raw, 1<<16))
}
