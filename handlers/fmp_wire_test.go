package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// The exact bytes of the FMP world: every answer, and every notification
// the handlers push to other connections (mh3.conn.<conn>) and to layer
// rooms (mh3.room.<room>, with the connection the edge must skip), for
// three hunters who arrive on server 1, meet at gate 1, make and fill a
// city, relay, search and leave. Expectations are written from MH3SP's
// layouts (mh/pat.py, mh/pat_item.py, fmp_server.py): PatData fields in
// the order MH3SP inserts them, answers echoing the request's seq, relays
// and NtcLayerIn reusing it, departure and city notices with seq 0. Where
// mh3net deliberately differs from MH3SP the case says so; the layout is
// still MH3SP's. Pattern syntax as in wire_test.go.

// PAT items as MH3SP packs them: field id, type byte, value.
func iByte(id, v int) string        { return fmt.Sprintf("%02x01%02x", id, v) }
func iWord(id, v int) string        { return fmt.Sprintf("%02x02%04x", id, v) }
func iLong(id int, v uint32) string { return fmt.Sprintf("%02x03%08x", id, v) }
func iStr(id int, s string) string  { return fmt.Sprintf("%02x05", id) + lp2(s) }
func iBin(id int, h string) string {
	h = compact(h)
	return fmt.Sprintf("%02x06%04x", id, len(h)/2) + h
}

// pdata is a PatData: the item count, then the items in order.
func pdata(items ...string) string { return fmt.Sprintf("%02x", len(items)) + strings.Join(items, "") }

// opts is an optional-field list of (id, value) pairs that have a value.
func opts(pairs ...uint32) string {
	s := fmt.Sprintf("%02x", len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		s += fmt.Sprintf("%02x01%08x", pairs[i], pairs[i+1])
	}
	return s
}

func lp2(s string) string { return u16h(len(s)) + hx(s) }

func compact(s string) string { return strings.Join(strings.Fields(s), "") }

// frame is one whole frame: size, seq, id, payload (a pattern).
func frame(seq int, id uint32, payload ...string) string {
	p := compact(strings.Join(payload, ""))
	return u16h(len(p)/2) + u16h(seq) + u32h(int(id)) + p
}

// layerPathHex is a LayerPath as MH3SP packs it: depth, server, 1, gate,
// city.
func layerPathHex(server, gate, city int) string {
	depth := 1
	switch {
	case city > 0:
		depth = 3
	case gate > 0:
		depth = 2
	}
	return fmt.Sprintf("%08x%08x0001%04x%04x", depth, server, gate, city)
}

// MH3SP's LayerData.create_from for a server, a gate and a city (index,
// number, position interval, 0x12, name, populations, capacity, [city:
// on a quest, 0x0C], state, depth, [city: pathname], [host]).
func serverLD(index int, name string, pop int) string {
	return pdata(iLong(0x01, uint32(index)), iWord(0x05, index), iLong(0x11, 500), iByte(0x12, 1),
		iStr(0x03, name), iLong(0x06, uint32(pop)), iLong(0x07, uint32(pop)), iLong(0x09, 2000),
		iByte(0x10, 0), iByte(0x15, 1))
}

func gateLD(index, pop, state int) string {
	return pdata(iLong(0x01, uint32(index)), iWord(0x05, index), iLong(0x11, 500), iByte(0x12, 1),
		iStr(0x03, fmt.Sprintf("City Gate%d", index)), iLong(0x06, uint32(pop)), iLong(0x07, uint32(pop)), iLong(0x09, 100),
		iByte(0x10, state), iByte(0x15, 2))
}

// cityLD is city n of server 1 gate 1 at list index index; host "" for
// none.
func cityLD(index, n, pop, state int, host string) string {
	items := []string{iLong(0x01, uint32(index)), iWord(0x05, index), iLong(0x11, 500), iByte(0x12, 1),
		iStr(0x03, fmt.Sprintf("City%d", n)), iLong(0x06, uint32(pop)), iLong(0x07, uint32(pop)), iLong(0x09, 4),
		iLong(0x0b, 0), iLong(0x0c, 0x0c), iByte(0x10, state), iByte(0x15, 3),
		iStr(0x16, fmt.Sprintf("Valor1\tCity Gate1\tCity%d", n))}
	if host != "" {
		items = append(items, iBin(0x02, host))
	}
	return pdata(items...)
}

