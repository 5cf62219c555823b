package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
)

// A move whose first attempt was applied but never answered (its handler
// died after the appends, or its deadline passed before the answer was
// kept) is retried by the edge with the same request id, and the retry
// finds no kept answer. Deciding again on the moved hunter used to move
// it again (LayerUp twice) or refuse the move it had made (LayerDown from
// inside the gate into city 1: "no longer exists"), so the game and the
// world disagreed on where the hunter stands. The retry now answers as
// the first attempt did, moves nothing, and tells the layers again.
func TestRetriedMoveWithoutKeptAnswer(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const conn, id = "conn-moves", "MOVE01"
	r.setSession(conn, Session{CapcomID: id, HunterName: []byte("Mover"), FmpServer: 1})
	answer := func(req string, m pat.Message) (pat.Packet, string) {
		t.Helper()
		frame, err := pat.AppendMessage(nil, 1, m)
		if err != nil {
			t.Fatal(err)
		}
		reply := r.sendFrame("fmp", conn, req, frame)
		ps, err := pat.SplitFrames(reply.Data)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s: %d frames, %v (error header %q)", req, len(ps), err, reply.Header.Get(bus.HeaderError))
		}
		return ps[0], reply.Header.Get(bus.HeaderLayer)
	}
	if p, _ := answer("start", &pat.ReqLayerStart{}); p.ID != pat.IDAnsLayerStart {
		t.Fatalf("LayerStart answered %s", p.ID)
	}
	located := func() int {
		envs, err := r.st.Load(ctx, events.HunterStream(id), 1)
		if err != nil {
			t.Fatal(err)
		}
		return len(envs)
	}
	// What the gate's hunters are told.
	gate, err := r.nc.SubscribeSync(bus.RoomSubject("s1.g1"))
	if err != nil {
		t.Fatal(err)
	}
	told := func() []pat.ID {
		var ids []pat.ID
		for {
			m, err := gate.NextMsg(200 * time.Millisecond)
			if err != nil {
				return ids
			}
			ps, _ := pat.SplitFrames(m.Data)
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
		}
	}
	for _, mv := range []struct {
		req  string
		m    pat.Message
		ans  pat.ID
		room string
		tell pat.ID
	}{
		{"down", &pat.ReqLayerDown{Number: 1}, pat.IDAnsLayerDown, "s1.g1", pat.IDNtcLayerIn},
		{"up", &pat.ReqLayerUp{}, pat.IDAnsLayerUp, "s1", pat.IDNtcLayerOut},
	} {
		if p, room := answer(mv.req, mv.m); p.ID != mv.ans || room != mv.room {
			t.Fatalf("%s: %s into %q", mv.req, p.ID, room)
		}
		if ids := told(); len(ids) != 1 || ids[0] != mv.tell {
			t.Fatalf("%s: the gate was told %v", mv.req, ids)
		}
		n := located()
		// The answer never got kept.
		if err := r.s.kv.replies.Purge(ctx, kvKey(mv.req)); err != nil {
			t.Fatal(err)
		}
		if p, room := answer(mv.req, mv.m); p.ID != mv.ans || room != mv.room {
			var a pat.AnsAlert
			pat.Unmarshal(p.Payload, &a)
			t.Fatalf("%s retried: %s %q into %q, want %s into %q", mv.req, p.ID, a.Message, room, mv.ans, mv.room)
		}
		if located() != n {
			t.Fatalf("%s retried: the hunter moved again", mv.req)
		}
		// The first attempt may have died before telling anyone.
		if ids := told(); len(ids) != 1 || ids[0] != mv.tell {
			t.Fatalf("%s retried: the gate was told %v, want %s again", mv.req, ids, mv.tell)
		}
	}
}

