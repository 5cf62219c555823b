package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/world"
)

// The status snapshot (bus.OpsStatus): who is online and where, the
// cities and their quest parties, the edges and their leases, every
// handler process (micro's $SRV.STATS), the event log's position against
// the world view's, and the recent warnings and errors of every handler
// process. Any handler instance builds it from its own views (presences,
// edge leases, the world projection), so it is as fresh as they are.

// Bounds of the snapshot: the lists are cut, the counts stay exact.
const (
	maxStatusHunters = 2000
	maxStatusCities  = 500
	maxRecent        = 50
	// statusGather is how long replies of the handler processes are
	// collected ($SRV.STATS and opsRecent) when their number is unknown.
	statusGather = 300 * time.Millisecond
	// statusRecount is how often the full gather runs (a process that
	// joined is then waited for).
	statusRecount = 5 * time.Second
	// statusQuiet ends a full gather early: no answer came for this long
	// after the last one.
	statusQuiet = 50 * time.Millisecond
)

// opsRecent is the subject every handler process answers (no queue
// group) with its recent warnings and errors, its version and its micro
// instance id. Handlers only: the snapshot's builder asks it.
const opsRecent = "mh3.ops.recent"

// Status is the deployment as the status page shows it.
type Status struct {
	Time time.Time `json:"time"`
	// Online counts the hunters logged in with a Capcom ID (presences);
	// InWorld those standing somewhere in the world (server, gate or
	// city).
	Online  int `json:"online"`
	InWorld int `json:"in_world"`
	// Hunters lists the online hunters (at most maxStatusHunters, by
	// Capcom ID); HuntersCut says that some were left out.
	Hunters    []StatusHunter `json:"hunters"`
	HuntersCut bool           `json:"hunters_cut,omitempty"`
	Servers    []StatusServer `json:"servers"`
	// Cities lists the cities with hunters or quest parties (at most
	// maxStatusCities, fullest first); CitiesTotal counts them all.
	Cities      []StatusCity `json:"cities"`
	CitiesTotal int          `json:"cities_total"`
	// Departed counts the quest parties out on a quest, everywhere.
	Departed int             `json:"departed"`
	Edges    []StatusEdge    `json:"edges"`
	Handlers []StatusHandler `json:"handlers"`
	Log      StatusLog       `json:"log"`
	// Errors are the last warnings and errors of every handler process
	// that answered, newest first (at most maxRecent).
	Errors []StatusError `json:"errors"`
}

// StatusHunter is one online hunter.
type StatusHunter struct {
	CapcomID string `json:"capcom_id"`
	Name     string `json:"name"`
	// Server, Gate, City: where it stands in the world (0: not there);
	// Place names it ("Valor1 / City Gate3 / City7").
	Server int    `json:"server,omitempty"`
	Gate   int    `json:"gate,omitempty"`
	City   int    `json:"city,omitempty"`
	Place  string `json:"place"`
	Edge   string `json:"edge,omitempty"`
	// Transit: between servers (its connection closed for a server
	// change).
	Transit bool `json:"transit,omitempty"`
}

// StatusServer is one FMP server with its counts.
type StatusServer struct {
	Index    int    `json:"index"`
	Name     string `json:"name"`
	Type     int    `json:"type"`
	Capacity int    `json:"capacity"`
	// Population counts the hunters in the world on it (its own level,
	// its gates and their cities); Online those whose presence names it
	// (the figure the game's server list shows).
	Population int          `json:"population"`
	Online     int          `json:"online"`
	External   string       `json:"external,omitempty"` // the external FMP edge that registers it
	Gates      []StatusGate `json:"gates"`              // the gates with anyone in them
}

// StatusGate is one gate with anyone at it or in its cities.
type StatusGate struct {
	Gate       int    `json:"gate"`
	Name       string `json:"name"`
	Population int    `json:"population"` // the gate and its cities
	AtGate     int    `json:"at_gate"`    // standing at the gate itself
	Cities     int    `json:"cities"`     // cities with hunters
}

