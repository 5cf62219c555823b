package handlers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// pushes collects what handlers push to a connection.
func (r *rig) pushes(conn string) <-chan *nats.Msg {
	ch := make(chan *nats.Msg, 16)
	sub, err := r.nc.ChanSubscribe(bus.ConnSubject(conn), ch)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { sub.Unsubscribe() })
	r.nc.Flush()
	return ch
}

func ticketOf(t *testing.T, ps []pat.Packet) string {
	t.Helper()
	var a pat.AnsTicket
	if err := pat.Unmarshal(ps[0].Payload, &a); err != nil {
		t.Fatal(err)
	}
	return string(a.Ticket)
}

// A ticket replaced by a new ReqTicket is deleted, not left for 48 h.
func TestReplacedTicketIsDeleted(t *testing.T) {
	r := newRig(t)
	r.send("lmp", "c1", "c1.1", 1, &pat.AnsConnection{})
	first := ticketOf(t, r.send("lmp", "c1", "c1.2", 2, &pat.ReqTicket{}))
	second := ticketOf(t, r.send("lmp", "c1", "c1.3", 3, &pat.ReqTicket{}))
	if first == second {
		t.Fatal("same ticket twice")
	}
	ctx := context.Background()
	if _, err := r.s.kv.tickets.Get(ctx, kvKey(first)); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("replaced ticket still stored (err %v)", err)
	}
	if _, err := r.s.kv.tickets.Get(ctx, kvKey(second)); err != nil {
		t.Fatalf("new ticket: %v", err)
	}
}

// A hand-over is single-use: a ticket presented again on FMP while the
// connection that took it over is online closes that connection (as a
// second login does), instead of silently taking its place.
func TestReplayedTicketKicksTheHolder(t *testing.T) {
	r := newRig(t)
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Ludroth"))
	var withTicket pat.Data
	r.send("lmp", "l1", "l1.1", 1, &pat.AnsConnection{})
	r.send("lmp", "l1", "l1.2", 2, &pat.ReqLoginInfo{})
	ticket := ticketOf(t, r.send("lmp", "l1", "l1.3", 3, &pat.ReqTicket{}))
	withTicket.SetBinary(pat.ConnPatTicket, []byte(ticket))
	var uo pat.AnsUserObject
	if err := pat.Unmarshal(r.send("lmp", "l1", "l1.4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})[0].Payload, &uo); err != nil {
		t.Fatal(err)
	}
	capcomID := string(uo.User.Bytes(pat.UserCapcomID))
	r.send("lmp", "l1", "l1.5", 5, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
	r.closed("lmp", "l1")

	victim := r.pushes("f1")
	if ps := r.send("fmp", "f1", "f1.1", 1, &pat.AnsConnection{Data: withTicket}); ps[0].ID != pat.IDNtcLogin {
		t.Fatalf("victim's hand-over: %v", ps[0].ID)
	}
	if ps := r.send("fmp", "f2", "f2.1", 1, &pat.AnsConnection{Data: withTicket}); ps[0].ID != pat.IDNtcLogin {
		t.Fatalf("replay: %v", ps[0].ID)
	}
	select {
	case m := <-victim:
		ps, _ := pat.SplitFrames(m.Data)
		if len(ps) != 1 || ps[0].ID != pat.IDNtcShut || m.Header.Get(bus.HeaderClose) != "1" {
			t.Fatalf("victim got %x", m.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection holding the ticket was not closed")
	}
	// The Capcom ID is now bound to the newer connection.
	var p Presence
	if _, _, err := getJSON(context.Background(), r.s.kv.online, kvKey(capcomID), &p); err != nil || p.Conn != "f2" {
		t.Fatalf("presence %+v, %v", p, err)
	}
}

// A retried request that overlaps its first attempt (the edge retries
// after its deadline while the handler is still working) does not run
// twice: the retry waits for the first attempt, gets its answer, and the
// session stays as one run left it.
func TestRetryOverlappingTheFirstAttempt(t *testing.T) {
	r := newRig(t)
	r.send("lmp", "c1", "c1.1", 1, &pat.AnsConnection{})
	var runs atomic.Int32
	release := make(chan struct{})
	testHookAfterRun = func(c *Call) {
		if c.ID == pat.IDReqTicket && runs.Add(1) == 1 {
			<-release
		}
	}
	defer func() { testHookAfterRun = nil }()

	var wg sync.WaitGroup
	answers := make([][]pat.Packet, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = r.send("lmp", "c1", "c1.2", 2, &pat.ReqTicket{})
		}()
		time.Sleep(100 * time.Millisecond) // the second arrives while the first is held
	}
	close(release)
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("the handler ran %d times", runs.Load())
	}
	a, b := ticketOf(t, answers[0]), ticketOf(t, answers[1])
	if a != b {
		t.Fatalf("two answers: %q and %q", a, b)
	}
	if s := r.session("c1"); s.Ticket != a {
		t.Fatalf("session %+v", s)
	}
}

// closed announces that an edge closed connection conn (with the session
// it held), and waits until handlers cleaned it up: its ticket handed on
// (transit) or deleted.
func (r *rig) closed(server, conn string) {
	r.t.Helper()
	m := nats.NewMsg(bus.ClosedSubject(server))
	m.Header.Set(bus.HeaderConn, conn)
	r.smu.Lock()
	if v := r.sessions[conn]; v != "" {
		m.Header.Set(bus.HeaderSession, v)
	}
	r.smu.Unlock()
	sess := r.session(conn)
	if err := r.nc.PublishMsg(m); err != nil {
		r.t.Fatal(err)
	}
	if sess.Ticket == "" {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rec ticketRecord
		_, found, err := getJSON(context.Background(), r.s.kv.tickets, kvKey(sess.Ticket), &rec)
		if err == nil && (!found || rec.Transit || rec.Holder != conn) {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("connection %s not cleaned up: %v", conn, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
