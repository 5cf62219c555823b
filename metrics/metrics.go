// Package metrics owns a process's Prometheus metrics: one registry per
// process (never the global default one), the metric definitions
// (mh3net_*, with Go and process collectors beside them), and small
// pre-resolved handles the edge, the handlers and the store call so that
// instrumenting a site takes one line.
//
// A nil *Set, and every handle it gives out, is a valid "metrics off":
// each method checks its receiver and returns, so callers need no if.
//
// Costs on the request path: a packet's counters and histogram are
// resolved once per packet id and server (a lock-free read of a small map
// keyed by the uint32 id; no label strings are built per request), so one
// request costs a map read, two atomic adds and a histogram observation.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mh3net/mh3net/pat"
)

// Outcome classifies how a request ended.
type Outcome uint8

// Outcomes, as label values (outcome="ok", ...).
const (
	// OK: answered.
	OK Outcome = iota
	// Error: a handler failed or the packet was malformed (the player is
	// told and disconnected).
	Error
	// Unavailable: a dependency (KV, the store, NATS, every handler) was
	// not there.
	Unavailable
	// Timeout: the attempt's deadline passed.
	Timeout
	// Ignored: a packet not served on that server (handlers only).
	Ignored
	nOutcomes
)

var outcomeNames = [nOutcomes]string{"ok", "error", "unavailable", "timeout", "ignored"}

func (o Outcome) String() string { return outcomeNames[o] }

// Buckets.
var (
	// latencyBuckets: 100 µs to 6.5 s, doubling (a loopback round trip
	// is a few hundred µs; a handler deadline is 10 s).
	latencyBuckets = prometheus.ExponentialBuckets(0.0001, 2, 17)
	// loginBuckets: 50 ms to 51 s, doubling.
	loginBuckets = prometheus.ExponentialBuckets(0.05, 2, 11)
	// fanoutBuckets: recipients of one room message at one edge.
	fanoutBuckets = []float64{0, 1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048}
)

// Set is one process's registry and metrics.
type Set struct {
	reg *prometheus.Registry

	connections    *prometheus.GaugeVec
	edgeRequests   *prometheus.CounterVec
	edgeDuration   *prometheus.HistogramVec
	edgeRetries    *prometheus.CounterVec
	unknownFrames  *prometheus.CounterVec
	fanout         *prometheus.HistogramVec
	handlerReqs    *prometheus.CounterVec
	handlerLatency *prometheus.HistogramVec
	logins         prometheus.Counter
	loginDuration  prometheus.Histogram
	appendDuration *prometheus.HistogramVec
	appendConflict *prometheus.CounterVec
	appendErrors   *prometheus.CounterVec

	mu       sync.Mutex
	handlers *Handlers

	edgeOnce, handlersOnce, storeOnce sync.Once
}

// New makes a registry with the Go and process collectors and every
// mh3net metric. role (up, edge, handlers) is exported as mh3net_info.
func New(role string) *Set {
	s := &Set{reg: prometheus.NewRegistry()}
	s.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "mh3net_info",
		Help:        "Always 1; the role label names the roles this process runs (up, edge, handlers).",
		ConstLabels: prometheus.Labels{"role": role},
	})
	info.Set(1)
	s.connections = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mh3net_edge_connections",
		Help: "Open game connections held by an edge, by server (opn, lmp, fmp, rfp) and edge id.",
	}, []string{"server", "edge"})
	s.edgeRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_edge_requests_total",
		Help: "Packets an edge sent to the handlers, by server, packet name (pat's table; unknown ids are \"unknown\") and outcome: ok (answered), error (the handler reported an error), unavailable (no handler answered), timeout (every attempt timed out). Notifications count as ok once published.",
	}, []string{"server", "packet", "outcome"})
	s.edgeDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mh3net_edge_request_duration_seconds",
		Help:    "Round trip of one request from the edge to the handlers and back, retries included, by server.",
		Buckets: latencyBuckets,
	}, []string{"server"})
	s.edgeRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_edge_request_retries_total",
		Help: "Requests an edge sent again (same request id) after an attempt got no answer, by server.",
	}, []string{"server"})
	s.unknownFrames = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_edge_unknown_frames_total",
		Help: "Frames with an id not in the packet table, read past and dropped by an edge, by server.",
	}, []string{"server"})
	s.fanout = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mh3net_edge_room_fanout",
		Help:    "Connections of this edge one room message (a broadcast or a relay) was delivered to, by server.",
		Buckets: fanoutBuckets,
	}, []string{"server"})
	s.handlerReqs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_handler_requests_total",
		Help: "Packets the handlers worked on (requests and notifications), by server, packet name and outcome: ok, error (a bad packet or a failed handler), unavailable (a dependency was down), timeout (the edge's deadline passed), ignored (not served on that server).",
	}, []string{"server", "packet", "outcome"})
	s.handlerLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mh3net_handler_duration_seconds",
		Help:    "Time a handler process spent on one packet (claim, handler runs, appends, pushes, keep), by server and packet name.",
		Buckets: latencyBuckets,
	}, []string{"server", "packet"})
	s.logins = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mh3net_logins_total",
		Help: "Completed logins: a hunter's arrival on an FMP server (its presence claimed) whose session began with a first LMP connection. Server changes are not logins.",
	})
	s.loginDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mh3net_login_duration_seconds",
		Help:    "Time from a game's first LMP connection (its session's start, right after OPN) to its arrival on FMP, for completed logins.",
		Buckets: loginBuckets,
	})
	s.appendDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mh3net_store_append_duration_seconds",
		Help:    "Latency of one append to the event log, conflicts and errors included, by backend (jetstream, postgres).",
		Buckets: latencyBuckets,
	}, []string{"backend"})
	s.appendConflict = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_store_append_conflicts_total",
		Help: "Appends refused because the stream had moved (optimistic concurrency: the handler decides again), by backend.",
	}, []string{"backend"})
	s.appendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mh3net_store_append_errors_total",
		Help: "Appends that failed for another reason than a conflict (the store unavailable), by backend.",
	}, []string{"backend"})
	// Each role's metrics are registered when the role asks for its
	// handles: an edge process exports no handler metrics.
	s.reg.MustRegister(info)
	return s
}

