package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/internal/testnats"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/jsstore"
	"github.com/mh3net/mh3net/store/projection"
	"github.com/mh3net/mh3net/world"
)

// rig is a handler instance on a real embedded NATS and event store,
// driven with NATS requests as an edge would send them.
type rig struct {
	t  *testing.T
	ns *natsserver.Server
	nc *nats.Conn
	s  *Service
	st store.Store
	// sessions are what an edge keeps per connection (bus.HeaderSession).
	smu      sync.Mutex
	sessions map[string]string
}

// request sends msg as an edge would for connection conn: with the
// connection's session, keeping the one the reply hands back.
func (r *rig) request(conn string, msg *nats.Msg) (*nats.Msg, error) {
	r.smu.Lock()
	if v := r.sessions[conn]; v != "" {
		msg.Header.Set(bus.HeaderSession, v)
	}
	r.smu.Unlock()
	reply, err := r.nc.RequestMsg(msg, 10*time.Second)
	if err == nil {
		if v, ok := reply.Header[bus.HeaderSession]; ok && len(v) > 0 {
			r.smu.Lock()
			r.sessions[conn] = v[0]
			r.smu.Unlock()
		}
	}
	return reply, err
}

// session is the session the edge holds for conn.
func (r *rig) session(conn string) Session {
	r.t.Helper()
	r.smu.Lock()
	v := r.sessions[conn]
	r.smu.Unlock()
	var s Session
	if err := decodeSession(v, &s); err != nil {
		r.t.Fatal(err)
	}
	return s
}

// setSession makes the edge hold s for conn.
func (r *rig) setSession(conn string, s Session) {
	r.t.Helper()
	v, err := encodeSession(s)
	if err != nil {
		r.t.Fatal(err)
	}
	r.smu.Lock()
	r.sessions[conn] = v
	r.smu.Unlock()
}

func newRig(t *testing.T) *rig {
	return newRigWith(t, func(*Config) {})
}

// newRigWith is newRig with changes to the handlers' configuration.
func newRigWith(t *testing.T, configure func(*Config)) *rig {
	ns, nc := testnats.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := jsstore.Open(ctx, nc, jsstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LMPPort: 8201, FMPPort: 8202}
	configure(&cfg)
	s, err := Start(ctx, nc, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, ns: ns, nc: nc, s: s, st: st, sessions: map[string]string{}}
}

// otherProcess starts a second handler instance on the rig's NATS server
// and event store, with a connection of its own, as another handler
// process of the deployment.
func (r *rig) otherProcess() *Service {
	r.t.Helper()
	return r.otherProcessWith(func(*Config) {})
}

// otherProcessWith is otherProcess with changes to its configuration.
func (r *rig) otherProcessWith(configure func(*Config)) *Service {
	r.t.Helper()
	nc, err := nats.Connect(r.ns.ClientURL())
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(nc.Close)
	ctx, cancel := context.WithCancel(context.Background())
	r.t.Cleanup(cancel)
	cfg := Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LMPPort: 8201, FMPPort: 8202}
	configure(&cfg)
	s, err := Start(ctx, nc, r.st, cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// send delivers one packet of connection conn with request id req.
func (r *rig) send(server, conn, req string, seq uint16, m pat.Message) []pat.Packet {
	r.t.Helper()
	frame, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		r.t.Fatal(err)
	}
	msg := nats.NewMsg(bus.RequestSubject(server))
	msg.Data = frame
	msg.Header.Set(bus.HeaderConn, conn)
	msg.Header.Set(bus.HeaderReq, req)
	reply, err := r.request(conn, msg)
	if err != nil {
		r.t.Fatal(err)
	}
	ps, err := pat.SplitFrames(reply.Data)
	if err != nil {
		r.t.Fatal(err)
	}
	return ps
}

// sendFrame delivers one raw frame, as an edge forwards it, and returns
// the handler's reply (answer frames in Data, close/error in Header).
func (r *rig) sendFrame(server, conn, req string, frame []byte) *nats.Msg {
	r.t.Helper()
	msg := nats.NewMsg(bus.RequestSubject(server))
	msg.Data = frame
	msg.Header.Set(bus.HeaderConn, conn)
	msg.Header.Set(bus.HeaderReq, req)
	reply, err := r.request(conn, msg)
	if err != nil {
		r.t.Fatal(err)
	}
	return reply
}

