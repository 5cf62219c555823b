package handlers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// The memo answers what this process wrote; an entry another process
// changed since is caught by the compare-and-set that follows, which
// makes the memo forget it; a new generation (NATS reconnected, a bucket
// made again), a leader read and age all go to the bucket.
func TestMemoIsCheckedByCompareAndSet(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var gen uint64
	mine := newKVMemo[Presence](r.s.kv.online, func() uint64 { return gen })
	theirs := newKVMemo[Presence](r.s.kv.online, nil)

	rev1, err := mine.create(ctx, "ID1", Presence{Conn: "a"})
	if err != nil {
		t.Fatal(err)
	}
	var p Presence
	if rev, found, cached, err := mine.get(ctx, "ID1", &p); err != nil || !found || !cached || rev != rev1 || p.Conn != "a" {
		t.Fatalf("after own write: %+v rev %d found %v cached %v err %v", p, rev, found, cached, err)
	}

	// Another process moves the entry on.
	if _, found, err := theirs.fresh(ctx, "ID1", &p); err != nil || !found {
		t.Fatal(found, err)
	}
	if _, err := theirs.update(ctx, "ID1", Presence{Conn: "b"}, rev1); err != nil {
		t.Fatal(err)
	}
	if rev, _, cached, _ := mine.get(ctx, "ID1", &p); !cached || rev != rev1 || p.Conn != "a" {
		t.Fatalf("the memo should still believe its own write: %+v cached %v", p, cached)
	}
	if _, err := mine.update(ctx, "ID1", Presence{Conn: "c"}, rev1); !isConflict(err) {
		t.Fatalf("a write on the stale revision: %v", err)
	}
	if _, found, cached, err := mine.get(ctx, "ID1", &p); err != nil || !found || cached || p.Conn != "b" {
		t.Fatalf("after the lost compare-and-set: %+v found %v cached %v err %v", p, found, cached, err)
	}

	// Leader reads skip the memo.
	if _, _, cached, err := mine.get(withLeaderReads(ctx, r.nc), "ID1", &p); err != nil || cached || p.Conn != "b" {
		t.Fatalf("leader read: %+v cached %v err %v", p, cached, err)
	}
	// A new generation forgets everything.
	if _, _, cached, _ := mine.get(ctx, "ID1", &p); !cached {
		t.Fatal("the fresh read was not remembered")
	}
	gen++
	if _, _, cached, _ := mine.get(ctx, "ID1", &p); cached {
		t.Fatal("an entry of an older generation was believed")
	}
	// So does age.
	mine.ttl = time.Millisecond
	time.Sleep(5 * time.Millisecond)
	if _, _, cached, _ := mine.get(ctx, "ID1", &p); cached {
		t.Fatal("an expired entry was believed")
	}
	// A delete forgets the key, and absent keys are never remembered.
	mine.ttl = memoTTL
	if err := mine.delete(ctx, "ID1", 0); err != nil {
		t.Fatal(err)
	}
	if _, found, cached, err := mine.get(ctx, "ID1", &p); found || cached || err != nil {
		t.Fatalf("after delete: found %v cached %v err %v", found, cached, err)
	}
	if hits, misses := mine.stats(); hits != 3 || misses != 4 {
		t.Fatalf("hits %d misses %d", hits, misses)
	}
}

// The memo stays bounded: past its size it keeps only what is young.
func TestMemoIsBounded(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	m := newKVMemo[Presence](r.s.kv.online, nil)
	m.max = 8
	for i := 0; i < 20; i++ {
		if _, err := m.create(ctx, "K"+string(rune('A'+i)), Presence{Conn: "x"}); err != nil {
			t.Fatal(err)
		}
		if n := len(m.m); n > m.max {
			t.Fatalf("%d entries, bound %d", n, m.max)
		}
	}
}