// StatusCity is one city with hunters or quest parties.
type StatusCity struct {
	Server     int            `json:"server"`
	Gate       int            `json:"gate"`
	City       int            `json:"city"`
	Place      string         `json:"place"`
	Population int            `json:"population"`
	Capacity   int            `json:"capacity"`
	Leader     string         `json:"leader,omitempty"`
	Members    []StatusMember `json:"members"`
	Circles    []StatusCircle `json:"circles,omitempty"`
}

// StatusMember is a hunter in a city or circle slot.
type StatusMember struct {
	CapcomID string `json:"capcom_id"`
	Name     string `json:"name"`
	Standby  bool   `json:"standby,omitempty"`
}

// StatusCircle is one quest party of a city.
type StatusCircle struct {
	Index    int            `json:"index"`
	Leader   string         `json:"leader"`
	QuestID  uint32         `json:"quest_id"`
	Departed bool           `json:"departed"`
	Capacity int            `json:"capacity"`
	Members  []StatusMember `json:"members"`
}

// StatusEdge is one edge's lease.
type StatusEdge struct {
	bus.EdgeLease
}

// StatusHandler is one handler process: micro's stats of its endpoints.
type StatusHandler struct {
	ID        string           `json:"id"`
	Version   string           `json:"version"`
	Started   time.Time        `json:"started"`
	Requests  int              `json:"requests"`
	Errors    int              `json:"errors"`
	Endpoints []StatusEndpoint `json:"endpoints"`
	// Self marks the process that built this snapshot.
	Self bool `json:"self,omitempty"`
}

