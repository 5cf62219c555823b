package handlers

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// mutate returns a variant of frame (a whole PAT frame) that a hostile or
// broken client could send: bytes flipped, a number set to an extreme,
// the payload cut short or lengthened, replaced by noise, or sent under
// another packet's id. The size field is fixed up, as the edge's framing
// would accept it.
func mutate(rnd *rand.Rand, frame []byte, ids []uint32) []byte {
	out := append([]byte(nil), frame...)
	payload := func() []byte { return out[pat.HeaderSize:] }
	switch k := rnd.IntN(7); {
	case k == 0 && len(payload()) > 0: // flip bytes
		for range 1 + rnd.IntN(4) {
			payload()[rnd.IntN(len(payload()))] = byte(rnd.Uint32())
		}
	case k == 1 && len(payload()) >= 2: // a number at an extreme
		extremes := []uint32{0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF}
		v := extremes[rnd.IntN(len(extremes))]
		p := payload()
		if len(p) >= 4 && rnd.IntN(2) == 0 {
			binary.BigEndian.PutUint32(p[rnd.IntN(len(p)-3):], v)
		} else {
			binary.BigEndian.PutUint16(p[rnd.IntN(len(p)-1):], uint16(v))
		}
	case k == 2 && len(payload()) > 0: // cut short
		out = out[:pat.HeaderSize+rnd.IntN(len(payload()))]
	case k == 3: // lengthened
		extra := make([]byte, 1+rnd.IntN(64))
		for i := range extra {
			extra[i] = byte(rnd.Uint32())
		}
		out = append(out, extra...)
	case k == 4: // noise
		out = out[:pat.HeaderSize]
		for range rnd.IntN(300) {
			out = append(out, byte(rnd.Uint32()))
		}
	case k == 5: // another packet's payload... or this one's under another id
		binary.BigEndian.PutUint32(out[4:8], ids[rnd.IntN(len(ids))])
	default: // the same bytes again (a retried or replayed request)
	}
	binary.BigEndian.PutUint16(out[0:2], uint16(len(out)-pat.HeaderSize))
	return out
}

// stormRounds is how many variants of each request the storm sends
// (MH3NET_STORM sets it: higher for a longer hunt, 0 to play the story
// alone).
func stormRounds(t *testing.T) int {
	if v, err := strconv.Atoi(os.Getenv("MH3NET_STORM")); err == nil && v >= 0 {
		return v
	}
	if testing.Short() {
		return 3
	}
	return 12
}