// userNum is NtcLayerUserNum type 4 for city n of gate 1 (MH3SP's
// packNtcLayerUserNum of the city's LayerData).
func userNum(n, pop int) string {
	return "04" + pdata(iBin(0x01, layerPathHex(1, 1, n)), iLong(0x02, uint32(pop)), iLong(0x03, uint32(n)),
		iLong(0x04, 0xAF00FA00), iLong(0x05, 4), iLong(0x06, 0xBF00FB00), iLong(0x07, 0))
}

// stats is a 0x100-byte display binary starting with prefix (hex).
func stats(prefix string) string {
	prefix = compact(prefix)
	return prefix + strings.Repeat("00", pat.HunterSettingsSize-len(prefix)/2)
}

// fmpServerEntry is FmpData as in fmpEntry (wire_test.go) with a
// population.
func fmpServerEntry(index int, name string, typ, pop int) string {
	return "09 0103 " + u32h(index) + " 0205 0009 " + hx("127.0.0.1") + " 0302 200a 0704 " + fmt.Sprintf("%016x", typ) +
		" 0803 " + u32h(pop) + " 0903 000007d0 0a05 " + u16h(len(name)) + hx(name) + " 0b05 0001 " + hx("X") + " 0c03 12345678"
}

// fmpPush is one message the handlers publish for others.
type fmpPush struct {
	subject string // bus.RoomSubject(room) or bus.ConnSubject(conn)
	skip    string // the connection the edge must skip (rooms)
	want    string // the frames, a pattern
}

func toRoom(room, skip, want string) fmpPush { return fmpPush{bus.RoomSubject(room), skip, want} }
func toConn(conn, want string) fmpPush       { return fmpPush{bus.ConnSubject(conn), "", want} }

type fmpCase struct {
	name   string
	conn   string
	ntc    bool   // a notification from the game: published, never answered
	req    string // the frame the game sends
	want   string // the answer frames ("" for none)
	pushes []fmpPush
	before func(t *testing.T) // waits for what the case depends on
}

// fmpHunter is one test player.
type fmpHunter struct {
	name, lmp, conn string
	id, ticket      string
}

