package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nats.go/micro"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// local sends one packet of connection conn as a one-box edge does: to
// this process's handlers, without the bus. ok=false means the edge would
// have to send it over the bus.
func (r *rig) local(server, conn, req string, seq uint16, m pat.Message) ([]pat.Packet, bool) {
	r.t.Helper()
	return r.localOn(r.s, server, conn, req, seq, m)
}

// mustLocalOn is localOn for a packet the instance must take.
func (r *rig) mustLocalOn(s *Service, server, conn, req string, seq uint16, m pat.Message) []pat.Packet {
	r.t.Helper()
	ps, ok := r.localOn(s, server, conn, req, seq, m)
	if !ok {
		r.t.Fatalf("%s %s: not served", conn, req)
	}
	return ps
}

// localOn is local with the handler instance s (one of several processes).
func (r *rig) localOn(s *Service, server, conn, req string, seq uint16, m pat.Message) ([]pat.Packet, bool) {
	r.t.Helper()
	frame, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		r.t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(bus.HeaderConn, conn)
	h.Set(bus.HeaderReq, req)
	r.smu.Lock()
	if v := r.sessions[conn]; v != "" {
		h.Set(bus.HeaderSession, v)
	}
	r.smu.Unlock()
	data, hdr, ok := s.Local(server, h, frame)
	if !ok {
		return nil, false
	}
	if v, ok := hdr[bus.HeaderSession]; ok && len(v) > 0 {
		r.smu.Lock()
		r.sessions[conn] = v[0]
		r.smu.Unlock()
	}
	ps, err := pat.SplitFrames(data)
	if err != nil {
		r.t.Fatal(err)
	}
	return ps, true
}