// The world's requests with their bytes mutated, sent by hunters who are
// in the world, at a gate and in a city, in the order a session makes
// them: each is answered (an answer, the game's alert or a refusal) or
// taken without an answer, within the request's deadline; the process
// stays whole; and afterwards a new hunter arrives, goes down to a gate
// and into a city, and circles work for it. A panic in a handler ends the
// test binary, which fails the test with the input's seed in the log.
func TestMutatedRequestsAreHarmless(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("MH3NET_STORM_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (MH3NET_STORM_SEED replays it)", seed)
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r := newRigWith(t, func(c *Config) { c.Lease = time.Hour })
	a := fmpHunter{name: "Alpha", lmp: "lA", conn: "fA"}
	b := fmpHunter{name: "Bravo", lmp: "lB", conn: "fB"}
	c := fmpHunter{name: "Charlie", lmp: "lC", conn: "fC"}
	for _, h := range []*fmpHunter{&a, &b, &c} {
		r.loginForFMP(t, h)
	}
	var ids []uint32
	for id := range r.s.routes {
		ids = append(ids, id)
	}

	member := map[string]nats.Header{}
	n := 0
	send := func(server, conn string, ntc bool, raw []byte) {
		t.Helper()
		n++
		subject := bus.RequestSubject(server)
		if ntc {
			subject = bus.NtcSubject(server)
		}
		msg := nats.NewMsg(subject)
		msg.Data = raw
		msg.Header.Set(bus.HeaderConn, conn)
		msg.Header.Set(bus.HeaderReq, fmt.Sprintf("%s.s%d", conn, n))
		msg.Header.Set(bus.HeaderDeadline, strconv.FormatInt(time.Now().Add(3*time.Second).UnixMilli(), 10))
		for k, v := range member[conn] {
			msg.Header[k] = v
		}
		if ntc {
			if err := r.nc.PublishMsg(msg); err != nil {
				t.Fatal(err)
			}
			return
		}
		reply, err := r.request(conn, msg)
		if err != nil {
			t.Fatalf("request %x on %s: no answer: %v (seed %d)", raw, conn, err, seed)
		}
		for _, k := range bus.MembershipHeaders {
			if v, ok := reply.Header[k]; ok {
				if member[conn] == nil {
					member[conn] = nats.Header{}
				}
				member[conn][k] = v
			}
		}
	}

	rounds := stormRounds(t)
	storm := func(server, conn string, seq int, m pat.Message) {
		t.Helper()
		raw, err := pat.AppendMessage(nil, uint16(seq), m)
		if err != nil {
			t.Fatal(err)
		}
		for range rounds {
			v := mutate(rnd, raw, ids)
			send(server, conn, pat.ID(binary.BigEndian.Uint32(v[4:8])).IsNotification(), v)
		}
		send(server, conn, m.PacketID().IsNotification(), raw) // the real one moves the story on
	}

	// OPN and LMP, as a new console logs in (its own connections).
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte("Golf"))
	for i, st := range []struct {
		server, conn string
		m            pat.Message
	}{
		{"opn", "oG", &pat.AnsConnection{}},
		{"opn", "oG", &pat.ReqAuthenticationToken{Token: []byte("NDS-TOKEN")}},
		{"opn", "oG", &pat.ReqMediaVersionInfo{}},
		{"opn", "oG", &pat.ReqTermsVersion{}},
		{"opn", "oG", &pat.ReqTerms{Version: 1, Offset: 0, Size: 0x100}},
		{"opn", "oG", &pat.ReqSubTermsInfo{Selector: 1}},
		{"opn", "oG", &pat.ReqSubTerms{Version: 1, Selector: 1, Offset: 0, Size: 0x100}},
		{"opn", "oG", &pat.ReqMaintenance{}},
		{"opn", "oG", &pat.ReqAnnounce{}},
		{"opn", "oG", &pat.ReqNoCharge{}},
		{"opn", "oG", &pat.ReqVulgarityInfoHighJAP{}},
		{"opn", "oG", &pat.ReqVulgarityInfoLowJAP{}},
		{"opn", "oG", &pat.ReqVulgarityInfoLow{Info: 1}},
		{"opn", "oG", &pat.ReqVulgarityLow{Info: 1, Offset: 0, Size: 0x100}},
		{"opn", "oG", &pat.ReqCommonKey{}},
		{"opn", "oG", &pat.ReqLmpConnect{}},
		{"lmp", "lG", &pat.AnsConnection{}},
		{"lmp", "lG", &pat.ReqLoginInfo{}},
		{"lmp", "lG", &pat.ReqChargeInfo{Type: 1}},
		{"lmp", "lG", &pat.ReqServerTime{}},
		{"lmp", "lG", &pat.ReqTicket{}},
		{"lmp", "lG", &pat.ReqUserListHead{First: 1, Count: 6, Fields: []byte{1, 2}}},
		{"lmp", "lG", &pat.ReqUserListData{First: 1, Count: 6}},
		{"lmp", "lG", &pat.ReqUserListFoot{}},
		{"lmp", "lG", &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user}},
		{"lmp", "lG", &pat.ReqFmpListVersion{}},
		{"lmp", "lG", &pat.ReqFmpListHead{Version: 1, First: 1, Count: 12, Fields: []byte{1, 2, 3}}},
		{"lmp", "lG", &pat.ReqFmpListData{First: 1, Count: 12}},
		{"lmp", "lG", &pat.ReqFmpListFoot{}},
		{"lmp", "lG", &pat.ReqBinaryVersion{Type: 5}},
		{"lmp", "lG", &pat.ReqBinaryHead{Type: 5}},
		{"lmp", "lG", &pat.ReqBinaryData{Type: 5, Version: 1, Offset: 0, Size: 0x100}},
		{"lmp", "lG", &pat.ReqBinaryFoot{Type: 5}},
		{"lmp", "lG", &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}}},
		{"lmp", "lG", &pat.NtcCollectionLog{}},
		{"lmp", "lG", &pat.ReqShut{Type: 1}},
	} {
		storm(st.server, st.conn, i+1, st.m)
	}

	for _, tc := range fmpCases(r, a, b, c) {
		raw := mustHex(t, tc.req)
		for range rounds {
			m := mutate(rnd, raw, ids)
			// A request id sent as a notification, or the other way round,
			// is what the edge does with whatever id the client chose.
			ntc := pat.ID(binary.BigEndian.Uint32(m[4:8])).IsNotification()
			send("fmp", tc.conn, ntc, m)
		}
		send("fmp", tc.conn, tc.ntc, raw) // the real one moves the story on
	}
	r.nc.Flush()

	// Circles and the social packets, by two hunters in a city of their
	// own (city 3 of gate 1), with the others' Capcom IDs as targets.
	e := fmpHunter{name: "Echo", lmp: "lE", conn: "fE"}
	f := fmpHunter{name: "Foxtrot", lmp: "lF", conn: "fF"}
	city3 := pat.LayerPath{Server: 1, Gate: 1, City: 3}
	host := &pat.ReqLayerHost{}
	host.Rest = pat.NewWriter(nil).LayerPath(city3).Bytes()
	var quest pat.Data
	quest.SetLong(pat.CircleCapacity, 4)
	var msgInfo pat.Data
	msgInfo.SetLong(pat.MessageColor, 0).SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	var settings pat.Data
	settings.SetLong(0x01, 1)
	var ready pat.Data
	ready.SetByte(pat.CircleUserStandby, 1)
	var listed pat.Data
	listed.SetString(pat.UserHunterName, []byte("X"))
	for _, h := range []*fmpHunter{&e, &f} {
		r.loginForFMP(t, h)
	}
	steps := []struct {
		h *fmpHunter
		m pat.Message
	}{
		{&e, &pat.AnsConnection{Data: connectionData(e.ticket)}},
		{&f, &pat.AnsConnection{Data: connectionData(f.ticket)}},
		{&e, &pat.ReqLayerStart{}},
		{&f, &pat.ReqLayerStart{}},
		{&e, &pat.ReqLayerDown{Number: 1}},
		{&f, &pat.ReqLayerDown{Number: 1}},
		{&e, &pat.ReqLayerCreateHead{Number: 3}},
		{&e, &pat.ReqLayerCreateSet{Number: 3, Settings: settings}},
		{&e, &pat.ReqLayerCreateFoot{Number: 3}},
		{&f, &pat.ReqLayerDown{Number: 3}},
		{&f, host},
		{&e, &pat.ReqCircleCreate{Info: pat.DataOpt{Data: quest, Opt: pat.Opt{{ID: pat.OptCircleCapacity, Has: true, Value: 4}, {ID: pat.OptCircleQuestID, Has: true, Value: 0x1234}}}}},
		{&f, &pat.ReqCircleListLayer{}},
		{&f, &pat.ReqCircleInfo{Index: 1}},
		{&f, &pat.ReqCircleJoin{Index: 1}},
		{&f, &pat.ReqCircleUserList{}},
		{&f, &pat.ReqCircleHost{Index: 1}},
		{&f, &pat.ReqCircleMatchOptionSet{Options: ready}},
		{&e, &pat.ReqCircleInfoSet{Index: 1, Info: pat.DataOpt{Data: quest, Opt: pat.Opt{{ID: pat.OptCircleQuestID, Has: true, Value: 7}}}}},
		{&e, &pat.NtcCircleChat{Info: msgInfo, Text: []byte("go")}},
		{&e, &pat.NtcCircleBinaryFromClient{Index: 1, Payload: []byte{1, 2, 3}}},
		{&e, &pat.NtcCircleBinary2FromClient{Index: 1, CapcomID: []byte(f.id), Payload: []byte{4, 5}}},
		{&e, &pat.ReqCircleMatchStart{}},
		{&e, &pat.ReqCircleMatchEnd{}},
		{&f, &pat.ReqCircleLeave{Index: 1}},
		{&e, &pat.ReqTell{CapcomID: []byte(f.id), Info: msgInfo, Text: []byte("hi")}},
		{&e, &pat.ReqFriendAdd{CapcomID: []byte(f.id), Info: msgInfo, Text: []byte("be my friend")}},
		{&f, &pat.ReqFriendAccept{RequesterID: []byte(e.id), Accepted: 1}},
		{&e, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{pat.FriendIndex, pat.FriendCapcomID, pat.FriendHunterName}}},
		{&e, &pat.ReqFriendDelete{CapcomID: []byte(f.id)}},
		{&e, &pat.ReqBlackAdd{CapcomID: []byte(a.id), User: listed}},
		{&e, &pat.ReqBlackList{First: 1, Count: 100, Rest: []byte{3, 1, 2, 3}}},
		{&e, &pat.ReqBlackDelete{CapcomID: []byte(a.id)}},
		{&e, &pat.ReqUserSearchHead{CapcomID: []byte(f.id), Offset: 1, Limit: 30, Fields: []byte{1, 2}}},
		{&e, &pat.ReqUserSearchData{First: 1, Count: 1}},
		{&e, &pat.ReqUserSearchFoot{}},
		{&e, &pat.ReqUserSearchInfo{CapcomID: []byte(f.id)}},
		{&f, &pat.ReqLayerEnd{}},
		{&e, &pat.ReqLayerUp{}},
	}
	for i, st := range steps {
		storm("fmp", st.h.conn, i+1, st.m)
	}
	r.nc.Flush()

	// The process is whole: a new hunter arrives and plays.
	d := fmpHunter{name: "Delta", lmp: "lD", conn: "fD"}
	r.loginForFMP(t, &d)
	if ps := r.send("fmp", d.conn, "fD.1", 1, &pat.AnsConnection{Data: connectionData(d.ticket)}); len(ps) != 1 || ps[0].ID != pat.IDNtcLogin {
		t.Fatalf("arrival after the storm: %v", ps)
	}
	want := func(ps []pat.Packet, id pat.ID) {
		t.Helper()
		if len(ps) == 0 || ps[0].ID != id {
			t.Fatalf("after the storm: %v, want %s", ps, id)
		}
	}
	want(r.send("fmp", d.conn, "fD.2", 2, &pat.ReqLayerStart{}), pat.IDAnsLayerStart)
	want(r.send("fmp", d.conn, "fD.3", 3, &pat.ReqLineCheck{}), pat.IDAnsLineCheck)
}