// StatusEndpoint is one micro endpoint's counters.
type StatusEndpoint struct {
	Name      string  `json:"name"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	LastError string  `json:"last_error,omitempty"`
	AvgMillis float64 `json:"avg_ms"`
	TotalSecs float64 `json:"total_s"`
}

// StatusLog is the event log's position and the world view's.
type StatusLog struct {
	Position uint64 `json:"position"` // the newest event the view follows (hunters, cities, ops)
	Applied  uint64 `json:"applied"`  // the newest the world view applied
	Lag      uint64 `json:"lag"`      // Position - Applied
	Error    string `json:"error,omitempty"`
}

// StatusError is one recent warning or error of a handler process.
type StatusError struct {
	Time    time.Time `json:"time"`
	Process string    `json:"process"` // micro instance id
	Level   string    `json:"level"`
	Msg     string    `json:"msg"`
	Attrs   string    `json:"attrs,omitempty"`
}

// status is the snapshot the handlers serve on bus.OpsStatus.
func (s *Service) status(ctx context.Context) Status {
	now := s.cfg.Now()
	st := Status{Time: now.UTC()}
	lw := s.live()
	w := lw.World

	// Where everyone stands, from the world view.
	type located struct {
		at   world.Path
		name []byte
		edge string
	}
	where := map[string]located{}
	pops := map[int]int{}
	atGate := map[world.Path]int{}
	gatePop := map[world.Path]int{}
	for _, srv := range lw.Servers {
		for _, h := range s.view.Within(world.Path{Server: srv.Index}) {
			where[h.CapcomID] = located{at: h.At, name: h.Name, edge: h.Edge}
			pops[srv.Index]++
			if h.At.Gate > 0 {
				g := world.Path{Server: h.At.Server, Gate: h.At.Gate}
				gatePop[g]++
				if h.At.City == 0 {
					atGate[g]++
				}
			}
		}
	}
	st.InWorld = len(where)

	// Who is online, from the presences.
	online := map[int]int{}
	var hunters []StatusHunter
	s.presence.each(func(key string, p Presence) {
		if p.FmpServer != 0 && !(p.Transit && now.Sub(p.Since) > transitGrace) {
			online[p.FmpServer]++
		}
		st.Online++
		h := StatusHunter{CapcomID: key, Name: string(p.Name), Edge: p.Edge, Transit: p.Transit}
		if l, ok := where[key]; ok {
			h.Server, h.Gate, h.City = l.at.Server, l.at.Gate, l.at.City
			h.Place = strings.ReplaceAll(w.Pathname(l.at), "\t", " / ")
			if len(l.name) > 0 {
				h.Name = string(l.name)
			}
		}
		hunters = append(hunters, h)
	})
	sort.Slice(hunters, func(i, j int) bool { return hunters[i].CapcomID < hunters[j].CapcomID })
	if len(hunters) > maxStatusHunters {
		hunters, st.HuntersCut = hunters[:maxStatusHunters], true
	}
	st.Hunters = hunters

	// Cities, then servers and gates.
	citiesIn := map[world.Path]int{}
	var cities []StatusCity
	s.view.AllCities(func(p world.Path, c world.City) {
		sc, departed, ok := statusCity(w, p, c)
		st.Departed += departed
		if !ok {
			return
		}
		if sc.Population > 0 {
			citiesIn[p.Parent()]++
		}
		cities = append(cities, sc)
	})
	for _, srv := range lw.Servers {
		ss := StatusServer{Index: srv.Index, Name: srv.Name, Type: srv.Type, Capacity: w.Capacity(world.Path{Server: srv.Index}),
			Population: pops[srv.Index], Online: online[srv.Index], Gates: []StatusGate{}}
		if l, ok := lw.owner[srv.Index]; ok {
			ss.External = l.Edge
		}
		gates := w.Children(world.Path{Server: srv.Index})
		for g := 1; g <= gates; g++ {
			gp := world.Path{Server: srv.Index, Gate: g}
			if gatePop[gp] > 0 || citiesIn[gp] > 0 {
				ss.Gates = append(ss.Gates, StatusGate{Gate: g, Name: w.Name(gp), Population: gatePop[gp], AtGate: atGate[gp], Cities: citiesIn[gp]})
			}
		}
		st.Servers = append(st.Servers, ss)
	}
	sort.Slice(cities, func(i, j int) bool {
		a, b := cities[i], cities[j]
		if a.Population != b.Population {
			return a.Population > b.Population
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		if a.Gate != b.Gate {
			return a.Gate < b.Gate
		}
		return a.City < b.City
	})
	st.CitiesTotal = len(cities)
	if len(cities) > maxStatusCities {
		cities = cities[:maxStatusCities]
	}
	st.Cities = cities

	// Edges.
	leases, _ := s.edges.snapshot()
	for _, l := range leases {
		st.Edges = append(st.Edges, StatusEdge{EdgeLease: l})
	}
	sort.Slice(st.Edges, func(i, j int) bool { return st.Edges[i].Edge < st.Edges[j].Edge })

	// The log against the world view.
	src := s.cfg.ReadModels
	if src == nil {
		src = s.store
	}
	st.Log.Applied = s.view.Applied()
	lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	pos, err := store.LastPositionOfKinds(lctx, src, projection.WorldKinds)
	cancel()
	if err != nil {
		st.Log.Error = err.Error()
	}
	st.Log.Position = pos
	if pos > st.Log.Applied {
		st.Log.Lag = pos - st.Log.Applied
	}

	st.Handlers, st.Errors = s.gatherProcesses(ctx)
	if st.Hunters == nil {
		st.Hunters = []StatusHunter{}
	}
	if st.Cities == nil {
		st.Cities = []StatusCity{}
	}
	if st.Edges == nil {
		st.Edges = []StatusEdge{}
	}
	return st
}

// statusCity describes a city holding state; ok is false for one with
// neither hunters nor quest parties. departed counts its parties out on
// a quest.
func statusCity(w *world.World, p world.Path, c world.City) (sc StatusCity, departed int, ok bool) {
	sc = StatusCity{Server: p.Server, Gate: p.Gate, City: p.City, Place: strings.ReplaceAll(w.Pathname(p), "\t", " / "),
		Population: c.Population(), Capacity: len(c.Members), Leader: c.Leader, Members: []StatusMember{}}
	for _, m := range c.Members {
		if m.CapcomID != "" {
			sc.Members = append(sc.Members, StatusMember{CapcomID: m.CapcomID, Name: string(m.Name)})
		}
	}
	for i, ci := range c.Circles {
		if ci.Empty() {
			continue
		}
		if ci.Departed {
			departed++
		}
		cc := StatusCircle{Index: i + 1, Leader: ci.Leader, QuestID: ci.QuestID, Departed: ci.Departed, Capacity: len(ci.Members), Members: []StatusMember{}}
		for _, m := range ci.Members {
			if m.CapcomID != "" {
				cc.Members = append(cc.Members, StatusMember{CapcomID: m.CapcomID, Name: string(m.Name), Standby: m.Standby})
			}
		}
		sc.Circles = append(sc.Circles, cc)
	}
	return sc, departed, sc.Population > 0 || len(sc.Circles) > 0
}

// processes remembers how many handler processes answered the last full
// gather, so that later ones stop as soon as that many have.
type processes struct {
	known    atomic.Int64
	lastFull atomic.Int64 // Unix ns of the last full gather
}

// recentReply is a handler process's answer on opsRecent.
type recentReply struct {
	ID      string        `json:"id"`
	Version string        `json:"version"`
	Errors  []StatusError `json:"errors"`
}

// gatherProcesses asks every handler process for its micro stats and its
// recent errors, collecting answers on one inbox for statusGather at
// most (less once as many processes answered as the last full gather
// found).
func (s *Service) gatherProcesses(ctx context.Context) ([]StatusHandler, []StatusError) {
	handlers := []StatusHandler{}
	errs := []StatusError{}
	statsSubj, err := micro.ControlSubject(micro.StatsVerb, ServiceName, "")
	if err != nil {
		return handlers, errs
	}
	inbox := s.nc.NewRespInbox()
	ch := make(chan *nats.Msg, 256)
	sub, err := s.nc.ChanSubscribe(inbox+".*", ch)
	if err != nil {
		return handlers, errs
	}
	defer sub.Unsubscribe()
	s.nc.PublishRequest(statsSubj, inbox+".stats", nil)
	s.nc.PublishRequest(opsRecent, inbox+".recent", nil)
	s.nc.Flush()

	full := time.Since(time.Unix(0, s.procs.lastFull.Load())) > statusRecount
	known := int(s.procs.known.Load())
	self := ""
	if s.svc != nil {
		self = s.svc.Info().ID
	}
	versions := map[string]string{}
	stats := map[string]micro.Stats{}
	recent := 0
	t := time.NewTimer(statusGather)
	defer t.Stop()
	// A full gather also ends once answers stop coming for statusQuiet
	// (every process on the bus answers within a few ms of the others).
	quiet := time.NewTimer(statusGather)
	defer quiet.Stop()
gather:
	for {
		if !full && known > 0 && len(stats) >= known && recent >= known {
			break
		}
		select {
		case <-ctx.Done():
			break gather
		case <-t.C:
			break gather
		case <-quiet.C:
			break gather
		case m := <-ch:
			quiet.Reset(statusQuiet)
			switch {
			case strings.HasSuffix(m.Subject, ".stats"):
				var st micro.Stats
				if json.Unmarshal(m.Data, &st) == nil && st.ID != "" {
					stats[st.ID] = st
				}
			case strings.HasSuffix(m.Subject, ".recent"):
				var r recentReply
				if json.Unmarshal(m.Data, &r) == nil {
					recent++
					versions[r.ID] = r.Version
					errs = append(errs, r.Errors...)
				}
			}
		}
	}
	if full {
		s.procs.known.Store(int64(len(stats)))
		s.procs.lastFull.Store(time.Now().UnixNano())
	} else if len(stats) > known {
		s.procs.known.Store(int64(len(stats)))
	}
	for id, st := range stats {
		h := StatusHandler{ID: id, Version: versions[id], Started: st.Started, Self: id == self, Endpoints: []StatusEndpoint{}}
		if h.Version == "" {
			h.Version = st.Version
		}
		for _, e := range st.Endpoints {
			if strings.HasPrefix(e.Subject, "mh3.ops.") {
				continue // the operator's own polls: noise, and a change every time
			}
			var local LocalStats
			if len(e.Data) > 0 {
				_ = json.Unmarshal(e.Data, &local) // served in process, not over the bus
			}
			ep := StatusEndpoint{Name: e.Name, Requests: e.NumRequests + int(local.Requests), Errors: e.NumErrors + int(local.Errors), LastError: e.LastError,
				TotalSecs: (e.ProcessingTime + local.ProcessingTime).Seconds()}
			if ep.Requests > 0 {
				ep.AvgMillis = ep.TotalSecs * 1000 / float64(ep.Requests)
			}
			h.Requests += ep.Requests
			h.Errors += ep.Errors
			h.Endpoints = append(h.Endpoints, ep)
		}
		sort.Slice(h.Endpoints, func(i, j int) bool { return h.Endpoints[i].Name < h.Endpoints[j].Name })
		handlers = append(handlers, h)
	}
	sort.Slice(handlers, func(i, j int) bool { return handlers[i].ID < handlers[j].ID })
	sort.Slice(errs, func(i, j int) bool { return errs[i].Time.After(errs[j].Time) })
	if len(errs) > maxRecent {
		errs = errs[:maxRecent]
	}
	return handlers, errs
}

// startRecent answers opsRecent for this process until ctx ends.
func (s *Service) startRecent(ctx context.Context) error {
	sub, err := s.nc.Subscribe(opsRecent, func(m *nats.Msg) {
		r := recentReply{Version: bus.Version(), Errors: s.recent.list()}
		if s.svc != nil {
			r.ID = s.svc.Info().ID
		}
		for i := range r.Errors {
			r.Errors[i].Process = r.ID
		}
		b, _ := json.Marshal(r)
		m.Respond(b)
	})
	if err != nil {
		return fmt.Errorf("handlers: subscribe %s: %w", opsRecent, err)
	}
	context.AfterFunc(ctx, func() { sub.Unsubscribe() })
	return nil
}

// recentLog is a ring of this process's last warnings and errors.
type recentLog struct {
	mu   sync.Mutex
	ring [maxRecent]StatusError
	next int
	n    int
}

func (r *recentLog) add(e StatusError) {
	r.mu.Lock()
	r.ring[r.next] = e
	r.next = (r.next + 1) % maxRecent
	r.n = min(r.n+1, maxRecent)
	r.mu.Unlock()
}

// list is the ring, newest first.
func (r *recentLog) list() []StatusError {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]StatusError, 0, r.n)
	for i := 1; i <= r.n; i++ {
		out = append(out, r.ring[(r.next-i+maxRecent)%maxRecent])
	}
	return out
}

// maxRecentAttrs bounds one record's attributes as kept.
const maxRecentAttrs = 400

// recording is a slog.Handler that keeps every warning and error in a
// recentLog, and passes every record on to the handler it wraps.
type recording struct {
	next   slog.Handler
	recent *recentLog
	attrs  string // the attributes added with WithAttrs, formatted
	group  string
}

func newRecording(next slog.Handler, r *recentLog) *recording {
	return &recording{next: next, recent: r}
}

func (h *recording) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.next.Enabled(ctx, l)
}

func (h *recording) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(h.attrs)
		rec.Attrs(func(a slog.Attr) bool {
			writeAttr(&b, h.group, a)
			return b.Len() < maxRecentAttrs
		})
		attrs := strings.TrimSpace(b.String())
		if len(attrs) > maxRecentAttrs {
			attrs = attrs[:maxRecentAttrs] + "…"
		}
		h.recent.add(StatusError{Time: rec.Time.UTC(), Level: rec.Level.String(), Msg: rec.Message, Attrs: attrs})
	}
	if h.next.Enabled(ctx, rec.Level) {
		return h.next.Handle(ctx, rec)
	}
	return nil
}

func (h *recording) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		writeAttr(&b, h.group, a)
	}
	return &recording{next: h.next.WithAttrs(as), recent: h.recent, attrs: b.String(), group: h.group}
}

func (h *recording) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &recording{next: h.next.WithGroup(name), recent: h.recent, attrs: h.attrs, group: g}
}

func writeAttr(b *strings.Builder, group string, a slog.Attr) {
	if a.Equal(slog.Attr{}) {
		return
	}
	b.WriteByte(' ')
	if group != "" {
		b.WriteString(group + ".")
	}
	fmt.Fprintf(b, "%s=%v", a.Key, a.Value.Resolve())
}
