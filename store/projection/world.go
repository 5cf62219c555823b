package projection

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/world"
)

// World is the read model of the hunting world: where every hunter stands
// and the state of every city, folded from the hunter and city streams.
// Lists, counts and searches read it; decisions start from its copy of an
// aggregate and load only the events it has not applied yet.
type World struct {
	st  store.Store
	w   *world.World
	log *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	err      error
	applied  uint64            // position of the last event seen
	versions map[string]uint64 // stream → last applied version
	hunters  map[string]*world.Hunter
	cities   map[world.Path]*world.City
	// at indexes hunters by where they stand (server level, gate level,
	// city), with the position of the event that put them there: lists
	// show hunters in the order they came, as MH3SP does.
	at map[world.Path]map[string]uint64
	// admin is the operators' settings (events.OpsStream).
	admin Admin
}

// WorldKinds are the kinds of stream the world read model follows
// (store.KindFilter): hunters, cities, and the operators' settings.
var WorldKinds = []string{"hunter", "city", "ops"}

// NewWorld makes an empty world read model over st.
func NewWorld(st store.Store, w *world.World, log *slog.Logger) *World {
	if log == nil {
		log = slog.Default()
	}
	v := &World{st: st, w: w, log: log, versions: map[string]uint64{}, hunters: map[string]*world.Hunter{},
		cities: map[world.Path]*world.City{}, at: map[world.Path]map[string]uint64{}}
	v.cond = sync.NewCond(&v.mu)
	return v
}

// Start follows the log from the beginning until ctx ends, resuming from
// where it stopped after an error.
func (v *World) Start(ctx context.Context) {
	go func() {
		var applied uint64
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			err := store.SubscribeKinds(ctx, v.st, applied+1, WorldKinds, func(e events.Envelope) error {
				v.apply(e)
				applied = e.Position
				v.mu.Lock()
				v.applied = e.Position
				v.cond.Broadcast()
				v.mu.Unlock()
				return nil
			})
			if ctx.Err() != nil {
				break
			}
			v.log.Warn("world projection interrupted, resuming", "from", applied+1, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
		v.mu.Lock()
		v.err = fmt.Errorf("world projection stopped: %w", context.Cause(ctx))
		v.cond.Broadcast()
		v.mu.Unlock()
	}()
}

// CityPath parses a city stream name.
func CityPath(stream string) (world.Path, bool) {
	rest, ok := strings.CutPrefix(stream, "city.")
	if !ok {
		return world.Path{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return world.Path{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x <= 0 {
			return world.Path{}, false
		}
		n[i] = x
	}
	return world.Path{Server: n[0], Gate: n[1], City: n[2]}, true
}

func (v *World) apply(e events.Envelope) {
	hunter, isHunter := strings.CutPrefix(e.Stream, "hunter.")
	path, isCity := CityPath(e.Stream)
	isOps := e.Stream == events.OpsStream
	if !isHunter && !isCity && !isOps {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e.Version <= v.versions[e.Stream] {
		return // applied already
	}
	ev, err := events.Decode(e)
	if err != nil {
		v.log.Error("world projection cannot read an event", "err", err)
		return
	}
	switch {
	case isHunter:
		h, ok := v.hunters[hunter]
		if !ok {
			h = &world.Hunter{}
			v.hunters[hunter] = h
		}
		before := h.At
		h.Apply(e.Version, ev)
		if h.At != before {
			v.unindex(before, hunter)
			v.index(h.At, hunter, e.Position)
		}
	case isCity:
		c, ok := v.cities[path]
		if !ok {
			nc := world.NewCity(v.w.CityCapacity)
			c = &nc
			v.cities[path] = c
		}
		c.Apply(e.Version, ev)
	case isOps:
		v.admin.Apply(e.Version, e.Time, ev)
	}
	v.versions[e.Stream] = e.Version
	v.cond.Broadcast()
}

func (v *World) index(p world.Path, id string, since uint64) {
	if p.IsZero() {
		return
	}
	if v.at[p] == nil {
		v.at[p] = map[string]uint64{}
	}
	v.at[p][id] = since
}

func (v *World) unindex(p world.Path, id string) {
	if m := v.at[p]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(v.at, p)
		}
	}
}

// Position is the position of the last event applied (metrics).
func (v *World) Position() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.applied
}

// Sync waits until everything in the log now is applied (at start, before
// the view is trusted for a sweep).
func (v *World) Sync(ctx context.Context) error {
	pos, err := store.LastPositionOfKinds(ctx, v.st, WorldKinds)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		v.mu.Lock()
		v.cond.Broadcast()
		v.mu.Unlock()
	})
	defer stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.applied < pos {
		if v.err != nil {
			return v.err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("world view at %d of %d: %w", v.applied, pos, err)
		}
		v.cond.Wait()
	}
	return nil
}