func fmpCases(r *rig, a, b, c fmpHunter) []fmpCase {
	sA := stats("0032 0000 00 0a") // HR 50, weapon type 10
	sB := stats("0010 0000 00 03") // HR 16, weapon type 3
	sC := stats("")
	optA, optB, optC := opts(1, 0x0a000000, 2, 50<<16), opts(1, 0x03000000, 2, 16<<16), opts(1, 0, 2, 0)
	city1 := layerPathHex(1, 1, 1)
	gate1 := layerPathHex(1, 1, 0)
	cityOpt := "03 0201 00000005 0301 00000002 0401 00000001" // as sent in LayerCreateSet
	in := func(h fmpHunter, st string) string {
		return lp2(h.id) + pdata(iStr(0x01, h.id), iStr(0x02, h.name), iBin(0x07, st))
	}
	connData := func(h fmpHunter) string {
		return "02 0206 000b " + hx(h.ticket) + " 0705 000a " + hx("1001301045")
	}
	mine0F, mine10 := identity(a.id)
	mediation := func(holder string) string {
		s := "00 0e"
		for i := 1; i <= 14; i++ {
			name, locked := "Test", 0
			if i == 1 && holder != "" {
				name, locked = holder, 1
			}
			s += pdata(iStr(0x01, name), iByte(0x02, i), iByte(0x03, locked))
		}
		return s
	}
	tellInfo := pdata(iLong(0x01, 0xFFFFFFFF), iStr(0x03, a.id), iStr(0x04, a.name), iLong(0x02, 20))
	return []fmpCase{
		// A arrives on server 1.
		{name: "FMP AnsConnection with a hunter → NtcLogin 3", conn: a.conn,
			req: frame(1, 0x60200200, connData(a)), want: frame(1, 0x60211000, "03")},
		// MH3SP hashes the Capcom ID (Python's hash changes with each
		// start); mh3net's values are stable. Layout: only 0x0F, 0x10.
		{name: "ReqUserSearchInfoMine", conn: a.conn,
			req: frame(2, 0x66370100, "00"), want: frame(2, 0x66370200, pdata(iLong(0x0f, mine0F), iLong(0x10, mine10)))},
		// MH3SP answers a fixed dummy; mh3net the server's real entry,
		// laid out as MH3SP's create_from builds a server's.
		{name: "ReqLayerStart → the server's LayerData", conn: a.conn,
			req: frame(3, 0x64010100, "00 00"), want: frame(3, 0x64010200, serverLD(1, "Valor1", 0))},
		{name: "ReqUserBinarySet", conn: a.conn,
			req: frame(4, 0x66310100, "00000000 0006 00320000000a"), want: frame(4, 0x66310200)},
		{name: "ReqUserBinaryNotice → NtcUserBinaryNotice to the layer", conn: a.conn,
			req:    frame(5, 0x66320100, "01", lp2(a.id), "00000000 00000006"),
			want:   frame(5, 0x66320200),
			pushes: []fmpPush{toRoom("s1", a.conn, frame(5, 0x66321000, "01", lp2(a.id), "00000000 0006 00320000000a"))}},
		{name: "ReqUserSearchSet", conn: a.conn,
			req: frame(6, 0x66300100, "02 0101 00000001 0200"), want: frame(6, 0x66300200)},
		{name: "ReqUserStatusSet", conn: a.conn,
			req: frame(7, 0x66400100, pdata(iByte(0x09, 4))), want: frame(7, 0x66400200)},
		{name: "ReqCircleInfoNoticeSet", conn: a.conn,
			req: frame(8, 0x65800100, "00 00"), want: frame(8, 0x65800200)},
		{name: "ReqFriendList (none)", conn: a.conn,
			req: frame(9, 0x66540100, "00000001 00000064 03 010203"), want: frame(9, 0x66540200, "00000000 00000000")},
		// A real, empty blacklist (MH3SP's stub sends one blank entry, which
		// the game would offer to delete, sending a blank Capcom ID back).
		{name: "ReqBlackList (none)", conn: a.conn,
			req:  frame(10, 0x66620100, "00000001 00000064 03 010203"),
			want: frame(10, 0x66620200, "00000000 00000000")},
		{name: "ReqLayerChildListHead (gates)", conn: a.conn,
			req:  frame(11, 0x64240100, "00000001 00000028 0a 01020305060709101112"),
			want: frame(11, 0x64240200, "00000000 00000028")},
		{name: "ReqLayerChildListData (gates 1-2)", conn: a.conn,
			req:  frame(12, 0x64250100, "00000001 00000002"),
			want: frame(12, 0x64250200, "00000001 00000002", gateLD(1, 0, 1), "00", gateLD(2, 0, 1), "00")},
		{name: "ReqLayerChildListFoot", conn: a.conn,
			req: frame(13, 0x64260100), want: frame(13, 0x64260200)},
		// MH3SP answers index 1, a dummy and two zero bytes; mh3net the
		// child's real entry in the same frame.
		{name: "ReqLayerChildInfo (gate 1)", conn: a.conn,
			req: frame(14, 0x64230100, "0001 00"), want: frame(14, 0x64230200, "0001", gateLD(1, 0, 1), "0000")},
		{name: "ReqLayerDown into gate 1 → NtcLayerIn to the gate (request's seq)", conn: a.conn,
			req:    frame(15, 0x64140100, "0001 00"),
			want:   frame(15, 0x64140200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", a.conn, frame(15, 0x64141000, in(a, sA)))}},

		// B and C arrive; C talks at the server level first.
		{name: "B: AnsConnection", conn: b.conn, req: frame(1, 0x60200200, connData(b)), want: frame(1, 0x60211000, "03")},
		{name: "B: ReqLayerStart (A counted in its gate)", conn: b.conn,
			req: frame(2, 0x64010100, "00 00"), want: frame(2, 0x64010200, serverLD(1, "Valor1", 1))},
		{name: "B: ReqUserBinarySet", conn: b.conn,
			req: frame(3, 0x66310100, "00000000 0006 001000000003"), want: frame(3, 0x66310200)},
		{name: "B: ReqLayerDown into gate 1 → NtcLayerIn", conn: b.conn,
			req: frame(4, 0x64140100, "0001 00"), want: frame(4, 0x64140200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", b.conn, frame(4, 0x64141000, in(b, sB)))}},
		{name: "C: AnsConnection", conn: c.conn, req: frame(1, 0x60200200, connData(c)), want: frame(1, 0x60211000, "03")},
		{name: "C: ReqLayerStart", conn: c.conn,
			req: frame(2, 0x64010100, "00 00"), want: frame(2, 0x64010200, serverLD(1, "Valor1", 2))},
		{name: "C: NtcLayerChat at the server level → colour BB3385FF", conn: c.conn, ntc: true,
			req: frame(3, 0x64721000, "01", pdata(iLong(0x01, 0), iLong(0x02, 0), iStr(0x03, ""), iStr(0x04, "")), lp2("yo")),
			pushes: []fmpPush{toRoom("s1", c.conn, frame(3, 0x64721000, "01",
				pdata(iLong(0x01, 0xBB3385FF), iLong(0x02, 0), iStr(0x03, c.id), iStr(0x04, c.name)), lp2("yo")))}},
		{name: "C: ReqLayerDown into gate 1 → NtcLayerIn (zero display binary)", conn: c.conn,
			req: frame(4, 0x64140100, "0001 00"), want: frame(4, 0x64140200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", c.conn, frame(4, 0x64141000, in(c, sC)))}},

		// At the gate.
		{name: "ReqLayerSiblingListHead (gates)", conn: a.conn,
			req:  frame(16, 0x64270100, "00000001 00000028 0a 01020305060709101112"),
			want: frame(16, 0x64270200, "00000000 00000028")},
		{name: "ReqLayerSiblingListData (gate 1, three inside)", conn: a.conn,
			req:  frame(17, 0x64280100, "00000001 00000001"),
			want: frame(17, 0x64280200, "00000001 00000001", gateLD(1, 3, 3), "00")},
		{name: "ReqLayerSiblingListFoot", conn: a.conn,
			req: frame(18, 0x64290100), want: frame(18, 0x64290200)},
		// A gate in join order, as MH3SP lists it (A, B, C came in so).
		{name: "ReqLayerUserList at the gate", conn: a.conn,
			req: frame(19, 0x64630100, "03 010207"),
			want: frame(19, 0x64630200, "00000003",
				pdata(iStr(0x01, a.id), iStr(0x02, a.name), iBin(0x07, sA)),
				pdata(iStr(0x01, b.id), iStr(0x02, b.name), iBin(0x07, sB)),
				pdata(iStr(0x01, c.id), iStr(0x02, c.name), iBin(0x07, sC)))},

		// A makes city 1: the gate gets InfoSet (Head), UserNum (Set),
		// InfoSet (Foot), seq 0, built from the city's path.
		{name: "ReqLayerCreateHead → NtcLayerInfoSet (reserved: full, no one inside)", conn: a.conn,
			req: frame(20, 0x64110100, "0001"), want: frame(20, 0x64110200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", a.conn, frame(0, 0x64201000, lp2h(city1), cityLD(1, 1, 0, 2, city1), "00"))}},
		{name: "ReqLayerCreateSet → NtcLayerUserNum", conn: a.conn,
			req: frame(21, 0x64120100, "0001", pdata(iLong(0x01, 1)), cityOpt), want: frame(21, 0x64120200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", a.conn, frame(0, 0x64031000, userNum(1, 1)))}},
		{name: "ReqLayerCreateFoot → NtcLayerInfoSet (joinable, options)", conn: a.conn,
			req: frame(22, 0x64130100, "0001 00"), want: frame(22, 0x64130200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", a.conn, frame(0, 0x64201000, lp2h(city1), cityLD(1, 1, 1, 3, city1), cityOpt))}},
		{name: "C: ReqLayerCreateHead of a city that exists → AnsAlert", conn: c.conn,
			req:  frame(5, 0x64110100, "0001"),
			want: frame(5, 0x64110201, "00000001", lp2("<LF=8><BODY><CENTER>City already exists.<END>"))},

		// B looks at the city and joins it.
		{name: "B: ReqLayerChildListData (city 1)", conn: b.conn,
			req:  frame(5, 0x64250100, "00000001 00000001"),
			want: frame(5, 0x64250200, "00000001 00000001", cityLD(1, 1, 1, 3, city1), cityOpt)},
		{name: "B: ReqLayerChildInfo (city 1)", conn: b.conn,
			req: frame(6, 0x64230100, "0001 00"), want: frame(6, 0x64230200, "0001", cityLD(1, 1, 1, 3, city1), "0000")},
		{name: "B: ReqLayerUserListHead (city 1)", conn: b.conn,
			req:  frame(7, 0x64640100, "01", lp2h(city1), "00000001 00000004 03 010203"),
			want: frame(7, 0x64640200, "00000001 00000001")},
		{name: "B: ReqLayerUserListData", conn: b.conn,
			req: frame(8, 0x64650100, "00000001 00000004"),
			want: frame(8, 0x64650200, "00000001 00000001",
				pdata(iStr(0x01, a.id), iStr(0x02, a.name), iBin(0x03, city1)), optA)},
		{name: "B: ReqLayerUserListFoot", conn: b.conn,
			req: frame(9, 0x64660100), want: frame(9, 0x64660200)},
		// Deliberate: the gate gets the city's new numbers on a join
		// (MH3SP sends nothing); the layout is MH3SP's UserNum.
		{name: "B: ReqLayerDown into city 1 → NtcLayerUserNum to the gate", conn: b.conn,
			req: frame(10, 0x64140100, "0001 00"), want: frame(10, 0x64140200, "0001"),
			pushes: []fmpPush{toRoom("s1.g1", b.conn, frame(0, 0x64031000, userNum(1, 2)))}},
		{name: "B: ReqLayerHost → the host, NtcLayerIn to the city (request's seq)", conn: b.conn,
			req:    frame(11, 0x64410100, lp2h(city1)),
			want:   frame(11, 0x64410200, lp2h(city1), lp2(a.id), lp2(a.name)),
			pushes: []fmpPush{toRoom("s1.g1.c1", b.conn, frame(11, 0x64141000, in(b, sB)))}},
		{name: "ReqLayerUserList in the city (slot order)", conn: a.conn,
			req: frame(23, 0x64630100, "03 010207"),
			want: frame(23, 0x64630200, "00000002", pdata(iStr(0x01, a.id), iStr(0x02, a.name), iBin(0x07, sA)),
				pdata(iStr(0x01, b.id), iStr(0x02, b.name), iBin(0x07, sB)))},

		// Mediation. MH3SP grants every lock and lists 14 free "Test"
		// entries; mh3net keeps who holds what (deliberate), in the same
		// layout.
		{name: "ReqLayerMediationList (all free: MH3SP's bytes)", conn: a.conn,
			req: frame(24, 0x64820100, "0000"), want: frame(24, 0x64820200, mediation(""))},
		{name: "ReqLayerMediationLock → granted", conn: a.conn,
			req: frame(25, 0x64800100, "01 00"), want: frame(25, 0x64800200, "01")},
		{name: "B: ReqLayerMediationLock of a held seat → refused (deliberate)", conn: b.conn,
			req: frame(12, 0x64800100, "01 00"), want: frame(12, 0x64800200, "00")},
		{name: "B: ReqLayerMediationList shows the holder (deliberate)", conn: b.conn,
			req: frame(13, 0x64820100, "0000"), want: frame(13, 0x64820200, mediation(a.id))},
		{name: "ReqLayerMediationUnlock", conn: a.conn,
			req: frame(26, 0x64810100, "01 00"), want: frame(26, 0x64810200, "01")},

		// Relays: stamped with the sender, to the layer but the sender,
		// with the notification's own seq.
		{name: "NtcLayerUserPosition", conn: a.conn, ntc: true,
			req:    frame(27, 0x64711000, "0102030405"),
			pushes: []fmpPush{toRoom("s1.g1.c1", a.conn, frame(27, 0x64711000, lp2(a.id), "0102030405"))}},
		{name: "NtcLayerBinary", conn: a.conn, ntc: true,
			req: frame(28, 0x64701000, "00", "aabbcc"),
			pushes: []fmpPush{toRoom("s1.g1.c1", a.conn, frame(28, 0x64701000, lp2(a.id),
				pdata(iLong(0x01, 0x12345678), iStr(0x02, a.id), iStr(0x03, a.name)), "aabbcc"))}},
		{name: "NtcLayerBinary2 to B", conn: a.conn, ntc: true,
			req: frame(29, 0x64751000, lp2(b.id), "00", "ddee"),
			pushes: []fmpPush{toConn(b.conn, frame(29, 0x64751000, lp2(a.id),
				pdata(iStr(0x02, a.id), iStr(0x03, a.name)), "ddee"))}},
		{name: "NtcLayerChat in a city → colour FFFFFFFF", conn: a.conn, ntc: true,
			req: frame(30, 0x64721000, "01", pdata(iLong(0x01, 0), iLong(0x02, 0), iStr(0x03, ""), iStr(0x04, "")), lp2("hi")),
			pushes: []fmpPush{toRoom("s1.g1.c1", a.conn, frame(30, 0x64721000, "01",
				pdata(iLong(0x01, 0xFFFFFFFF), iLong(0x02, 0), iStr(0x03, a.id), iStr(0x04, a.name)), lp2("hi")))}},
		{name: "ReqLayerTell → AnsLayerTell, NtcLayerTell to both", conn: a.conn,
			req:    frame(31, 0x64730100, lp2(b.id), pdata(iLong(0x01, 0xFFFFFFFF), iStr(0x03, ""), iStr(0x04, "")), lp2("psst")),
			want:   frame(31, 0x64730200) + frame(31, 0x64731000, lp2(b.id), tellInfo, lp2("psst")),
			pushes: []fmpPush{toConn(b.conn, frame(31, 0x64731000, lp2(b.id), tellInfo, lp2("psst")))}},

		// Searches from the gate.
		{name: "C: ReqLayerUserSearchHead (gate 1)", conn: c.conn,
			req:  frame(6, 0x64670100, "01", lp2h(gate1), lp2(""), lp2(""), "00000000 00000000", "00000001 0000000a 03 010203"),
			want: frame(6, 0x64670200, "00000000 00000003")},
		{name: "C: ReqLayerUserSearchData (the gate's, then the city's)", conn: c.conn,
			req: frame(7, 0x64680100, "00000001 0000000a"),
			want: frame(7, 0x64680200, "00000000 00000003",
				pdata(iStr(0x01, c.id), iStr(0x02, c.name), iBin(0x03, gate1)), optC,
				pdata(iStr(0x01, a.id), iStr(0x02, a.name), iBin(0x03, city1)), optA,
				pdata(iStr(0x01, b.id), iStr(0x02, b.name), iBin(0x03, city1)), optB)},
		{name: "C: ReqLayerUserSearchFoot", conn: c.conn,
			req: frame(8, 0x64690100), want: frame(8, 0x64690200)},
		// Searched with a city's path, MH3SP lists the gate's own hunters
		// and that city's (city 2: no one).
		{name: "C: ReqLayerUserSearchHead (city 2)", conn: c.conn,
			req:  frame(20, 0x64670100, "01", lp2h(layerPathHex(1, 1, 2)), lp2(""), lp2(""), "00000000 00000000", "00000001 0000000a 03 010203"),
			want: frame(20, 0x64670200, "00000000 00000001")},
		{name: "C: ReqLayerUserSearchData (city 2)", conn: c.conn,
			req: frame(21, 0x64680100, "00000001 0000000a"),
			want: frame(21, 0x64680200, "00000000 00000001",
				pdata(iStr(0x01, c.id), iStr(0x02, c.name), iBin(0x03, gate1)), optC)},
		{name: "C: ReqLayerDetailSearchHead (HR limit 5)", conn: c.conn,
			req: frame(9, 0x64900100, "00", "00000000 00000001 020105 00000005", "00000001 0000000a",
				"0e 010203050607090b0c1011121516", "02 0102"),
			want: frame(9, 0x64900200, "00000000 00000001 00000000")},
		{name: "C: ReqLayerDetailSearchData (index from 0, members)", conn: c.conn,
			req: frame(10, 0x64910100, "00000001 0000000a"),
			want: frame(10, 0x64910200, "00000000 00000001", cityLD(0, 1, 2, 3, city1), cityOpt, "00000002",
				pdata(iStr(0x01, a.id), iStr(0x02, a.name)), optA,
				pdata(iStr(0x01, b.id), iStr(0x02, b.name)), optB)},
		{name: "C: ReqLayerDetailSearchFoot", conn: c.conn,
			req: frame(11, 0x64920100), want: frame(11, 0x64920200)},

		// Departures, seq 0: host hand-over and NtcLayerOut to the city,
		// numbers (and the entry when it emptied) to the gate.
		{name: "ReqLayerUp from the city: NtcLayerHost, NtcLayerOut, NtcLayerUserNum", conn: a.conn,
			req: frame(32, 0x64150100), want: frame(32, 0x64150200),
			pushes: []fmpPush{
				toRoom("s1.g1.c1", a.conn, frame(0, 0x64411000, "0008 00000000 00000000", lp2(b.id), lp2(b.name))),
				toRoom("s1.g1.c1", a.conn, frame(0, 0x64151000, lp2(a.id))),
				toRoom("s1.g1", a.conn, frame(0, 0x64031000, userNum(1, 1))),
			}},
		{name: "B: ReqLayerEnd from the city, last one out: NtcLayerOut, UserNum, InfoSet", conn: b.conn,
			req: frame(14, 0x64020100), want: frame(14, 0x64020200),
			pushes: []fmpPush{
				toRoom("s1.g1.c1", b.conn, frame(0, 0x64151000, lp2(b.id))),
				toRoom("s1.g1", b.conn, frame(0, 0x64031000, userNum(1, 0))),
				toRoom("s1.g1", b.conn, frame(0, 0x64201000, lp2h(city1), cityLD(1, 1, 0, 1, city1), "00")),
			}},
		{name: "C: ReqLayerUp from the gate → NtcLayerOut", conn: c.conn,
			req: frame(12, 0x64150100), want: frame(12, 0x64150200),
			pushes: []fmpPush{toRoom("s1.g1", c.conn, frame(0, 0x64151000, lp2(c.id)))}},
		{name: "C: ReqLayerEnd at the server level tells no one", conn: c.conn,
			req: frame(13, 0x64020100), want: frame(13, 0x64020200)},

		// The server list in game.
		{name: "ReqFmpListVersion2", conn: a.conn,
			req: frame(33, 0x63100100), want: frame(33, 0x63100200, "00000001")},
		{name: "ReqFmpListHead2", conn: a.conn,
			req:  frame(34, 0x63110100, "00000001 00000001 0000000c 09 0102030708090a0b0c"),
			want: frame(34, 0x63110200, "00000000 0000000c")},
		// B and C ended their layers (LayerEnd): as MH3SP's leave_server,
		// only A, still at the gate, counts on Valor1.
		{name: "ReqFmpListData2 (one on Valor1: B and C left it by LayerEnd)", conn: a.conn,
			req:  frame(35, 0x63120100, "00000001 00000001"),
			want: frame(35, 0x63120200, "00000000 00000001", fmpServerEntry(1, "Valor1", 1, 1)),
			before: func(t *testing.T) {
				waitFor(t, "one hunter online on server 1", func() bool { return r.s.population(wireNow)[1] == 1 })
			}},
		{name: "ReqFmpListFoot2", conn: a.conn,
			req: frame(36, 0x63130100), want: frame(36, 0x63130200)},
		// Deliberate: the rank is checked against the server type.
		{name: "ReqFmpInfo2 of a server above the hunter's rank → AnsAlert", conn: a.conn,
			req: frame(37, 0x63140100, "00000005 02 0203"), want: frame(37, 0x63140201, "00000001", lp2(textRankOutside))},
		// MH3SP sends no notice on a server change; mh3net takes the
		// hunter out of its gate (NtcLayerOut, seq 0) instead of leaving
		// a ghost there.
		{name: "ReqFmpInfo2 from a gate → the address, NtcLayerOut to the gate", conn: a.conn,
			req:    frame(38, 0x63140100, "00000002 02 0203"),
			want:   frame(38, 0x63140200, "02 0205 0009", hx("127.0.0.1"), "0302 200a"),
			pushes: []fmpPush{toRoom("s1.g1", a.conn, frame(0, 0x64151000, lp2(a.id)))}},
	}
}

func lp2h(h string) string {
	h = compact(h)
	return u16h(len(h)/2) + h
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loginForFMP plays LMP for a new console up to the choice of server 1
// and the connection's close, as the game does before it goes to FMP.
func (r *rig) loginForFMP(t *testing.T, h *fmpHunter) {
	t.Helper()
	r.send("lmp", h.lmp, h.lmp+".1", 1, &pat.AnsConnection{})
	r.send("lmp", h.lmp, h.lmp+".2", 2, &pat.ReqLoginInfo{})
	h.ticket = ticketOf(t, r.send("lmp", h.lmp, h.lmp+".3", 3, &pat.ReqTicket{}))
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte(h.name))
	var uo pat.AnsUserObject
	if err := pat.Unmarshal(r.send("lmp", h.lmp, h.lmp+".4", 4, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})[0].Payload, &uo); err != nil {
		t.Fatal(err)
	}
	h.id = string(uo.User.Bytes(pat.UserCapcomID))
	r.send("lmp", h.lmp, h.lmp+".5", 5, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}})
	r.closed("lmp", h.lmp)
}

// settle waits until the handlers' views (the world, the hunters'
// display binaries) hold everything written so far, so that lists and
// notifications computed from them are deterministic.
func (r *rig) settle(t *testing.T, ids ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.s.view.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var p HunterProfile
		_, found, err := getJSON(ctx, r.s.kv.hunters, kvKey(id), &p)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "display binary of "+id, func() bool {
			v, ok := r.s.hunters.get(kvKey(id))
			return ok == found && bytes.Equal(v.Settings, p.Settings)
		})
	}
}

func TestFMPWire(t *testing.T) {
	r := newRigWith(t, func(c *Config) {
		c.Now = func() time.Time { return wireNow }
		c.Lease = time.Hour // no sweep of the edge-less test connections
	})
	got := make(chan *nats.Msg, 256)
	for _, subject := range []string{bus.RoomPrefix + ">", bus.ConnPrefix + ">"} {
		sub, err := r.nc.ChanSubscribe(subject, got)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	a := fmpHunter{name: "Alpha", lmp: "lA", conn: "fA"}
	b := fmpHunter{name: "Bravo", lmp: "lB", conn: "fB"}
	c := fmpHunter{name: "Charlie", lmp: "lC", conn: "fC"}
	for _, h := range []*fmpHunter{&a, &b, &c} {
		r.loginForFMP(t, h)
	}
	r.nc.Flush()
	for len(got) > 0 { // LMP's own traffic is pinned elsewhere
		<-got
	}

	// member is what an edge holds per connection and sends with its
	// packets: the layer room and the tag, as the handlers set them.
	member := map[string]nats.Header{}
	for i, tc := range fmpCases(r, a, b, c) {
		if tc.before != nil {
			tc.before(t)
		}
		r.settle(t, a.id, b.id, c.id)
		raw := mustHex(t, tc.req)
		if h, err := pat.ParseHeader(raw, 0); err != nil || int(h.Size) != len(raw)-pat.HeaderSize {
			t.Fatalf("%s: request frame of %d bytes announces %d (%v)", tc.name, len(raw), h.Size, err)
		}
		subject := bus.RequestSubject("fmp")
		if tc.ntc {
			subject = bus.NtcSubject("fmp")
		}
		msg := nats.NewMsg(subject)
		msg.Data = raw
		msg.Header.Set(bus.HeaderConn, tc.conn)
		msg.Header.Set(bus.HeaderReq, fmt.Sprintf("%s.%d", tc.conn, i))
		for k, v := range member[tc.conn] {
			msg.Header[k] = v
		}
		if tc.ntc {
			if err := r.nc.PublishMsg(msg); err != nil {
				t.Fatal(err)
			}
		} else {
			reply, err := r.request(tc.conn, msg)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if e := reply.Header.Get(bus.HeaderError); e != "" {
				t.Fatalf("%s: handler failed: %s", tc.name, e)
			}
			if err := matchPattern(tc.want, reply.Data); err != nil {
				t.Errorf("%s: %v\n got  %x\n want %s", tc.name, err, reply.Data, compact(tc.want))
			}
			for _, k := range bus.MembershipHeaders {
				if v, ok := reply.Header[k]; ok {
					if member[tc.conn] == nil {
						member[tc.conn] = nats.Header{}
					}
					member[tc.conn][k] = v
				}
			}
		}
		for _, p := range tc.pushes {
			select {
			case m := <-got:
				if m.Subject != p.subject || m.Header.Get(bus.HeaderSkip) != p.skip {
					t.Errorf("%s: push to %s skipping %q, want %s skipping %q (%x)", tc.name, m.Subject, m.Header.Get(bus.HeaderSkip), p.subject, p.skip, m.Data)
					continue
				}
				if err := matchPattern(p.want, m.Data); err != nil {
					t.Errorf("%s: push to %s: %v\n got  %x\n want %s", tc.name, p.subject, err, m.Data, compact(p.want))
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no push to %s", tc.name, p.subject)
			}
		}
		if !tc.ntc {
			// A request's pushes are published before its answer.
			for len(got) > 0 {
				m := <-got
				t.Errorf("%s: unexpected push to %s skipping %q: %x", tc.name, m.Subject, m.Header.Get(bus.HeaderSkip), m.Data)
			}
		}
	}
	r.nc.Flush()
	for len(got) > 0 {
		m := <-got
		t.Errorf("unexpected push to %s: %x", m.Subject, m.Data)
	}
}