func TestLocalAnswersAsTheBusDoes(t *testing.T) {
	r := newRig(t)
	viaBus := r.send("opn", "b1", "b1.1", 7, &pat.ReqTermsVersion{})
	inProc, ok := r.local("opn", "l1", "l1.1", 7, &pat.ReqTermsVersion{})
	if !ok || len(inProc) != 1 || len(viaBus) != 1 || inProc[0].ID != viaBus[0].ID || inProc[0].Seq != 7 || !bytes.Equal(inProc[0].Payload, viaBus[0].Payload) {
		t.Fatalf("in process %v, over the bus %v", inProc, viaBus)
	}

	// A state-changing packet served in process, then retried over the
	// bus with the same request id (as after an attempt that failed once
	// its events were in): nothing was kept in the reply cache, the retry
	// recomputes the same answer from the request id, and nothing is
	// appended twice.
	if _, ok := r.local("lmp", "c1", "c1.1", 1, &pat.AnsConnection{}); !ok {
		t.Fatal("AnsConnection not served in process")
	}
	if _, ok := r.local("lmp", "c1", "c1.2", 2, &pat.ReqLoginInfo{}); !ok {
		t.Fatal("ReqLoginInfo not served in process")
	}
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Qurupeco"))
	first, ok := r.local("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	if !ok {
		t.Fatal("ReqUserObject not served in process")
	}
	again := r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	if len(first) != 1 || len(again) != 1 || !bytes.Equal(first[0].Payload, again[0].Payload) {
		t.Fatalf("retry over the bus answered differently: %v vs %v", first, again)
	}
	if _, err := r.s.kv.replies.Get(context.Background(), kvKey("c1.1")); err == nil {
		t.Fatal("an answer served in process was kept in the reply cache")
	}
	con, err := r.s.console(&Call{ctx: context.Background(), s: r.s}, r.session("c1").SupportCode)
	if err != nil {
		t.Fatal(err)
	}
	if con.Version != 2 || con.Slots[0].CapcomID == "" || con.Slots[1].CapcomID != "" {
		t.Fatalf("console after a profile created in process and retried over the bus: %+v", con)
	}

	// The process's micro stats count what it served in process, beside
	// what came over the bus. micro counts a request after its handler
	// has answered, so the last one may not be counted yet.
	want := map[string][2]uint64{"opn": {1, 1}, "lmp": {1, 3}}
	var counts map[string][2]uint64
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts = r.localStats()
		if counts["opn"] == want["opn"] && counts["lmp"] == want["lmp"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests (bus, in process) by server: %v, want %v", counts, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// localStats reads the process's micro stats: requests over the bus and
// in process, by endpoint.
func (r *rig) localStats() map[string][2]uint64 {
	r.t.Helper()
	subj, err := micro.ControlSubject(micro.StatsVerb, ServiceName, r.s.svc.Info().ID)
	if err != nil {
		r.t.Fatal(err)
	}
	m, err := r.nc.Request(subj, nil, 5*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	var st micro.Stats
	if err := json.Unmarshal(m.Data, &st); err != nil {
		r.t.Fatal(err)
	}
	counts := map[string][2]uint64{}
	for _, e := range st.Endpoints {
		var l LocalStats
		if len(e.Data) > 0 {
			if err := json.Unmarshal(e.Data, &l); err != nil {
				r.t.Fatalf("%s: %v", e.Name, err)
			}
		}
		counts[e.Name] = [2]uint64{uint64(e.NumRequests), l.Requests}
	}
	return counts
}

func TestLocalDefersToTheBusWhenBusyOrStopping(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Concurrency = 1 })
	r.s.sem <- struct{}{} // the one slot is taken
	if _, ok := r.local("opn", "l1", "l1.1", 1, &pat.ReqTermsVersion{}); ok {
		t.Fatal("served in process with every slot busy")
	}
	<-r.s.sem
	if _, ok := r.local("opn", "l1", "l1.2", 2, &pat.ReqTermsVersion{}); !ok {
		t.Fatal("not served in process with a slot free")
	}
	// A packet this process has no answer for (an unknown server) goes to
	// the bus too.
	frame, _ := pat.AppendMessage(nil, 3, &pat.ReqTermsVersion{})
	if _, _, ok := r.s.Local("xyz", nats.Header{}, frame); ok {
		t.Fatal("served a packet of an unknown server")
	}
	r.s.Stop()
	if _, ok := r.local("opn", "l1", "l1.3", 4, &pat.ReqTermsVersion{}); ok {
		t.Fatal("served in process after Stop")
	}
}

// A one-box edge hands a closed connection's announcement to its own
// handlers: the presence and ticket are cleaned up as from the bus. A
// busy or stopping process declines it, and the edge publishes it.
func TestLocalClosedCleansUpOrDefers(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Concurrency = 1 })
	ctx := context.Background()
	if _, err := r.s.onlineMemo.create(ctx, "CID001", Presence{Conn: "c1", Ticket: "T1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.ticketMemo.create(ctx, "T1", ticketRecord{Holder: "c1"}); err != nil {
		t.Fatal(err)
	}
	v, err := encodeSession(Session{CapcomID: "CID001", Ticket: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	announce := func() *nats.Msg {
		m := nats.NewMsg(bus.ClosedSubject("lmp"))
		m.Header.Set(bus.HeaderConn, "c1")
		m.Header.Set(bus.HeaderSession, v)
		return m
	}
	r.s.sem <- struct{}{} // the one slot is taken
	if r.s.LocalClosed(announce()) {
		t.Fatal("took a close in process with every slot busy")
	}
	<-r.s.sem
	if r.s.LocalClosed(nats.NewMsg("mh3.other.lmp")) {
		t.Fatal("took a message that is no close announcement")
	}
	if !r.s.LocalClosed(announce()) {
		t.Fatal("did not take a close with a slot free")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, perr := r.s.kv.online.Get(ctx, "CID001")
		_, terr := r.s.kv.tickets.Get(ctx, "T1")
		if errors.Is(perr, jetstream.ErrKeyNotFound) && errors.Is(terr, jetstream.ErrKeyNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("presence (%v) or ticket (%v) of the closed connection left behind", perr, terr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.s.Stop()
	if r.s.LocalClosed(announce()) {
		t.Fatal("took a close after Stop")
	}
}