// A connection's close is cleaned up by a handler process whose memo
// says the presence and the ticket belong to an older connection:
// another process handed both over to the closing one meanwhile. Taken
// on the memo's word, the presence and ticket would stay forever.
func TestCloseCleansUpPastAStaleMemo(t *testing.T) {
	r := newRig(t)
	other := r.otherProcess()
	ctx := context.Background()

	// This process bound Capcom ID and ticket to connection "old".
	if _, err := r.s.onlineMemo.create(ctx, "CID001", Presence{Conn: "old", Ticket: "T1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.ticketMemo.create(ctx, "T1", ticketRecord{Holder: "old"}); err != nil {
		t.Fatal(err)
	}
	// The other process moved both to connection "new".
	var p Presence
	prev, _, err := other.onlineMemo.fresh(ctx, "CID001", &p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.onlineMemo.update(ctx, "CID001", Presence{Conn: "new", Ticket: "T1"}, prev); err != nil {
		t.Fatal(err)
	}
	var rec ticketRecord
	trev, _, err := other.ticketMemo.fresh(ctx, "T1", &rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ticketMemo.update(ctx, "T1", ticketRecord{Holder: "new"}, trev); err != nil {
		t.Fatal(err)
	}

	// "new" logs out; this process handles its close.
	closeOn(t, r.s, "new", Session{CapcomID: "CID001", Ticket: "T1"})

	if _, err := r.s.kv.online.Get(ctx, "CID001"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("presence of a closed connection left behind (err %v)", err)
	}
	if _, err := r.s.kv.tickets.Get(ctx, "T1"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("ticket of a closed connection left behind (err %v)", err)
	}
}

// sentOnInProcess plays a first login on LMP connection conn, served by
// this process's handlers, up to the server's choice (FmpInfo), and
// returns its ticket.
func (r *rig) sentOnInProcess(conn, hunter string) string {
	r.t.Helper()
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte(hunter))
	local := r.mustLocalOn
	local(r.s, "lmp", conn, conn+".1", 1, &pat.AnsConnection{})
	local(r.s, "lmp", conn, conn+".2", 2, &pat.ReqLoginInfo{})
	ticket := ticketOf(r.t, local(r.s, "lmp", conn, conn+".3", 3, &pat.ReqTicket{}))
	local(r.s, "lmp", conn, conn+".4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	local(r.s, "lmp", conn, conn+".5", 5, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
	return ticket
}

// A ticket whose session ended (its holder logged out, handled by another
// process) is not adopted from this process's memory of it: the Capcom
// ID it carried does not come back with it.
func TestEndedTicketIsNotAdoptedFromMemory(t *testing.T) {
	r := newRig(t)
	other := r.otherProcess()
	ctx := context.Background()
	local := r.mustLocalOn
	ticket := r.sentOnInProcess("l1", "Qurupeco")
	local(r.s, "lmp", "l1", "l1.6", 6, &pat.ReqShut{Type: 1})
	if r.session("l1").CapcomID == "" {
		t.Fatal("no Capcom ID chosen")
	}
	var rec ticketRecord
	if _, _, cached, err := r.s.ticketMemo.get(ctx, kvKey(ticket), &rec); err != nil || !cached {
		t.Fatalf("the ticket is not in this process's memo: %v", err)
	}

	// The logout's close is handled by the other process: the ticket goes.
	closeOn(t, other, "l1", r.session("l1"))
	if _, err := r.s.kv.tickets.Get(ctx, kvKey(ticket)); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("ticket not ended: %v", err)
	}

	// The ticket is presented on FMP to this process.
	var withTicket pat.Data
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	local(r.s, "fmp", "f1", "f1.1", 1, &pat.AnsConnection{Data: withTicket})
	if s := r.session("f1"); s.CapcomID != "" {
		t.Fatalf("an ended session came back: %+v", s)
	}
}

// Decoded sessions are kept by their encoding, as copies, and bounded.
func TestSessionCache(t *testing.T) {
	var sc sessionCache
	want := Session{CapcomID: "CID001", Ticket: "T1", HunterName: []byte("Rathian"), FmpServer: 2}
	v, err := encodeSession(want)
	if err != nil {
		t.Fatal(err)
	}
	var a, b Session
	if err := sc.decode(v, &a); err != nil || a.CapcomID != want.CapcomID || string(a.HunterName) != "Rathian" {
		t.Fatalf("%+v %v", a, err)
	}
	a.FmpServer = 9
	if err := sc.decode(v, &b); err != nil || b.FmpServer != 2 {
		t.Fatalf("a change to a decoded session reached the cache: %+v %v", b, err)
	}
	if len(sc.m) != 1 {
		t.Fatalf("%d cached", len(sc.m))
	}
	if err := sc.decode("not base64!", &a); err == nil {
		t.Fatal("a bad session decoded")
	}
	big := Session{Query: &Query{Kind: queryUserSearch, Name: make([]byte, 4096)}}
	if v, _ := encodeSession(big); sc.decode(v, &a) != nil || len(sc.m) != 1 {
		t.Fatalf("a large session was kept (%d cached)", len(sc.m))
	}
	for i := 0; i < sessionCacheMax+10; i++ {
		v, _ := encodeSession(Session{Slot: i})
		sc.put(v, Session{Slot: i})
	}
	if len(sc.m) > sessionCacheMax {
		t.Fatalf("%d cached, bound %d", len(sc.m), sessionCacheMax)
	}
}

// FmpInfo sends the game on: ticket and presence are written in transit
// there, so the LMP connection's close writes neither again; the FMP
// hand-over then takes both over without kicking anyone. A logout after
// FmpInfo (ReqShut 1) still ends both at the close.
func TestSentOnWritesTransitOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Barroth"))
	login := func(conn string) (ticket, capcomID string) {
		r.send("lmp", conn, conn+".1", 1, &pat.AnsConnection{})
		r.send("lmp", conn, conn+".2", 2, &pat.ReqLoginInfo{})
		ticket = ticketOf(t, r.send("lmp", conn, conn+".3", 3, &pat.ReqTicket{}))
		var uo pat.AnsUserObject
		if err := pat.Unmarshal(r.send("lmp", conn, conn+".4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})[0].Payload, &uo); err != nil {
			t.Fatal(err)
		}
		r.send("lmp", conn, conn+".5", 5, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
		return ticket, string(uo.User.Bytes(pat.UserCapcomID))
	}
	revs := func(ticket, capcomID string) (uint64, uint64, ticketRecord, Presence) {
		var rec ticketRecord
		var p Presence
		trev, tfound, err := getJSON(ctx, r.s.kv.tickets, kvKey(ticket), &rec)
		if err != nil {
			t.Fatal(err)
		}
		prev, pfound, err := getJSON(ctx, r.s.kv.online, kvKey(capcomID), &p)
		if err != nil {
			t.Fatal(err)
		}
		if !tfound {
			trev = 0
		}
		if !pfound {
			prev = 0
		}
		return trev, prev, rec, p
	}

	ticket, capcomID := login("l1")
	trev, prev, rec, p := revs(ticket, capcomID)
	if !rec.Transit || rec.Holder != "l1" || rec.Session.FmpServer != 1 || !p.Transit || p.Conn != "l1" || p.FmpServer != 1 {
		t.Fatalf("after FmpInfo: ticket %+v, presence %+v", rec, p)
	}
	r.closed("lmp", "l1")
	// The close is handled asynchronously; give it time to write, had it
	// anything to write.
	time.Sleep(200 * time.Millisecond)
	if t2, p2, _, _ := revs(ticket, capcomID); t2 != trev || p2 != prev {
		t.Fatalf("the close wrote again: ticket rev %d → %d, presence rev %d → %d", trev, t2, prev, p2)
	}
	lmp := r.pushes("l1")
	var withTicket pat.Data
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	if ps := r.send("fmp", "f1", "f1.1", 1, &pat.AnsConnection{Data: withTicket}); ps[0].ID != pat.IDNtcLogin || r.session("f1").CapcomID != capcomID {
		t.Fatalf("hand-over: %v, session %+v", ps[0].ID, r.session("f1"))
	}
	select {
	case m := <-lmp:
		t.Fatalf("the LMP connection the game left was pushed %x", m.Data)
	case <-time.After(200 * time.Millisecond):
	}
	if _, _, rec, p := revs(ticket, capcomID); rec.Transit || rec.Holder != "f1" || p.Transit || p.Conn != "f1" {
		t.Fatalf("after the hand-over: ticket %+v, presence %+v", rec, p)
	}

	// A logout on LMP after FmpInfo ends ticket and presence at the close.
	ticket2, capcomID2 := login("l2")
	r.send("lmp", "l2", "l2.6", 6, &pat.ReqShut{Type: 1})
	r.closed("lmp", "l2")
	for deadline := time.Now().Add(10 * time.Second); ; {
		t2, p2, _, _ := revs(ticket2, capcomID2)
		if t2 == 0 && p2 == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a logout: ticket rev %d, presence rev %d", t2, p2)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A close does not leave a presence as it is on the memo's word: here
// the memo of the process handling the close says the presence is in
// transit (its FmpInfo wrote it so), but another process rebound it
// since (a ReqUserObject after FmpInfo on the same connection). The close
// still marks it in transit; taken on the memo's word, the closed
// connection would stay online for good.
func TestCloseChecksTransitOnTheBucket(t *testing.T) {
	r := newRig(t)
	other := r.otherProcess()
	ctx := context.Background()
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Gobul"))
	local := func(s *Service, req string, seq uint16, m pat.Message) []pat.Packet {
		t.Helper()
		return r.mustLocalOn(s, "lmp", "l1", req, seq, m)
	}
	local(r.s, "l1.1", 1, &pat.AnsConnection{})
	local(r.s, "l1.2", 2, &pat.ReqLoginInfo{})
	local(r.s, "l1.3", 3, &pat.ReqTicket{})
	var uo pat.AnsUserObject
	if err := pat.Unmarshal(local(r.s, "l1.4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})[0].Payload, &uo); err != nil {
		t.Fatal(err)
	}
	key := kvKey(string(uo.User.Bytes(pat.UserCapcomID)))
	local(r.s, "l1.5", 5, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
	if ps := local(other, "l1.6", 6, &pat.ReqUserObject{Slot: 1, User: user}); ps[0].ID != pat.IDAnsUserObject {
		t.Fatalf("second ReqUserObject: %v", ps[0].ID)
	}
	var memo, stored Presence
	if _, _, cached, _ := r.s.onlineMemo.get(ctx, key, &memo); !cached || !memo.Transit {
		t.Fatalf("this process's memo: %+v cached %v", memo, cached)
	}
	if _, _, err := getJSON(ctx, r.s.kv.online, key, &stored); err != nil || stored.Transit || stored.Conn != "l1" {
		t.Fatalf("the bucket: %+v %v", stored, err)
	}

	closeOn(t, r.s, "l1", r.session("l1"))
	var after Presence
	if _, _, err := getJSON(ctx, r.s.kv.online, key, &after); err != nil || !after.Transit {
		t.Fatalf("after the close: %+v %v", after, err)
	}
}

// closeOn has handler instance s clean up after LMP connection conn,
// closed with session sess, as it does when an edge announces the close.
func closeOn(t *testing.T, s *Service, conn string, sess Session) {
	t.Helper()
	v, err := encodeSession(sess)
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(bus.ClosedSubject("lmp"))
	m.Header.Set(bus.HeaderConn, conn)
	m.Header.Set(bus.HeaderSession, v)
	s.connClosed(context.Background(), m)
}

// A ticket this process remembers in transit, but that another process
// has handed over since (its holder is online there), is not adopted on
// the memo's word: the adoption's compare-and-set loses, the bucket is
// read, and the holder it names is closed, as for any replayed ticket.
func TestMovedTicketIsAdoptedFromTheBucket(t *testing.T) {
	r := newRig(t)
	other := r.otherProcess()
	ctx := context.Background()
	local := r.mustLocalOn
	ticket := r.sentOnInProcess("l1", "Lagiacrus")
	var rec ticketRecord
	if _, _, cached, err := r.s.ticketMemo.get(ctx, kvKey(ticket), &rec); err != nil || !cached || !rec.Transit {
		t.Fatalf("this process does not remember the ticket in transit: %+v, %v", rec, err)
	}

	// The game arrives on FMP through the other process.
	var withTicket pat.Data
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	victim := r.pushes("f1")
	local(other, "fmp", "f1", "f1.1", 1, &pat.AnsConnection{Data: withTicket})
	capcomID := r.session("f1").CapcomID
	if capcomID == "" {
		t.Fatal("no hand-over on the other process")
	}

	// The ticket is presented again, to this process.
	local(r.s, "fmp", "f2", "f2.1", 1, &pat.AnsConnection{Data: withTicket})
	select {
	case m := <-victim:
		ps, _ := pat.SplitFrames(m.Data)
		if len(ps) != 1 || ps[0].ID != pat.IDNtcShut {
			t.Fatalf("the holder got %x", m.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection holding the ticket was not closed")
	}
	var after ticketRecord
	if _, _, err := getJSON(ctx, r.s.kv.tickets, kvKey(ticket), &after); err != nil || after.Holder != "f2" || after.Transit {
		t.Fatalf("ticket after the replay: %+v, %v", after, err)
	}
	if s := r.session("f2"); s.CapcomID != capcomID {
		t.Fatalf("session of the replay: %+v", s)
	}
}
