package handlers

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// The exact bytes of every answer sent at login: OPN, LMP, RFP, the
// packets every server shares (0x60), and the server list and binaries as
// FMP serves them. Each request is a real frame as the game sends it,
// through NATS to the running handlers; each expectation is the whole
// answer (header: size, echoed seq, id; then the payload), written from
// MH3SP's layouts (mh/pat.py, mh/pat_item.py).
//
// Pattern syntax: hex bytes, spaces ignored; "**" is one byte of MH3SP's
// identifier alphabet [0-9A-Z] (support codes, tickets and Capcom IDs are
// random there); ".." is any byte.

// wireNow is the handlers' clock in this test, so server time is pinned.
var wireNow = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC) // 0x65A47580

type wireCase struct {
	name   string
	server string
	conn   string
	req    string // the request frame, hex
	want   string // the answer frames, a pattern; "" = no answer at all
	close  bool   // the connection closes after the answer
	// check replaces want for an answer whose text is not a layout fact.
	check func(t *testing.T, reply *nats.Msg)
}

// hx is the hex of a text.
func hx(s string) string { return hex.EncodeToString([]byte(s)) }

func u16h(n int) string { return fmt.Sprintf("%04x", n) }
func u32h(n int) string { return fmt.Sprintf("%08x", n) }

// idChars is n bytes of the identifier alphabet.
func idChars(n int) string { return strings.Repeat("**", n) }

// ConnectionData as a US game (RMHE08) sends it on its first contact:
// no support code, no ticket. 57 bytes.
var connData = "08 0303 00000003 0403 00000002 0503 00000031 0603 00000000 0705 000a " + hx("1001301045") +
	" 0803 00004000 0903 00000031 0a03 00000001"

// ConnectionData carrying a PAT ticket (a later connection). 30 bytes.
var connDataTicket = "02 0206 000b " + hx("ABCDEFGHIJK") + " 0705 000a " + hx("1001301045")

// fmpEntry is one FmpData of the server list: nine fields in MH3SP's
// order, for a server on the configured FMP address 127.0.0.1:8202, empty,
// with capacity 2000. 61 bytes plus the name.
func fmpEntry(index int, name string, typ int) string {
	return "09 0103 " + u32h(index) + " 0205 0009 " + hx("127.0.0.1") + " 0302 200a 0704 " + fmt.Sprintf("%016x", typ) +
		" 0803 00000000 0903 000007d0 0a05 " + u16h(len(name)) + hx(name) + " 0b05 0001 " + hx("X") + " 0c03 12345678"
}

