package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/world"
)

// online puts a hunter online (its presence) as the handlers would.
func (r *rig) online(t *testing.T, id, name string, server int) {
	t.Helper()
	b, _ := json.Marshal(Presence{Conn: "c-" + id, Edge: "e1", Name: []byte(name), FmpServer: server, Since: time.Now()})
	if _, err := r.s.kv.online.Put(context.Background(), kvKey(id), b); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) append(t *testing.T, stream string, expected uint64, evs ...events.Event) {
	t.Helper()
	var envs []events.Envelope
	for _, e := range evs {
		env, err := events.Encode(events.NewID(), e)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	if _, err := r.st.Append(context.Background(), stream, expected, envs); err != nil {
		t.Fatal(err)
	}
}

// inCity puts a hunter in a city: the city's join, then its location.
func (r *rig) inCity(t *testing.T, id, name string, p world.Path, slot int, cityVersion uint64) {
	t.Helper()
	var evs []events.Event
	if slot == 1 {
		evs = append(evs, events.CityCreated{Leader: id})
	}
	evs = append(evs, events.CityJoined{CapcomID: id, Name: []byte(name), Slot: slot, Conn: "c-" + id, Edge: "e1"})
	r.append(t, "city."+pathStream(p), cityVersion, evs...)
	r.append(t, "hunter."+id, 0, events.HunterLocated{Server: p.Server, Gate: p.Gate, City: p.City, Conn: "c-" + id, Edge: "e1", Name: []byte(name)})
}

func pathStream(p world.Path) string {
	return strings.Join([]string{itoa(p.Server), itoa(p.Gate), itoa(p.City)}, ".")
}

func itoa(n int) string { return strconv.Itoa(n) }

// waitStatus polls the snapshot until ok accepts it.
func waitStatus(t *testing.T, r *rig, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := r.s.status(context.Background())
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(st, "", " ")
			t.Fatalf("snapshot never as expected:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStatusShowsHuntersInTheirCity(t *testing.T) {
	r := newRig(t)
	city := world.Path{Server: 1, Gate: 2, City: 3}
	r.online(t, "AAAA1111", "Aria", 1)
	r.online(t, "BBBB2222", "<b>Bo</b>", 1)
	r.online(t, "CCCC3333", "Cid", 1)
	r.online(t, "DDDD4444", "Dee", 0) // logged in, not on a server yet
	r.inCity(t, "AAAA1111", "Aria", city, 1, 0)
	r.inCity(t, "BBBB2222", "<b>Bo</b>", city, 2, 2)
	// A quest party of both, departed.
	r.append(t, "city."+pathStream(city), 3,
		events.CircleCreated{Index: 2, Leader: "BBBB2222", Name: []byte("<b>Bo</b>"), Conn: "c-BBBB2222", Capacity: 4, QuestID: 10101},
		events.CircleJoined{Index: 2, CapcomID: "AAAA1111", Name: []byte("Aria"), Conn: "c-AAAA1111", Slot: 2},
		events.CircleDeparted{Index: 2})
	r.append(t, "hunter.CCCC3333", 0, events.HunterLocated{Server: 1, Gate: 2, Conn: "c-CCCC3333", Edge: "e1", Name: []byte("Cid")})

	// Until the read models have applied every event appended above
	// (the log's lag at 0), the snapshot may show some of them only.
	st := waitStatus(t, r, func(st Status) bool {
		return st.Online == 4 && st.InWorld == 3 && len(st.Cities) == 1 && st.Log.Position != 0 && st.Log.Lag == 0
	})
	byID := map[string]StatusHunter{}
	for _, h := range st.Hunters {
		byID[h.CapcomID] = h
	}
	w := world.Default()
	cityName := strings.ReplaceAll(w.Pathname(city), "\t", " / ")
	for _, id := range []string{"AAAA1111", "BBBB2222"} {
		if h := byID[id]; h.Server != 1 || h.Gate != 2 || h.City != 3 || h.Place != cityName {
			t.Errorf("%s: %+v, want in %s", id, h, cityName)
		}
	}
	if h := byID["BBBB2222"]; h.Name != "<b>Bo</b>" {
		t.Errorf("name changed on the way: %q", h.Name)
	}
	if h := byID["CCCC3333"]; h.Gate != 2 || h.City != 0 {
		t.Errorf("hunter at the gate: %+v", h)
	}
	if h := byID["DDDD4444"]; h.Place != "" || h.Server != 0 {
		t.Errorf("hunter not in the world: %+v", h)
	}
	c := st.Cities[0]
	if c.Place != cityName || c.Population != 2 || len(c.Members) != 2 || c.Leader != "AAAA1111" {
		t.Errorf("city: %+v", c)
	}
	if len(c.Circles) != 1 || c.Circles[0].Index != 2 || !c.Circles[0].Departed || c.Circles[0].QuestID != 10101 ||
		len(c.Circles[0].Members) != 2 || c.Circles[0].Leader != "BBBB2222" || st.Departed != 1 {
		t.Errorf("quest parties: %+v (departed %d)", c.Circles, st.Departed)
	}
	if st.CitiesTotal != 1 {
		t.Errorf("cities total %d", st.CitiesTotal)
	}
	srv := st.Servers[0]
	if srv.Index != 1 || srv.Population != 3 || srv.Online != 3 {
		t.Errorf("server 1: %+v", srv)
	}
	if len(srv.Gates) != 1 || srv.Gates[0].Gate != 2 || srv.Gates[0].Population != 3 || srv.Gates[0].AtGate != 1 || srv.Gates[0].Cities != 1 {
		t.Errorf("gates of server 1: %+v", srv.Gates)
	}
	for _, s := range st.Servers[1:] {
		if s.Population != 0 || s.Online != 0 || len(s.Gates) != 0 {
			t.Errorf("server %d not empty: %+v", s.Index, s)
		}
	}
	if st.Log.Position == 0 || st.Log.Applied != st.Log.Position || st.Log.Lag != 0 {
		t.Errorf("log: %+v", st.Log)
	}
	if len(st.Handlers) != 1 || !st.Handlers[0].Self || st.Handlers[0].Version == "" {
		t.Errorf("handler processes: %+v", st.Handlers)
	}
}

func TestStatusBoundsTheHunterList(t *testing.T) {
	r := newRig(t)
	// Presences straight into the view: 2 000 KV puts are not the point.
	n := maxStatusHunters + 5
	r.s.presence.mu.Lock()
	for i := range n {
		r.s.presence.entries[kvKey("H"+itoa(i))] = Presence{Name: []byte("x"), FmpServer: 1}
	}
	r.s.presence.mu.Unlock()
	st := r.s.status(context.Background())
	if st.Online != n || len(st.Hunters) != maxStatusHunters || !st.HuntersCut || st.Servers[0].Online != n {
		t.Fatalf("online %d, listed %d, cut %v, server 1 online %d", st.Online, len(st.Hunters), st.HuntersCut, st.Servers[0].Online)
	}
}

func TestStatusKeepsRecentWarnings(t *testing.T) {
	r := newRig(t)
	r.s.log.Info("not kept")
	for i := range maxRecent + 3 {
		r.s.log.With("n", i).Warn("packet failed", "err", "boom")
	}
	r.s.log.Error("dependency unavailable", "err", "store down")
	st := r.s.status(context.Background())
	if len(st.Errors) != maxRecent {
		t.Fatalf("%d recent errors, want %d", len(st.Errors), maxRecent)
	}
	if e := st.Errors[0]; e.Msg != "dependency unavailable" || e.Level != slog.LevelError.String() || !strings.Contains(e.Attrs, "store down") || e.Process == "" {
		t.Errorf("newest: %+v", e)
	}
	if e := st.Errors[1]; e.Msg != "packet failed" || !strings.Contains(e.Attrs, "n=52") || !strings.Contains(e.Attrs, "role=handlers") {
		t.Errorf("second: %+v", e)
	}
}
