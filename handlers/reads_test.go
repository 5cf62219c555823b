package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
)

// readCounter counts the direct gets (every bucket and stream read the
// handlers make) on the rig's NATS server.
func (r *rig) readCounter() func() int {
	r.t.Helper()
	spy, err := nats.Connect(r.ns.ClientURL())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(spy.Close)
	sub, err := spy.SubscribeSync("$JS.API.DIRECT.GET.>")
	if err != nil {
		r.t.Fatal(err)
	}
	if err := spy.Flush(); err != nil {
		r.t.Fatal(err)
	}
	return func() int {
		r.nc.Flush()
		spy.Flush()
		n := 0
		for {
			if _, err := sub.NextMsg(50 * time.Millisecond); err != nil {
				return n
			}
			n++
		}
	}
}

// closeWith has handler instance s clean up after connection conn of
// server, closed with session sess, as an edge's announcement has it
// done; unsettled marks the close of a connection with a request left
// unanswered.
func closeWith(t *testing.T, s *Service, server, conn string, sess Session, unsettled bool) {
	t.Helper()
	v, err := encodeSession(sess)
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(bus.ClosedSubject(server))
	m.Header.Set(bus.HeaderConn, conn)
	m.Header.Set(bus.HeaderSession, v)
	if unsettled {
		m.Header.Set(bus.HeaderUnsettled, "1")
	}
	s.connClosed(context.Background(), m)
}

// A first login reads only what it cannot know: whether the support
// code it makes is free. The ticket record at each hand-over is taken
// from this process's memory of writing it (the adoption's
// compare-and-set proves it current), and the new console's user list
// and first profile, the new Capcom ID's presence, and the close of a
// connection whose session says what it wrote last read nothing. A close with a request
// left unanswered reads the buckets, and still writes nothing needless.
func TestFirstLoginReadsOnlyWhatItMust(t *testing.T) {
	r := newRig(t)
	reads := r.readCounter()
	step := func(what string, want int) {
		t.Helper()
		if got := reads(); got != want {
			t.Fatalf("%s: %d reads, want %d", what, got, want)
		}
	}
	login := func(l1, l2 string) (ticket, capcomID string) {
		t.Helper()
		r.loginInfo(l1)
		step("AnsConnection and ReqLoginInfo (is the new code free?)", 1)
		ticket = ticketOf(t, r.send("lmp", l1, l1+".3", 3, &pat.ReqTicket{}))
		step("ReqTicket", 0)
		var list pat.AnsUserListData
		if err := pat.Unmarshal(r.send("lmp", l1, l1+".4", 4, &pat.ReqUserListData{First: 1, Count: 6})[0].Payload, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Users) != 6 || string(list.Users[0].Bytes(pat.UserCapcomID)) != blankCapcomID {
			t.Fatalf("user list of a new console: %+v", list.Users)
		}
		step("ReqUserListData of a new console", 0)
		// The ticket of a first contact is made in transit (the game
		// comes back with it), so the close writes nothing.
		ticketRev := func() uint64 {
			t.Helper()
			var rec ticketRecord
			rev, _, err := getJSON(context.Background(), r.s.kv.tickets, kvKey(ticket), &rec)
			if err != nil || !rec.Transit || rec.Holder != l1 {
				t.Fatalf("ticket of a first contact: %+v, %v", rec, err)
			}
			return rev
		}
		made := ticketRev()
		reads() // the test's own
		closeWith(t, r.s, "lmp", l1, r.session(l1), false)
		step("close of the first LMP connection", 0)
		if ticketRev() != made {
			t.Fatal("the close of the first LMP connection wrote its ticket again")
		}
		reads()

		var withTicket pat.Data
		withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
		r.send("lmp", l2, l2+".1", 1, &pat.AnsConnection{Data: withTicket})
		step("the ticket's hand-over to LMP", 0)
		var user pat.Data
		user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Qurupeco"))
		var uo pat.AnsUserObject
		if err := pat.Unmarshal(r.send("lmp", l2, l2+".2", 2, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})[0].Payload, &uo); err != nil {
			t.Fatal(err)
		}
		capcomID = string(uo.User.Bytes(pat.UserCapcomID))
		step("ReqUserObject: the first profile and the presence of a new Capcom ID", 0)
		if s := r.session(l2); s.NewConsole || s.OnlineRev == 0 {
			t.Fatalf("session after the first profile: %+v", s)
		}
		r.send("lmp", l2, l2+".3", 3, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
		step("ReqFmpInfo", 0)
		return ticket, capcomID
	}

	ticket, capcomID := login("a1", "a2")
	before := r.revisions(ticket, capcomID)
	reads() // the test's own
	closeWith(t, r.s, "lmp", "a2", r.session("a2"), false)
	step("settled close after FmpInfo", 0)
	if after := r.revisions(ticket, capcomID); after != before {
		t.Fatalf("the close wrote: %v → %v", before, after)
	}
	reads()
	var withTicket pat.Data
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	if r.send("fmp", "a3", "a3.1", 1, &pat.AnsConnection{Data: withTicket}); r.session("a3").CapcomID != capcomID {
		t.Fatalf("FMP session %+v", r.session("a3"))
	}
	step("the ticket's hand-over to FMP", 0)
	closeWith(t, r.s, "fmp", "a3", r.session("a3"), false)
	step("close of an FMP connection that never entered the world", 0)
	if after := r.revisions(ticket, capcomID); after != [2]uint64{} {
		t.Fatalf("a logout left ticket and presence at %v", after)
	}
	reads()

	ticket, capcomID = login("b1", "b2")
	before = r.revisions(ticket, capcomID)
	reads()
	closeWith(t, r.s, "lmp", "b2", r.session("b2"), true)
	step("unsettled close after FmpInfo (ticket and presence read)", 2)
	if after := r.revisions(ticket, capcomID); after != before {
		t.Fatalf("the unsettled close wrote: %v → %v", before, after)
	}

	// A hunter in the world departs when its FMP connection closes.
	withTicket = pat.Data{}
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	r.send("fmp", "b3", "b3.1", 1, &pat.AnsConnection{Data: withTicket})
	if ps := r.send("fmp", "b3", "b3.2", 2, &pat.ReqLayerStart{}); ps[0].ID != pat.IDAnsLayerStart || !r.session("b3").InWorld {
		t.Fatalf("LayerStart: %v, session %+v", ps[0].ID, r.session("b3"))
	}
	reads()
	closeWith(t, r.s, "fmp", "b3", r.session("b3"), false)
	if n := reads(); n == 0 {
		t.Fatal("the close of a hunter in the world read nothing: no departure")
	}
	h, err := (&Call{ctx: context.Background(), s: r.s}).hunter(capcomID)
	if err != nil || !h.At.IsZero() {
		t.Fatalf("after the close the hunter is at %+v (%v)", h.At, err)
	}
}