func wireCases() []wireCase {
	tx := DefaultTexts()
	text := func(seq, id, s string) string { // an answer made of one lp2 text
		return u16h(2+len(s)) + " " + seq + " " + id + " " + u16h(len(s)) + hx(s)
	}
	offline := "<LF=8><BODY><CENTER>Server is offline.<END>"
	blank := func(slot int) string { return "02 0103 " + u32h(slot) + " 0205 0006 " + hx("******") }
	return []wireCase{
		// OPN, over TLS in real life: the game's first server.
		{name: "OPN AnsConnection → NtcLogin 5", server: "opn", conn: "opn1",
			req: "0039 0001 60200200 " + connData, want: "0001 0001 60211000 05"},
		{name: "ReqAuthenticationToken", server: "opn", conn: "opn1",
			req:  "0018 0002 62600100 0016 " + hx("NDSTESTTOKEN0123456789"),
			want: "0000 0002 62600200"},
		{name: "ReqTermsVersion", server: "opn", conn: "opn1",
			req: "0000 0003 62100100", want: "0008 0003 62100200 00000001 " + u32h(len(tx.Terms))},
		{name: "ReqTerms", server: "opn", conn: "opn1",
			req:  "000c 0004 62110100 00000001 00000000 00000010",
			want: "001a 0004 62110200 00000000 00000010 0010 " + hx(tx.Terms[:16])},
		{name: "ReqSubTermsInfo", server: "opn", conn: "opn1",
			req: "0001 0005 62130100 01", want: "0009 0005 62130200 00000001 01 " + u32h(len(tx.SubTerms))},
		{name: "ReqSubTerms", server: "opn", conn: "opn1",
			req:  "000d 0006 62140100 00000001 01 00000000 00000400",
			want: u16h(11+len(tx.SubTerms)) + " 0006 62140200 01 00000000 00000400 " + u16h(len(tx.SubTerms)) + hx(tx.SubTerms)},
		{name: "ReqMaintenance", server: "opn", conn: "opn1",
			req: "0000 0007 62200100", want: text("0007", "62200200", tx.Maintenance)},
		{name: "ReqAnnounce", server: "opn", conn: "opn1",
			req: "0000 0008 62300100", want: text("0008", "62300200", tx.Announce)},
		{name: "ReqNoCharge", server: "opn", conn: "opn1",
			req: "0000 0009 62310100", want: text("0009", "62310200", tx.NoCharge)},
		{name: "ReqVulgarityInfoHighJAP", server: "opn", conn: "opn1",
			req: "0000 000a 62500100", want: "0008 000a 62500200 00000001 00000000"},
		{name: "ReqVulgarityInfoLowJAP", server: "opn", conn: "opn1",
			req: "0000 000b 62520100", want: "0008 000b 62520200 00000001 00000000"},
		{name: "ReqVulgarityInfoLow", server: "opn", conn: "opn1",
			req: "0004 000c 62560100 00000003", want: "000c 000c 62560200 00000001 00000003 00000000"},
		{name: "ReqVulgarityLow", server: "opn", conn: "opn1",
			req:  "0010 000d 62570100 00000001 00000003 00000000 00000100",
			want: "000e 000d 62570200 00000003 00000000 00000100 0000"},
		{name: "ReqCommonKey → empty AnsAuthenticationToken", server: "opn", conn: "opn1",
			req: "0000 000e 60700100", want: "0000 000e 62600200"},
		// MH3SP has no answer to a client's ReqLineCheck (the game answers
		// the server's); mh3net answers it, which costs nothing.
		{name: "ReqLineCheck", server: "opn", conn: "opn1",
			req: "0000 000f 60010100", want: "0000 000f 60010200"},
		// The game asks the time on LMP and FMP; MH3SP answers it on
		// every server, OPN too.
		{name: "ReqServerTime", server: "lmp", conn: "opn1",
			req: "0004 0010 60020100 00000031", want: "0008 0010 60020200 65a47580 65a47580"},
		{name: "ReqServerTime on OPN", server: "opn", conn: "opn1",
			req: "0004 0010 60020100 00000031", want: "0008 0010 60020200 65a47580 65a47580"},
		{name: "NtcCollectionLog has no answer", server: "opn", conn: "opn1",
			req: "0013 0011 60501000 03 0103 80050037 0203 00000000 0303 0000001e", want: ""},
		{name: "ReqLmpConnect", server: "opn", conn: "opn1",
			req: "0000 0012 62010100", want: "000d 0012 62010200 0009 " + hx("127.0.0.1") + " 2009"},
		{name: "OPN ReqShut", server: "opn", conn: "opn1",
			req: "0001 0013 60100100 02", want: "0001 0013 60100200 02", close: true},

		// RFP: started by MH3SP with the generic handler, never used.
		{name: "RFP AnsConnection → NtcLogin 5", server: "rfp", conn: "rfp1",
			req: "0039 0001 60200200 " + connData, want: "0001 0001 60211000 05"},

		// LMP: login, profiles, the server list.
		{name: "LMP AnsConnection without ticket → NtcLogin 1", server: "lmp", conn: "lmp1",
			req: "0039 0001 60200200 " + connData, want: "0001 0001 60211000 01"},
		{name: "ReqLoginInfo", server: "lmp", conn: "lmp1",
			req:  "001b 0002 61010100 01 0a05 0016 " + hx("NDSTESTTOKEN0123456789"),
			want: "001d 0002 61010200 01 000a " + hx("dummy_data") + " 01 0705 000b " + idChars(11)},
		{name: "ReqTicket", server: "lmp", conn: "lmp1",
			req: "0000 0003 60300100", want: "000d 0003 60300200 000b " + idChars(11)},
		{name: "ReqChargeInfo", server: "lmp", conn: "lmp1",
			req:  "0001 0004 61020100 01",
			want: "0023 0004 61020200 04 0103 00015180 0203 00015180 0506 0003 " + hx("Cid") + " 0705 000b " + idChars(11)},
		{name: "ReqUserListHead", server: "lmp", conn: "lmp1",
			req: "000c 0005 61100100 00000001 00000006 03 010203", want: "0008 0005 61100200 00000001 00000006"},
		{name: "ReqUserObject", server: "lmp", conn: "lmp1",
			req: "0015 0006 61200100 01 00000001 02 0103 00000001 0305 0005 " + hx("Gobul"),
			want: "0030 0006 61200200 01 000f " + hx("Unk_UserObj_str") + " 00000000 03 0103 00000001 0305 0005 " + hx("Gobul") +
				" 0205 0006 " + idChars(6)},
		{name: "ReqUserListData", server: "lmp", conn: "lmp1",
			req: "0008 0007 61110100 00000001 00000006",
			want: "0077 0007 61110200 00000001 00000006 03 0103 00000001 0205 0006 " + idChars(6) + " 0305 0005 " + hx("Gobul") +
				blank(2) + blank(3) + blank(4) + blank(5) + blank(6)},
		{name: "ReqUserListFoot", server: "lmp", conn: "lmp1",
			req: "0000 0008 61120100", want: "0000 0008 61120200"},
		{name: "ReqFmpListVersion", server: "lmp", conn: "lmp1",
			req: "0000 0009 61300100", want: "0004 0009 61300200 00000001"},
		{name: "ReqFmpListHead", server: "lmp", conn: "lmp1",
			req:  "0016 000a 61310100 00000001 00000001 0000000c 09 0102030708090a0b0c",
			want: "0008 000a 61310200 00000000 0000000c"},
		{name: "ReqFmpListData", server: "lmp", conn: "lmp1",
			req:  "0008 000b 61320100 00000001 00000002",
			want: "008e 000b 61320200 00000000 00000002 " + fmpEntry(1, "Valor1", 1) + fmpEntry(2, "Valor2", 1)},
		{name: "ReqFmpListFoot", server: "lmp", conn: "lmp1",
			req: "0000 000c 61330100", want: "0000 000c 61330200"},
		{name: "ReqFmpInfo", server: "lmp", conn: "lmp1",
			req: "0007 000d 61340100 00000001 02 0203", want: "0012 000d 61340200 02 0205 0009 " + hx("127.0.0.1") + " 0302 200a"},
		{name: "ReqFmpInfo of a missing server → AnsAlert", server: "lmp", conn: "lmp1",
			req:  "0007 000e 61340100 00000063 02 0203",
			want: u16h(6+len(offline)) + " 000e 61340201 00000001 " + u16h(len(offline)) + hx(offline)},
		{name: "LMP ReqShut", server: "lmp", conn: "lmp1",
			req: "0001 000f 60100100 02", want: "0001 000f 60100200 02", close: true},
		{name: "LMP AnsConnection with ticket → NtcLogin 2", server: "lmp", conn: "lmp2",
			req: "001e 0001 60200200 " + connDataTicket, want: "0001 0001 60211000 02"},

		// FMP: the in-game copies of the server list, and the binaries.
		{name: "FMP AnsConnection → NtcLogin 3", server: "fmp", conn: "fmp1",
			req: "001e 0001 60200200 " + connDataTicket, want: "0001 0001 60211000 03"},
		{name: "ReqFmpListVersion2", server: "fmp", conn: "fmp1",
			req: "0000 0002 63100100", want: "0004 0002 63100200 00000001"},
		{name: "ReqFmpListHead2", server: "fmp", conn: "fmp1",
			req:  "0016 0003 63110100 00000001 00000001 0000000c 09 0102030708090a0b0c",
			want: "0008 0003 63110200 00000000 0000000c"},
		{name: "ReqFmpListData2", server: "fmp", conn: "fmp1",
			req:  "0008 0004 63120100 00000005 00000001",
			want: "004f 0004 63120200 00000000 00000001 " + fmpEntry(5, "Beginners1", 2)},
		{name: "ReqFmpListFoot2", server: "fmp", conn: "fmp1",
			req: "0000 0005 63130100", want: "0000 0005 63130200"},
		{name: "ReqFmpInfo2", server: "fmp", conn: "fmp1",
			req: "0007 0006 63140100 00000002 02 0203", want: "0012 0006 63140200 02 0205 0009 " + hx("127.0.0.1") + " 0302 200a"},
		{name: "ReqBinaryVersion", server: "fmp", conn: "fmp1",
			req: "0001 0007 63010100 05", want: "0005 0007 63010200 00 00000001"},
		{name: "ReqBinaryHead", server: "fmp", conn: "fmp1",
			req: "0001 0008 63020100 05", want: "0008 0008 63020200 00000001 00000010"},
		{name: "ReqBinaryData", server: "fmp", conn: "fmp1",
			req:  "000d 0009 63030100 05 00000001 00000004 00000008",
			want: "0016 0009 63030200 00000001 00000004 00000008 0008 " + hx("55555555")},
		{name: "ReqBinaryFoot", server: "fmp", conn: "fmp1",
			req: "0001 000a 63040100 05", want: "0000 000a 63040200"},

		// A request the handler refuses: NtcShut with seq 0, then close.
		// The text is mh3net's own; its layout is pinned.
		{name: "refused request → NtcShut", server: "fmp", conn: "fmp1",
			req: "0008 000b 63120100 00000000 00000001", close: true, check: checkErrorShut},
	}
}