// WaitStream blocks until the view has applied stream up to version (so a
// hunter reads its own writes).
func (v *World) WaitStream(ctx context.Context, stream string, version uint64) error {
	stop := context.AfterFunc(ctx, func() {
		v.mu.Lock()
		v.cond.Broadcast()
		v.mu.Unlock()
	})
	defer stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.versions[stream] < version {
		if v.err != nil {
			return v.err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for %s version %d (at %d): %w", stream, version, v.versions[stream], err)
		}
		v.cond.Wait()
	}
	return nil
}

// City returns a copy of a city's state (an empty city when it has none).
func (v *World) City(p world.Path) world.City {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.cities[p]; ok {
		return c.Clone()
	}
	return world.NewCity(v.w.CityCapacity)
}

// Hunter returns a copy of where a hunter stands.
func (v *World) Hunter(capcomID string) world.Hunter {
	v.mu.Lock()
	defer v.mu.Unlock()
	if h, ok := v.hunters[capcomID]; ok {
		return *h
	}
	return world.Hunter{}
}

// HunterAt is one hunter standing somewhere, for lists.
type HunterAt struct {
	CapcomID string
	world.Hunter
	since uint64 // position of its arrival there
}

// sortArrival orders hunters by when they arrived where they stand.
func sortArrival(hs []HunterAt) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].since != hs[j].since {
			return hs[i].since < hs[j].since
		}
		return hs[i].CapcomID < hs[j].CapcomID
	})
}

// At lists the hunters standing exactly at p (a server's own level, a
// gate's own level, or a city), by Capcom ID.
func (v *World) At(p world.Path) []HunterAt {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]HunterAt, 0, len(v.at[p]))
	for id, since := range v.at[p] {
		out = append(out, HunterAt{CapcomID: id, Hunter: *v.hunters[id], since: since})
	}
	sortArrival(out)
	return out
}

// Within lists the hunters at p and below it (a gate and its cities).
func (v *World) Within(p world.Path) []HunterAt {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []HunterAt
	for at, ids := range v.at {
		if !under(at, p) {
			continue
		}
		for id, since := range ids {
			out = append(out, HunterAt{CapcomID: id, Hunter: *v.hunters[id], since: since})
		}
	}
	sortArrival(out)
	return out
}

// under reports whether at is p or below it.
func under(at, p world.Path) bool {
	switch p.Depth() {
	case 1:
		return at.Server == p.Server
	case 2:
		return at.Server == p.Server && at.Gate == p.Gate
	case 3:
		return at == p
	}
	return false
}

// Population counts the hunters at p and below it (MH3SP's hierarchical
// population: a server counts its gates, a gate its cities).
func (v *World) Population(p world.Path) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for at, ids := range v.at {
		if under(at, p) {
			n += len(ids)
		}
	}
	return n
}

// Populations counts hunters on every server (by 1-based index).
func (v *World) Populations() map[int]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[int]int{}
	for at, ids := range v.at {
		out[at.Server] += len(ids)
	}
	return out
}

// Cities returns the cities of a gate that hold any state (members, a
// reservation), by city number.
func (v *World) Cities(server, gate int) map[int]world.City {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[int]world.City{}
	for p, c := range v.cities {
		if p.Server == server && p.Gate == gate {
			out[p.City] = c.Clone()
		}
	}
	return out
}

// AllCities calls fn for every city holding state (detail search).
func (v *World) AllCities(fn func(world.Path, world.City)) {
	v.mu.Lock()
	cs := make(map[world.Path]world.City, len(v.cities))
	for p, c := range v.cities {
		if c.Population() > 0 || c.Reserver != "" {
			cs[p] = c.Clone()
		}
	}
	v.mu.Unlock()
	for p, c := range cs {
		fn(p, c)
	}
}

// OnEdge lists the hunters whose connection is on edge (for the sweep).
func (v *World) OnEdge(edge string) []HunterAt {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []HunterAt
	for id, h := range v.hunters {
		if !h.At.IsZero() && h.Edge == edge {
			out = append(out, HunterAt{CapcomID: id, Hunter: *h})
		}
	}
	return out
}

// Edges lists the edges any hunter in the world is connected through.
func (v *World) Edges() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	set := map[string]bool{}
	for _, h := range v.hunters {
		if !h.At.IsZero() {
			set[h.Edge] = true
		}
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Applied is the position of the last event the view has applied (the
// status page's projection lag is the log's last position minus this).
func (v *World) Applied() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.applied
}