// loginInfo opens LMP connection conn (requests conn.1 and conn.2:
// AnsConnection, ReqLoginInfo) and returns the support code it was given.
func (r *rig) loginInfo(conn string) string {
	r.t.Helper()
	r.send("lmp", conn, conn+".1", 1, &pat.AnsConnection{})
	li := r.send("lmp", conn, conn+".2", 2, &pat.ReqLoginInfo{})
	var ans pat.AnsLoginInfo
	if err := pat.Unmarshal(li[0].Payload, &ans); err != nil {
		r.t.Fatal(err)
	}
	return string(ans.ChargeInfo.Bytes(pat.ChargeOnlineSupportCode))
}

func TestRetriedRequestGetsTheSameAnswer(t *testing.T) {
	r := newRig(t)
	code := r.loginInfo("c1")
	if len(code) != 11 {
		t.Fatalf("support code %q", code)
	}
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Gobul"))
	first := r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	again := r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	if len(first) != 1 || len(again) != 1 || !bytes.Equal(first[0].Payload, again[0].Payload) || first[0].Seq != 3 {
		t.Fatalf("retry answered differently: %v vs %v", first, again)
	}
	// A handler that died after appending but before keeping its answer:
	// the retry recomputes it from the same request id and appends nothing.
	if err := r.s.kv.replies.Purge(context.Background(), kvKey("c1.3")); err != nil {
		t.Fatal(err)
	}
	recomputed := r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	if !bytes.Equal(first[0].Payload, recomputed[0].Payload) {
		t.Fatalf("recomputed answer differs: %x vs %x", recomputed[0].Payload, first[0].Payload)
	}
	con, err := r.s.console(&Call{ctx: context.Background(), s: r.s}, code)
	if err != nil {
		t.Fatal(err)
	}
	if con.Version != 2 || con.Slots[0].CapcomID == "" || con.Slots[1].CapcomID != "" {
		t.Fatalf("console after a retried profile creation: %+v", con)
	}
}

func TestRandomIsStablePerRequest(t *testing.T) {
	a := (&Call{Req: "x.1"}).random("ticket", 0, 11)
	b := (&Call{Req: "x.1"}).random("ticket", 0, 11)
	c := (&Call{Req: "x.2"}).random("ticket", 0, 11)
	if a != b || a == c || len(a) != 11 {
		t.Fatalf("%q %q %q", a, b, c)
	}
}

func TestUnknownPacketIsIgnored(t *testing.T) {
	r := newRig(t)
	frame, _ := pat.AppendFrame(nil, 1, 0x12345678, []byte{1})
	msg := nats.NewMsg(bus.RequestSubject("lmp"))
	msg.Data = frame
	msg.Header.Set(bus.HeaderConn, "c9")
	reply, err := r.nc.RequestMsg(msg, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Data) != 0 || reply.Header.Get(bus.HeaderClose) != "" {
		t.Fatalf("unknown id answered %x (close %q)", reply.Data, reply.Header.Get(bus.HeaderClose))
	}
}

func TestChooseSlot(t *testing.T) {
	var con projection.Console
	con.Slots[1] = projection.Slot{CapcomID: "QWERTY", Name: []byte("Old")}
	none := func() (string, error) { t.Fatal("asked for a new Capcom ID"); return "", nil }
	newID := func() (string, error) { return "NEW123", nil }

	c, _ := chooseSlot(con, 2, nil, none)
	if c.CapcomID != "QWERTY" || string(c.Name) != "Old" || c.Event != nil {
		t.Errorf("existing, no name: %+v", c)
	}
	c, _ = chooseSlot(con, 2, []byte("Old"), none)
	if c.Event != nil {
		t.Errorf("same name appends %v", c.Event)
	}
	c, _ = chooseSlot(con, 2, []byte("New"), none)
	if e, ok := c.Event.(events.HunterNamed); !ok || string(e.Name) != "New" || e.CapcomID != "QWERTY" {
		t.Errorf("rename: %+v", c)
	}
	c, _ = chooseSlot(con, 1, []byte("Jho"), newID)
	if e, ok := c.Event.(events.ProfileCreated); !ok || e.CapcomID != "NEW123" || e.Slot != 1 {
		t.Errorf("new profile: %+v", c)
	}
}