// checkErrorShut checks an error NtcShut: seq 0, has_message 1, an lp2
// text in the game's markup of at most 0x200 bytes, nothing else.
func checkErrorShut(t *testing.T, reply *nats.Msg) {
	t.Helper()
	if len(reply.Data) < 11 {
		t.Fatalf("NtcShut of %d bytes", len(reply.Data))
	}
	if err := matchPattern(".... 0000 60101000 01", reply.Data[:9]); err != nil {
		t.Fatalf("NtcShut header: %v (% x)", err, reply.Data)
	}
	size := int(reply.Data[0])<<8 | int(reply.Data[1])
	n := int(reply.Data[9])<<8 | int(reply.Data[10])
	msg := string(reply.Data[11:])
	if size != len(reply.Data)-pat.HeaderSize || n != len(msg) || n > pat.MaxShutMessage ||
		!strings.HasPrefix(msg, "<LF=2><BODY><CENTER>") || !strings.HasSuffix(msg, "<END>") {
		t.Fatalf("NtcShut frame size %d, text of %d bytes: %q", size, n, msg)
	}
	if reply.Header.Get(bus.HeaderError) == "" {
		t.Error("no error header for the edge's log")
	}
}

// matchPattern compares got with a pattern (see the top of this file).
func matchPattern(pattern string, got []byte) error {
	p := strings.Join(strings.Fields(pattern), "")
	if len(p)%2 != 0 {
		return fmt.Errorf("pattern has an odd number of digits")
	}
	if len(got) != len(p)/2 {
		return fmt.Errorf("%d bytes, want %d", len(got), len(p)/2)
	}
	for i := range got {
		tok := p[2*i : 2*i+2]
		switch tok {
		case "..":
		case "**":
			if !strings.ContainsRune(charset, rune(got[i])) {
				return fmt.Errorf("byte %d is %#02x, want one of [0-9A-Z]", i, got[i])
			}
		default:
			b, err := hex.DecodeString(tok)
			if err != nil {
				return fmt.Errorf("pattern: %w", err)
			}
			if got[i] != b[0] {
				return fmt.Errorf("byte %d is %02x, want %s", i, got[i], tok)
			}
		}
	}
	return nil
}