// register registers a role's collectors once.
func (s *Set) register(once *sync.Once, cs ...prometheus.Collector) {
	once.Do(func() { s.reg.MustRegister(cs...) })
}

// Registry is the set's registry (tests, extra collectors).
func (s *Set) Registry() *prometheus.Registry {
	if s == nil {
		return nil
	}
	return s.reg
}

// Handler serves the registry in the Prometheus text format (nil: no
// handler).
func (s *Set) Handler() http.Handler {
	if s == nil {
		return nil
	}
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg, MaxRequestsInFlight: 4})
}

// WatchNATS exports the connection's reconnect count
// (mh3net_nats_reconnects_total), read from its statistics at scrape
// time: no handler is set on the connection, so none is replaced.
func (s *Set) WatchNATS(nc *nats.Conn) {
	if s == nil || nc == nil {
		return
	}
	// Once per set: a second connection's is not registered.
	_ = s.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "mh3net_nats_reconnects_total",
		Help: "Times this process's NATS connection reconnected.",
	}, func() float64 { return float64(nc.Stats().Reconnects) }))
}

// Lag reports how far a read model is behind the event log.
type Lag struct {
	// View names the read model (label view).
	View string
	// Head is the log's newest position; Applied the view's last applied one.
	Head    func(context.Context) (uint64, error)
	Applied func() uint64
	// Shift converts positions to the unit counted: 16 on the JetStream
	// log (a position is seq<<16 | index, so lag counts appends), 0 on
	// Postgres (dense positions: lag counts events).
	Shift uint
}

// WatchProjections exports mh3net_projection_lag{view}: the log's head
// minus each view's applied position at scrape time (one head read per
// scrape, bounded by a second; a failed read exports nothing).
func (s *Set) WatchProjections(head func(context.Context) (uint64, error), shift uint, views map[string]func() uint64) {
	if s == nil {
		return
	}
	// Once per set: a second handler role's is not registered.
	_ = s.reg.Register(&lagCollector{head: head, shift: shift, views: views, desc: prometheus.NewDesc(
		"mh3net_projection_lag",
		"How far a read model of this handler process is behind the event log's head at scrape time: appends on the JetStream log, events on Postgres (there through the relay and the feed, so the relay's lag is included).",
		[]string{"view"}, nil)})
}

type lagCollector struct {
	head  func(context.Context) (uint64, error)
	shift uint
	views map[string]func() uint64
	desc  *prometheus.Desc
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// The views first: a head read after them is never below what they
	// applied, so the lag is never negative by a race.
	applied := make(map[string]uint64, len(c.views))
	for v, f := range c.views {
		applied[v] = f()
	}
	head, err := c.head(ctx)
	if err != nil {
		return
	}
	for v, a := range applied {
		lag := 0.0
		if h, a := head>>c.shift, a>>c.shift; h > a {
			lag = float64(h - a)
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, lag, v)
	}
}

// packetStats are one packet's pre-resolved children on one server.
type packetStats struct {
	outcomes [nOutcomes]prometheus.Counter
	latency  prometheus.Observer // nil where not measured per packet
}

// packetTable resolves a packet id to its children once: readers load an
// immutable map; a miss copies it with the new entry under a lock. Ids
// outside the packet table share one "unknown" entry, so label
// cardinality stays bounded by the table.
type packetTable struct {
	m       atomic.Pointer[map[pat.ID]*packetStats]
	mu      sync.Mutex
	make    func(name string) *packetStats
	unknown *packetStats
}

func newPacketTable(mk func(name string) *packetStats) *packetTable {
	t := &packetTable{make: mk}
	m := map[pat.ID]*packetStats{}
	t.m.Store(&m)
	return t
}