// LayerEnd takes a hunter out of its server as MH3SP's leave_server
// does: the server list stops counting it there while it browses the
// list, LayerStart counts it again, and FmpInfo2 counts it on the server
// it moves to.
func TestLayerEndLeavesTheServersCount(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Lease = time.Hour })
	r.otherProcessWith(func(c *Config) { c.Lease = time.Hour }) // packets go to either of two handler processes
	h := fmpHunter{name: "Hotel", lmp: "lH", conn: "fH"}
	r.loginForFMP(t, &h)
	count := func(what string, server, want int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%s: %d on server %d", what, want, server), func() bool { return r.s.population(time.Now())[server] == want })
	}
	want := func(ps []pat.Packet, id pat.ID) {
		t.Helper()
		if len(ps) == 0 || ps[0].ID != id {
			t.Fatalf("%v, want %s", ps, id)
		}
	}
	want(r.send("fmp", h.conn, "fH.1", 1, &pat.AnsConnection{Data: connectionData(h.ticket)}), pat.IDNtcLogin)
	want(r.send("fmp", h.conn, "fH.2", 2, &pat.ReqLayerStart{}), pat.IDAnsLayerStart)
	count("in the world", 1, 1)
	want(r.send("fmp", h.conn, "fH.3", 3, &pat.ReqLayerEnd{}), pat.IDAnsLayerEnd)
	count("after LayerEnd", 1, 0)
	want(r.send("fmp", h.conn, "fH.4", 4, &pat.ReqLayerStart{}), pat.IDAnsLayerStart)
	count("after LayerStart again", 1, 1)
	want(r.send("fmp", h.conn, "fH.5", 5, &pat.ReqLayerEnd{}), pat.IDAnsLayerEnd)
	count("after the second LayerEnd", 1, 0)
	want(r.send("fmp", h.conn, "fH.6", 6, &pat.ReqFmpInfo2{Index: 2, Fields: []byte{pat.FmpAddress, pat.FmpPort}}), pat.IDAnsFmpInfo2)
	count("moving to server 2", 2, 1)
	count("moving to server 2", 1, 0)
}

// A hunter holds one city reservation at a time: a LayerCreateHead for
// another city ends the one it held, so one client cannot block a gate's
// cities by reserving them one after the other. A refused Head keeps the
// reservation it had.
func TestOneReservationPerHunter(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Lease = time.Hour })
	r.otherProcessWith(func(c *Config) { c.Lease = time.Hour }) // packets go to either of two handler processes
	a := fmpHunter{name: "Kilo", lmp: "lK", conn: "fK"}
	b := fmpHunter{name: "Lima", lmp: "lL", conn: "fL"}
	seq := uint16(0)
	send := func(h fmpHunter, m pat.Message) pat.ID {
		t.Helper()
		seq++
		ps := r.send("fmp", h.conn, fmt.Sprintf("%s.%d", h.conn, seq), seq, m)
		if len(ps) == 0 {
			t.Fatalf("%s: no answer", m.PacketID())
		}
		return ps[0].ID
	}
	for _, h := range []*fmpHunter{&a, &b} {
		r.loginForFMP(t, h)
		send(*h, &pat.AnsConnection{Data: connectionData(h.ticket)})
		send(*h, &pat.ReqLayerStart{})
		send(*h, &pat.ReqLayerDown{Number: 1})
	}
	for n := uint16(1); n <= 5; n++ {
		if id := send(a, &pat.ReqLayerCreateHead{Number: n}); id != pat.IDAnsLayerCreateHead {
			t.Fatalf("A reserves city %d: %s", n, id)
		}
	}
	// A holds city 5 alone: B gets 1 to 4 in turn, and not 5.
	for n := uint16(1); n <= 4; n++ {
		if id := send(b, &pat.ReqLayerCreateHead{Number: n}); id != pat.IDAnsLayerCreateHead {
			t.Fatalf("B reserves city %d, left by A: %s", n, id)
		}
	}
	if id := send(b, &pat.ReqLayerCreateHead{Number: 5}); id != pat.IDAnsLayerCreateHead.Alert() {
		t.Fatalf("B reserves city 5, held by A: %s", id)
	}
	// B's refused Head kept its reservation of city 4.
	if id := send(a, &pat.ReqLayerCreateHead{Number: 4}); id != pat.IDAnsLayerCreateHead.Alert() {
		t.Fatalf("A reserves city 4, held by B: %s", id)
	}
	// And A's refused Head kept city 5: B still cannot have it.
	if id := send(b, &pat.ReqLayerCreateHead{Number: 5}); id != pat.IDAnsLayerCreateHead.Alert() {
		t.Fatalf("B reserves city 5 after A's refused Head: %s", id)
	}
}
