package handlers

import (
	"context"
	"fmt"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/world"
)

// A hunter whose connection closed for a server change stays on its
// server until the game arrives on the new connection, and it still names
// the edge that held it: a departure must not make it a hunter of edge
// "", which holds no lease and would be swept as a dead edge while the
// game reconnects.
func TestServerChangeKeepsTheHuntersEdge(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const id = "ABC123"
	stream := events.HunterStream(id)
	env, err := events.Encode("test/located", events.HunterLocated{Server: 2, Conn: "conn-1", Edge: "edge-1", Name: []byte("Dana"), Reason: "server change"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Append(ctx, stream, 0, []events.Envelope{env}); err != nil {
		t.Fatal(err)
	}
	if err := r.s.depart(ctx, id, "conn-1", "disconnected", true); err != nil {
		t.Fatal(err)
	}
	envs, err := r.st.Load(ctx, stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	var h world.Hunter
	for _, e := range envs {
		ev, err := events.Decode(e)
		if err != nil {
			t.Fatal(err)
		}
		h.Apply(e.Version, ev)
	}
	if h.At != (world.Path{Server: 2}) || h.Conn != "conn-1" || h.Edge != "edge-1" {
		t.Fatalf("after the departure of a server change the hunter is at %+v on conn %q edge %q, want server 2 on conn-1 edge-1", h.At, h.Conn, h.Edge)
	}
	if err := r.s.view.WaitStream(ctx, stream, h.Version); err != nil {
		t.Fatal(err)
	}
	for _, e := range r.s.view.Edges() {
		if e == "" {
			t.Fatal(`the world view holds a hunter of edge "", which the sweeper takes for a dead edge`)
		}
	}
}

// A departure that finds the city already letting its hunter go (another
// sweeper in another process appended the CityLeft and has not yet moved
// the hunter's stream, or a handler died between the two appends) tells
// the city of a new host only when the hunter who left was the host. Two
// sweepers of one dead edge once told a city's unchanged host that it
// "hosts now" when a guest was swept.
func TestRepeatedDepartureAnnouncesNoHostForAGuest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		leaving  string
		wantHost string // "" = no NtcLayerHost
	}{
		{"guest", "GUEST1", ""},
		{"host", "HOST01", "GUEST1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			at := world.Path{Server: 1, Gate: 2, City: 3}
			put := func(stream string, expected uint64, evs ...events.Event) {
				t.Helper()
				var envs []events.Envelope
				for i, ev := range evs {
					env, err := events.Encode(fmt.Sprintf("test/%s/%d/%d", stream, expected, i), ev)
					if err != nil {
						t.Fatal(err)
					}
					envs = append(envs, env)
				}
				if _, err := r.st.Append(ctx, stream, expected, envs); err != nil {
					t.Fatal(err)
				}
			}
			city := events.CityStream(at.Server, at.Gate, at.City)
			put(city, 0,
				events.CityCreated{Leader: "HOST01"},
				events.CityJoined{CapcomID: "HOST01", Name: []byte("Host"), Slot: 1, Conn: "conn-h", Edge: "edge-1"},
				events.CityJoined{CapcomID: "GUEST1", Name: []byte("Guest"), Slot: 2, Conn: "conn-g", Edge: "edge-2"})
			for id, conn := range map[string]string{"HOST01": "conn-h", "GUEST1": "conn-g"} {
				put(events.HunterStream(id), 0, events.HunterLocated{Server: at.Server, Gate: at.Gate, City: at.City, Conn: conn, Edge: "edge-1", Name: []byte(id)})
			}
			// The first departure's city append, made by a process that
			// has not moved the hunter yet.
			c := world.NewCity(4)
			envs, err := r.st.Load(ctx, city, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range envs {
				ev, _ := events.Decode(e)
				c.Apply(e.Version, ev)
			}
			put(city, c.Version, c.Leave(tc.leaving, "edge lease lapsed")...)

			room, err := r.nc.SubscribeSync(bus.RoomSubject(at.Room()))
			if err != nil {
				t.Fatal(err)
			}
			r.nc.Flush()
			conn := map[string]string{"HOST01": "conn-h", "GUEST1": "conn-g"}[tc.leaving]
			if err := r.s.depart(ctx, tc.leaving, conn, "edge lease lapsed", false); err != nil {
				t.Fatal(err)
			}
			var host string
			outs := 0
			for {
				m, err := room.NextMsg(300 * time.Millisecond)
				if err != nil {
					break
				}
				ps, _ := pat.SplitFrames(m.Data)
				for _, p := range ps {
					switch p.ID {
					case pat.IDNtcLayerHost:
						var n pat.NtcLayerHost
						if err := pat.Unmarshal(p.Payload, &n); err != nil {
							t.Fatal(err)
						}
						host = string(n.CapcomID)
					case pat.IDNtcLayerOut:
						outs++
					}
				}
			}
			if host != tc.wantHost {
				t.Fatalf("the city was told %q hosts now, want %q", host, tc.wantHost)
			}
			if outs != 1 {
				t.Fatalf("the city was told %d times that %s left, want once", outs, tc.leaving)
			}
		})
	}
}