func (t *packetTable) get(id pat.ID) *packetStats {
	if p, ok := (*t.m.Load())[id]; ok {
		return p
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.m.Load()
	if p, ok := old[id]; ok {
		return p
	}
	name := id.Name()
	if name == "" {
		if t.unknown == nil {
			t.unknown = t.make("unknown")
		}
		return t.unknown
	}
	p := t.make(name)
	m := make(map[pat.ID]*packetStats, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[id] = p
	t.m.Store(&m)
	return p
}

// Edge is one edge listener's metrics.
type Edge struct {
	conns    prometheus.Gauge
	duration prometheus.Observer
	retries  prometheus.Counter
	unknown  prometheus.Counter
	fanout   prometheus.Observer
	packets  *packetTable
}

// Edge gives the handles of one listener (server opn, lmp, fmp or rfp)
// of edge process edgeID.
func (s *Set) Edge(server, edgeID string) *Edge {
	if s == nil {
		return nil
	}
	s.register(&s.edgeOnce, s.connections, s.edgeRequests, s.edgeDuration, s.edgeRetries, s.unknownFrames, s.fanout)
	return &Edge{
		conns:    s.connections.WithLabelValues(server, edgeID),
		duration: s.edgeDuration.WithLabelValues(server),
		retries:  s.edgeRetries.WithLabelValues(server),
		unknown:  s.unknownFrames.WithLabelValues(server),
		fanout:   s.fanout.WithLabelValues(server),
		packets: newPacketTable(func(name string) *packetStats {
			p := &packetStats{}
			for o := range nOutcomes {
				if o != Ignored {
					p.outcomes[o] = s.edgeRequests.WithLabelValues(server, name, outcomeNames[o])
				}
			}
			return p
		}),
	}
}

// ConnOpened and ConnClosed move the connections gauge.
func (e *Edge) ConnOpened() {
	if e != nil {
		e.conns.Inc()
	}
}

func (e *Edge) ConnClosed() {
	if e != nil {
		e.conns.Dec()
	}
}

// Request counts a request's outcome and observes its round trip.
func (e *Edge) Request(id pat.ID, o Outcome, d time.Duration) {
	if e == nil {
		return
	}
	if c := e.packets.get(id).outcomes[o]; c != nil {
		c.Inc()
	}
	e.duration.Observe(d.Seconds())
}

// Notification counts a notification handed to the handlers (no round
// trip: the game expects no answer).
func (e *Edge) Notification(id pat.ID, o Outcome) {
	if e == nil {
		return
	}
	if c := e.packets.get(id).outcomes[o]; c != nil {
		c.Inc()
	}
}

// Retry counts a request sent again.
func (e *Edge) Retry() {
	if e != nil {
		e.retries.Inc()
	}
}

// UnknownFrame counts a dropped frame with an unknown id.
func (e *Edge) UnknownFrame() {
	if e != nil {
		e.unknown.Inc()
	}
}

// Fanout observes how many connections a room message reached.
func (e *Edge) Fanout(n int) {
	if e != nil {
		e.fanout.Observe(float64(n))
	}
}

// Handlers is a handler process's metrics.
type Handlers struct {
	servers       [4]*packetTable // opn, lmp, fmp, rfp
	other         *packetTable
	logins        prometheus.Counter
	loginDuration prometheus.Observer
}

// Handlers gives the handler role's handles (one per set).
func (s *Set) Handlers() *Handlers {
	if s == nil {
		return nil
	}
	s.register(&s.handlersOnce, s.handlerReqs, s.handlerLatency, s.logins, s.loginDuration)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handlers != nil {
		return s.handlers
	}
	table := func(server string) *packetTable {
		return newPacketTable(func(name string) *packetStats {
			p := &packetStats{latency: s.handlerLatency.WithLabelValues(server, name)}
			for o := range nOutcomes {
				p.outcomes[o] = s.handlerReqs.WithLabelValues(server, name, outcomeNames[o])
			}
			return p
		})
	}
	h := &Handlers{other: table("other"), logins: s.logins, loginDuration: s.loginDuration}
	for i, server := range []string{"opn", "lmp", "fmp", "rfp"} {
		h.servers[i] = table(server)
	}
	s.handlers = h
	return h
}

func (h *Handlers) table(server string) *packetTable {
	switch server {
	case "opn":
		return h.servers[0]
	case "lmp":
		return h.servers[1]
	case "fmp":
		return h.servers[2]
	case "rfp":
		return h.servers[3]
	}
	return h.other
}

// Request counts a packet's outcome and observes the time spent on it.
func (h *Handlers) Request(server string, id pat.ID, o Outcome, d time.Duration) {
	if h == nil {
		return
	}
	p := h.table(server).get(id)
	p.outcomes[o].Inc()
	p.latency.Observe(d.Seconds())
}

// Login counts a completed login that took d (d <= 0: not timed).
func (h *Handlers) Login(d time.Duration) {
	if h == nil {
		return
	}
	h.logins.Inc()
	if d > 0 {
		h.loginDuration.Observe(d.Seconds())
	}
}