// revisions are the revisions of a ticket record and a presence (0:
// none).
func (r *rig) revisions(ticket, capcomID string) [2]uint64 {
	r.t.Helper()
	var out [2]uint64
	for i, kv := range []struct {
		get func() (uint64, bool, error)
	}{
		{func() (uint64, bool, error) {
			var rec ticketRecord
			return getJSON(context.Background(), r.s.kv.tickets, kvKey(ticket), &rec)
		}},
		{func() (uint64, bool, error) {
			var p Presence
			return getJSON(context.Background(), r.s.kv.online, kvKey(capcomID), &p)
		}},
	} {
		rev, found, err := kv.get()
		if err != nil {
			r.t.Fatal(err)
		}
		if found {
			out[i] = rev
		}
	}
	return out
}

// A session that still calls its console new when it is stored (the
// request's own earlier attempt stored it, then died unanswered) picks
// the slot from what was stored: the profile made then, not another.
func TestNewConsoleStoredMeanwhileIsRead(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	code := r.loginInfo("c1")
	if s := r.session("c1"); !s.NewConsole || s.SupportCode != code {
		t.Fatalf("session after ReqLoginInfo: %+v", s)
	}
	created, err := events.Encode("earlier", events.ConsoleCreated{SupportCode: code})
	if err != nil {
		t.Fatal(err)
	}
	profile, err := events.Encode("earlier-slot", events.ProfileCreated{Slot: 1, CapcomID: "EARLY1", Name: []byte("Lagiacrus")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Append(ctx, events.ConsoleStream(code), 0, []events.Envelope{created, profile}); err != nil {
		t.Fatal(err)
	}
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1)
	var uo pat.AnsUserObject
	if err := pat.Unmarshal(r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{Slot: 1, User: user})[0].Payload, &uo); err != nil {
		t.Fatal(err)
	}
	if got := string(uo.User.Bytes(pat.UserCapcomID)); got != "EARLY1" {
		t.Fatalf("slot 1 gave Capcom ID %q, want the stored EARLY1", got)
	}
	evs, err := r.st.Load(ctx, events.ConsoleStream(code), 1)
	if err != nil || len(evs) != 2 {
		t.Fatalf("console stream: %d events, %v", len(evs), err)
	}
	if s := r.session("c1"); s.NewConsole {
		t.Fatalf("session still calls the console new: %+v", s)
	}
}

// A Capcom ID online through another handler process (this one knows
// nothing of it) is still taken over: the create that expected no
// presence fails, the presence is read, and the older connection is
// closed.
func TestClaimPastAnUnknownPresence(t *testing.T) {
	r := newRig(t)
	other := r.otherProcess()
	ctx := context.Background()
	if _, err := other.onlineMemo.create(ctx, "CID002", Presence{Conn: "old", Edge: "e1"}); err != nil {
		t.Fatal(err)
	}
	c := &Call{ctx: ctx, s: r.s, Conn: "new", Edge: "e2", log: r.s.log, Req: "new.1"}
	sess := &Session{CapcomID: "CID002"}
	if err := c.claimOnline(sess); err != nil {
		t.Fatal(err)
	}
	if len(c.pushes) != 1 || c.pushes[0].conn != "old" || !c.pushes[0].close {
		t.Fatalf("pushes %+v, want the older connection closed", c.pushes)
	}
	var p Presence
	rev, found, err := getJSON(ctx, r.s.kv.online, "CID002", &p)
	if err != nil || !found || p.Conn != "new" || rev != sess.OnlineRev {
		t.Fatalf("presence %+v rev %d (session %d), %v", p, rev, sess.OnlineRev, err)
	}
}