// connectionData is ConnectionData with a PAT ticket, as the game sends
// it on arrival.
func connectionData(ticket string) pat.Data {
	var cd pat.Data
	cd.SetBinary(pat.ConnPatTicket, []byte(ticket))
	return cd
}

// A handler that panics ends the connection that sent the packet, with
// the game's error NtcShut and the failure marked for the edge, and
// nothing else: the process goes on serving that packet for others, on
// the bus and in process alike, and for the pure handlers that run on
// the subscription's goroutine too.
func TestAPanickingHandlerEndsOnlyItsConnection(t *testing.T) {
	r := newRig(t)
	testHookPanic = func(c *Call) {
		if c.Conn == "victim" {
			panic("index out of range [7] with length 4")
		}
	}
	t.Cleanup(func() { testHookPanic = nil })
	shut := func(ps []pat.Packet, hdr nats.Header) {
		t.Helper()
		if len(ps) != 1 || ps[0].ID != pat.IDNtcShut {
			t.Fatalf("answer %v, want NtcShut", ps)
		}
		var m pat.NtcShut
		if err := pat.Unmarshal(ps[0].Payload, &m); err != nil {
			t.Fatal(err)
		}
		if msg := string(m.Message); !bytes.Contains(m.Message, []byte("communication error")) || bytes.Contains(m.Message, []byte("index out of range")) {
			t.Fatalf("NtcShut says %q", msg)
		}
		if hdr.Get(bus.HeaderClose) != "1" || hdr.Get(bus.HeaderError) == "" {
			t.Fatalf("headers %v: want the close and the failure", hdr)
		}
	}
	for _, m := range []pat.Message{&pat.ReqLineCheck{}, &pat.ReqTicket{}, &pat.ReqLoginInfo{}} {
		// Over the bus.
		frame, err := pat.AppendMessage(nil, 3, m)
		if err != nil {
			t.Fatal(err)
		}
		reply := r.sendFrame("lmp", "victim", "victim."+m.PacketID().Name(), frame)
		ps, err := pat.SplitFrames(reply.Data)
		if err != nil {
			t.Fatal(err)
		}
		shut(ps, reply.Header)
		// In process, as a one-box edge calls.
		h := nats.Header{}
		h.Set(bus.HeaderConn, "victim")
		h.Set(bus.HeaderReq, "victim.local."+m.PacketID().Name())
		data, hdr, ok := r.s.Local("lmp", h, frame)
		if ok {
			ps, err := pat.SplitFrames(data)
			if err != nil {
				t.Fatal(err)
			}
			shut(ps, hdr)
		}
	}
	// Everyone else is served.
	r.loginInfo("bystander")
	if ps := r.send("lmp", "bystander", "bystander.3", 3, &pat.ReqTicket{}); len(ps) != 1 || ps[0].ID != pat.IDAnsTicket {
		t.Fatalf("a bystander's ReqTicket: %v", ps)
	}
	if ps := r.send("lmp", "bystander", "bystander.4", 4, &pat.ReqLineCheck{}); len(ps) != 1 || ps[0].ID != pat.IDAnsLineCheck {
		t.Fatalf("a bystander's ReqLineCheck: %v", ps)
	}
}