// A new console is stored with its first profile, in the same append: a
// first login appends to its console once. Until then its user list is
// six free slots, and a new support code is never one a console has.
func TestConsoleIsStoredWithItsFirstProfile(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	// The code the first candidate of request c1.2 would be is taken.
	taken := (&Call{Req: "c1.2"}).random("support-code", 0, 11)
	env, err := events.Encode("taken", events.ConsoleCreated{SupportCode: taken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.Append(ctx, events.ConsoleStream(taken), 0, []events.Envelope{env}); err != nil {
		t.Fatal(err)
	}
	code := r.loginInfo("c1")
	if len(code) != 11 || code == taken {
		t.Fatalf("support code %q (taken: %q)", code, taken)
	}
	if evs, err := r.st.Load(ctx, events.ConsoleStream(code), 1); err != nil || len(evs) != 0 {
		t.Fatalf("console stored before a profile: %v, %v", evs, err)
	}
	list := r.send("lmp", "c1", "c1.3", 3, &pat.ReqUserListData{First: 1, Count: 6})
	var users pat.AnsUserListData
	if err := pat.Unmarshal(list[0].Payload, &users); err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 6 {
		t.Fatalf("%d users listed", len(users.Users))
	}
	for i, u := range users.Users {
		if got := string(u.Bytes(pat.UserCapcomID)); got != blankCapcomID {
			t.Fatalf("slot %d of a new console shows %q", i+1, got)
		}
	}
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Rathian"))
	r.send("lmp", "c1", "c1.4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	evs, err := r.st.Load(ctx, events.ConsoleStream(code), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != "ConsoleCreated" || evs[1].Type != "ProfileCreated" || jsstore.Sequence(evs[0].Position) != jsstore.Sequence(evs[1].Position) {
		t.Fatalf("console stream after the first profile: %+v", evs)
	}
	// A console that comes back by a code the log does not hold is made
	// when it picks a slot, as a new one.
	r.send("lmp", "c2", "c2.1", 1, &pat.AnsConnection{})
	s := r.session("c2")
	s.SupportCode = "ZYXWVUTSRQP"
	r.setSession("c2", s)
	r.send("lmp", "c2", "c2.2", 2, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 2, User: user})
	con, err := r.s.console(&Call{ctx: ctx, s: r.s}, "ZYXWVUTSRQP")
	if err != nil || con.Version != 2 || con.Slots[1].CapcomID == "" {
		t.Fatalf("console made at its first profile: %+v, %v", con, err)
	}
}

// The game is sent to the central world's edge with the fewest
// connections (of equals, the lowest id, the same in every process),
// never to an external FMP edge; with no edge known, to the advertised
// address.
func TestRedirectPicksTheLeastBusyEdge(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Advertise = "10.0.0.9" })
	if host, port, err := r.s.redirect(nil, "fmp"); err != nil || host != "10.0.0.9" || port != 8202 {
		t.Fatalf("no edges: %s:%d, %v", host, port, err)
	}
	at := func(host string, port int) map[string]bus.EdgeAddr {
		return map[string]bus.EdgeAddr{"fmp": {Host: host, Port: port}, "lmp": {Host: host, Port: port - 1}}
	}
	leases := map[string]bus.EdgeLease{
		"e3":       {Edge: "e3", Addrs: at("10.0.0.3", 9302), Conns: 5},
		"e2":       {Edge: "e2", Addrs: at("10.0.0.2", 9202), Conns: 2},
		"e1":       {Edge: "e1", Addrs: at("10.0.0.1", 9102), Conns: 2},
		"external": {Edge: "external", Addrs: at("10.0.0.7", 9702), Conns: 0, Servers: []world.Server{{Index: 12}}},
		"nofmp":    {Edge: "nofmp", Addrs: map[string]bus.EdgeAddr{"lmp": {Host: "10.0.0.8", Port: 9801}}},
	}
	for id, l := range leases {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.kv.edges.Put(context.Background(), id, b); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if got, _ := r.s.edges.snapshot(); len(got) == len(leases) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the edges view did not show the leases")
		}
	}
	for range 20 { // map order must not matter
		if host, port, err := r.s.redirect(nil, "fmp"); err != nil || host != "10.0.0.1" || port != 9102 {
			t.Fatalf("redirect to %s:%d, %v; want e1's 10.0.0.1:9102", host, port, err)
		}
	}
	if host, port, _ := r.s.redirect(nil, "lmp"); host != "10.0.0.8" || port != 9801 {
		t.Fatalf("LMP redirect to %s:%d; want nofmp's 10.0.0.8:9801", host, port)
	}
}