func TestWireAnswers(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Now = func() time.Time { return wireNow } })
	for i, tc := range wireCases() {
		frame := mustHex(t, tc.req)
		if h, err := pat.ParseHeader(frame, 0); err != nil || int(h.Size) != len(frame)-pat.HeaderSize {
			t.Fatalf("%s: request frame of %d bytes announces %d (%v)", tc.name, len(frame), h.Size, err)
		}
		reply := r.sendFrame(tc.server, tc.conn, fmt.Sprintf("%s.%d", tc.conn, i), frame)
		if got := reply.Header.Get(bus.HeaderClose) != ""; got != tc.close {
			t.Errorf("%s: close after the answer = %v, want %v", tc.name, got, tc.close)
		}
		if tc.check != nil {
			tc.check(t, reply)
			continue
		}
		if err := matchPattern(tc.want, reply.Data); err != nil {
			t.Errorf("%s: %v\n got  %x\n want %s", tc.name, err, reply.Data, strings.Join(strings.Fields(tc.want), ""))
		}
	}
}

// A request larger than its layout can be is refused as malformed before
// it is decoded: the connection gets the error NtcShut and the log is left
// alone.
func TestOversizedRequestIsMalformed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	before, err := r.st.LastPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A ReqUserObject whose UserObject carries a 15 KB hunter name: under
	// the edge's frame limit, far over what the layout can hold (0x200).
	name := strings.Repeat("A", 15000)
	var user pat.Data
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserHunterName, []byte(name))
	r.send("lmp", "big", "big.1", 1, &pat.AnsConnection{})
	frame, err := pat.AppendMessage(nil, 2, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user})
	if err != nil {
		t.Fatal(err)
	}
	if len(frame)-pat.HeaderSize > pat.DefaultMaxPayload || len(frame)-pat.HeaderSize <= pat.MaxRequestPayload(pat.IDReqUserObject) {
		t.Fatalf("a payload of %d bytes does not test the limit", len(frame)-pat.HeaderSize)
	}
	reply := r.sendFrame("lmp", "big", "big.2", frame)
	checkErrorShut(t, reply)
	if h := reply.Header.Get(bus.HeaderClose); h == "" {
		t.Error("connection not closed")
	}
	if e := reply.Header.Get(bus.HeaderError); !strings.Contains(e, errBadPacket.Error()) {
		t.Errorf("error %q, want a malformed packet", e)
	}
	after, err := r.st.LastPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("the log moved from %d to %d", before, after)
	}
	// The same request with a real name is served and appends (a console
	// and a profile), so the limit is what kept the log still above.
	user.SetString(pat.UserHunterName, []byte("Gobul"))
	if ps := r.send("lmp", "big", "big.3", 3, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user}); len(ps) != 1 || ps[0].ID != pat.IDAnsUserObject {
		t.Fatalf("normal ReqUserObject answered %v", ps)
	}
	if after, err = r.st.LastPosition(ctx); err != nil || after == before {
		t.Fatalf("the log did not move after a normal ReqUserObject (%d, %v)", after, err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// first+count of a list request is summed without wrapping around: a
// huge count lists every server (as MH3SP's slice does), and user-list
// indices past 0xFFFFFFFF are refused.
func TestListIndicesDoNotWrap(t *testing.T) {
	r := newRig(t)
	ps := r.send("lmp", "w1", "w1.1", 1, &pat.ReqFmpListData{First: 1, Count: 0xFFFFFFFF})
	var list pat.AnsFmpListData
	if len(ps) != 1 || pat.Unmarshal(ps[0].Payload, &list) != nil {
		t.Fatalf("answer %v", ps)
	}
	if list.Count != 0xFFFFFFFF || len(list.Servers) != len(r.s.cfg.World.Servers) {
		t.Fatalf("count %d with %d servers, want every one of %d", list.Count, len(list.Servers), len(r.s.cfg.World.Servers))
	}
	reply := r.sendFrame("lmp", "w1", "w1.2", mustHex(t, "0008 0002 61110100 ffffffff 00000006"))
	checkErrorShut(t, reply)
}
