package transcript

import (
	"fmt"
	"strings"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// login: a new console's whole first login, OPN → LMP → LMP → FMP, and a
// walk through the FMP world alone: lists, a gate, a city made and left,
// mediation, the in-game server list and a server change.
func (t *tape) login() {
	con := &gameclient.Console{}
	o := t.greet("opn", t.cfg.OPN, con, false, true)
	t.msg(o, &pat.ReqAuthenticationToken{Token: []byte("nas-token")})
	t.msg(o, &pat.ReqTermsVersion{})
	t.msg(o, &pat.ReqTerms{Version: 1, Offset: 0, Size: 16})
	t.msg(o, &pat.ReqSubTermsInfo{Selector: 1})
	t.msg(o, &pat.ReqSubTerms{Version: 1, Selector: 1, Offset: 0, Size: 16})
	t.msg(o, &pat.ReqAnnounce{})
	t.msg(o, &pat.ReqNoCharge{})
	t.msg(o, &pat.ReqVulgarityInfoHighJAP{})
	t.msg(o, &pat.ReqVulgarityInfoLowJAP{})
	t.msg(o, &pat.ReqVulgarityInfoLow{Info: 1})
	t.msg(o, &pat.ReqVulgarityLow{Info: 1, Offset: 0, Size: 16})
	t.msg(o, &pat.ReqCommonKey{})
	var lc pat.AnsLmpConnect
	answer(t.msg(o, &pat.ReqLmpConnect{}), pat.IDAnsLmpConnect, &lc)
	t.msg(o, &pat.ReqServerTime{ConvertedCountryCode: 0x31})
	t.msg(o, &pat.ReqShut{Type: 2})
	t.leave(o)
	lmp := gameclient.Addr(lc.Address, lc.Port)

	l := t.greet("lmp1", lmp, con, false, false)
	var li pat.AnsLoginInfo
	answer(t.msg(l, &pat.ReqLoginInfo{}), pat.IDAnsLoginInfo, &li)
	con.SupportCode = string(li.ChargeInfo.Bytes(pat.ChargeOnlineSupportCode))
	t.msg(l, &pat.ReqChargeInfo{Type: 1})
	t.msg(l, &pat.ReqServerTime{ConvertedCountryCode: 0x31})
	t.ticketAndSlots(l, con)

	l2 := t.greet("lmp2", lmp, con, true, false)
	var u pat.Data
	u.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserCapcomID, []byte("******")).SetString(pat.UserHunterName, []byte("Conf"))
	var uo pat.AnsUserObject
	answer(t.msg(l2, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: u}), pat.IDAnsUserObject, &uo)
	t.msg(l2, &pat.ReqFmpListVersion{})
	t.msg(l2, &pat.ReqFmpListHead{Version: 1, First: 1, Count: 12, Fields: []byte{1, 2, 3, 7, 8, 9, 0x0a, 0x0b, 0x0c}})
	t.msg(l2, &pat.ReqFmpListData{First: 1, Count: 12})
	t.msg(l2, &pat.ReqFmpListFoot{})
	var fi pat.AnsFmpInfo
	answer(t.msg(l2, &pat.ReqFmpInfo{Index: 1, Fields: []byte{pat.FmpAddress, pat.FmpPort}}), pat.IDAnsFmpInfo, &fi)
	t.msg(l2, &pat.ReqShut{Type: 2})
	t.leave(l2)

	f := t.greet("fmp", gameclient.Addr(fi.Data.Bytes(pat.FmpAddress), uint16(fi.Data.Num(pat.FmpPort))), con, true, false)
	t.known(f, string(uo.User.Bytes(pat.UserCapcomID)))
	stats := "0032000000" + strings.Repeat("00", pat.HunterSettingsSize-5)
	for _, s := range []struct {
		id      uint32
		payload string
	}{
		{0x66370100, "00"},                     // UserSearchInfoMine
		{0x64010100, "00 00"},                  // LayerStart
		{0x60020100, "00000031"},               // ServerTime
		{0x63010100, "01"}, {0x63010100, "05"}, // BinaryVersion
		{0x63020100, "05"}, {0x63030100, "05 00000001 00000000 00000020"}, {0x63040100, "05"},
		{0x66310100, fmt.Sprintf("00000000 %04x %s", pat.HunterSettingsSize, stats)}, // UserBinarySet
		{0x66300100, "02 0101 00000001 0200"},                                        // UserSearchSet
		{0x66400100, "01 090104"},                                                    // UserStatusSet
		{0x65800100, "00 00"},                                                        // CircleInfoNoticeSet
		{0x66540100, "00000001 00000064 03 010203"},                                  // FriendList
		{0x66620100, "00000001 00000064 03 010203"},                                  // BlackList
		{0x64240100, "00000001 00000028 0a 01020305060709101112"},                    // LayerChildListHead
		{0x64250100, "00000001 00000028"},
		{0x64260100, ""},
		{0x64230100, "0001 00"},                                   // LayerChildInfo
		{0x64140100, "0001 00"},                                   // LayerDown into gate 1
		{0x64270100, "00000001 00000028 0a 01020305060709101112"}, // LayerSiblingListHead
		{0x64280100, "00000001 00000028"},
		{0x64290100, ""},
		{0x64630100, "03 010207"}, // LayerUserList
		{0x64240100, "00000001 00000028 0a 01020305060709101112"},
		{0x64250100, "00000001 00000003"},
		{0x64260100, ""},
		{0x64230100, "0001 00"},
		{0x64110100, "0001"}, // LayerCreateHead, Set, Foot
		{0x64120100, "0001 01 0103 00000001 03 0201 00000005 0301 00000002 0401 00000001"},
		{0x64130100, "0001 00"},
		{0x64630100, "03 010207"},
		{0x64820100, "0000"},  // LayerMediationList
		{0x64800100, "01 00"}, // Lock
		{0x64810100, "01 00"}, // Unlock
		{0x64721000, "01 04 0103 00000000 0203 00000000 030500 00 040500 00 0002 6869"}, // NtcLayerChat alone
		{0x65270100, ""},                         // CircleListLayer
		{0x66320100, "01 {A} 00000000 00000006"}, // UserBinaryNotice
		{0x64150100, ""},                         // LayerUp: to the gate
		{0x64150100, ""},                         // LayerUp: to the server
		{0x64020100, ""},                         // LayerEnd
		{0x63100100, ""},                         // FmpListVersion2
		{0x63110100, "00000001 00000001 0000000c 09 0102030708090a0b0c"},
		{0x63120100, "00000001 00000004"},
		{0x63130100, ""},
		{0x63140100, "00000002 02 0203"}, // FmpInfo2
		{0x60100100, "02"},               // Shut for the server change
	} {
		t.raw(f, s.id, s.payload)
	}
}

// returning: the console comes back twice, to the same hunter and to a
// second one in slot 2; the user list shows what was stored.
func (t *tape) returning() {
	con := &gameclient.Console{}
	cl, id, err := gameclient.LoginToFMP(t.cfg.OPN, con, false, "First", 1)
	must(err)
	cl.Shut(1)
	cl.Close()
	t.known(&player{name: "First"}, id)
	lmp, err := lmpOf(t.cfg.OPN, con)
	must(err)
	for round := 1; round <= 2; round++ {
		l := t.greet(fmt.Sprintf("again%d", round), lmp, con, false, false)
		var login pat.Data
		login.SetString(pat.ChargeOnlineSupportCode, []byte(con.SupportCode))
		t.msg(l, &pat.ReqLoginInfo{Info: login})
		t.ticketAndSlots(l, con)
		l2 := t.greet(fmt.Sprintf("again%d-slot", round), lmp, con, true, false)
		var u pat.Data
		if round == 1 {
			u.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserCapcomID, []byte(id)).SetString(pat.UserHunterName, []byte("First"))
			t.msg(l2, &pat.ReqUserObject{IsSlotEmpty: 0, Slot: 1, User: u})
		} else {
			u.SetLong(pat.UserSlotIndex, 2).SetString(pat.UserCapcomID, []byte("******")).SetString(pat.UserHunterName, []byte("Second"))
			var uo pat.AnsUserObject
			answer(t.msg(l2, &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 2, User: u}), pat.IDAnsUserObject, &uo)
			t.known(&player{name: "Second"}, string(uo.User.Bytes(pat.UserCapcomID)))
		}
		t.msg(l2, &pat.ReqShut{Type: 2})
		t.leave(l2)
	}
	l := t.greet("again3", lmp, con, false, false)
	var login pat.Data
	login.SetString(pat.ChargeOnlineSupportCode, []byte(con.SupportCode))
	t.msg(l, &pat.ReqLoginInfo{Info: login})
	t.msg(l, &pat.ReqTicket{})
	t.msg(l, &pat.ReqUserListData{First: 1, Count: 6})
}

// ticketAndSlots plays the rest of the first LMP connection: a ticket
// (kept in con), the six slots, and the shut before the hand-over.
func (t *tape) ticketAndSlots(l *player, con *gameclient.Console) {
	var tk pat.AnsTicket
	answer(t.msg(l, &pat.ReqTicket{}), pat.IDAnsTicket, &tk)
	con.Ticket = string(tk.Ticket)
	t.msg(l, &pat.ReqUserListHead{First: 1, Count: 6, Fields: []byte{1, 2, 3}})
	t.msg(l, &pat.ReqUserListData{First: 1, Count: 6})
	t.msg(l, &pat.ReqUserListFoot{})
	t.msg(l, &pat.ReqShut{Type: 2})
	t.leave(l)
}

// lmpOf asks OPN for the LMP address, as the game does first.
func lmpOf(opn string, con *gameclient.Console) (string, error) {
	cl, err := gameclient.DialTLS(opn, false)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	return cl.OPN(con)
}

// city: two hunters meet at a gate, one makes a city, the other looks at
// it and comes in; they talk, relay, tell, make and run a quest party,
// and leave.
func (t *tape) city() {
	ps := t.hunters("Aaa", "Bbb")
	a, b := ps[0], ps[1]
	t.raw(a, 0x64140100, "0001 00")
	t.raw(b, 0x64140100, "0001 00")
	t.createCity(a, "0003")
	t.raw(b, 0x64250100, "00000003 00000001")
	t.raw(b, 0x64640100, "01 000e 00000003 00000001 0001 0001 0003 00000001 00000004 03 010203")
	t.raw(b, 0x64650100, "00000001 00000004")
	t.raw(b, 0x64660100, "")
	t.raw(b, 0x64140100, "0003 00")
	t.raw(b, 0x64410100, "000e 00000003 00000001 0001 0001 0003")
	t.raw(a, 0x64630100, "03 010207")
	t.raw(b, 0x66320100, "01 0000 00000000 00000006")
	t.raw(a, 0x64721000, "01 04 0103 00000000 0203 00000000 030500 00 040500 00 "+lp2("hello"))
	t.raw(a, 0x64711000, "0102030405")
	t.raw(a, 0x64701000, "00 aabbcc")
	t.raw(b, 0x64751000, "{A} 00 ddee")
	t.raw(a, 0x64730100, "{B} 04 0103 ffffffff 0203 00000000 030500 00 040500 00 "+lp2("psst"))
	var info pat.Data
	info.SetLong(pat.CircleCapacity, 4)
	t.msg(a, &pat.ReqCircleCreate{Info: pat.DataOpt{Data: info, Opt: pat.Opt{
		{ID: pat.OptCircleCapacity, Has: true, Value: 4}, {ID: pat.OptCircleQuestID, Has: true, Value: 0x1234}}}})
	t.raw(b, 0x65270100, "")
	t.raw(b, 0x65020100, "00000001 00")
	t.raw(b, 0x65030100, "00000001 00")
	t.raw(b, 0x65600100, "")
	t.raw(b, 0x65410100, "00000001")
	var ready pat.Data
	ready.SetByte(pat.CircleUserStandby, 1)
	t.msg(b, &pat.ReqCircleMatchOptionSet{Options: ready})
	var mi pat.Data
	mi.SetLong(pat.MessageColor, 0).SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	t.msg(a, &pat.NtcCircleChat{Info: mi, Text: []byte("go")})
	t.raw(a, 0x65120100, "")   // MatchStart: A is not ready and is dropped
	t.raw(a, 0x65130100, "00") // MatchEnd
	t.raw(b, 0x65040100, "00000001")
	t.raw(a, 0x64150100, "")
	t.raw(b, 0x64630100, "03 010207")
	t.raw(b, 0x64020100, "")
	t.raw(a, 0x64020100, "")
}

// social: three hunters at a gate; tells, friends, the blacklist, the
// searches, a status change, then a city found by a detail search.
func (t *tape) social() {
	ps := t.hunters("Ccc", "Ddd", "Eee")
	a, b, e := ps[0], ps[1], ps[2]
	for _, p := range ps {
		t.raw(p, 0x66300100, "02 0101 00000001 0200")
		t.raw(p, 0x64140100, "0002 00")
	}
	var mi pat.Data
	mi.SetLong(pat.MessageColor, 0xFFFFFFFF).SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	t.msg(a, &pat.ReqTell{CapcomID: []byte(b.id), Info: mi, Text: []byte("hey")})
	t.msg(a, &pat.ReqTell{CapcomID: []byte("ZZZZZZ"), Info: mi, Text: []byte("hey")})
	t.msg(a, &pat.ReqFriendAdd{CapcomID: []byte(b.id), Info: mi, Text: []byte("friends?")})
	t.msg(b, &pat.ReqFriendAccept{RequesterID: []byte(a.id), Accepted: 1})
	t.msg(a, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}})
	t.msg(b, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}})
	t.msg(a, &pat.ReqFriendDelete{CapcomID: []byte(b.id)})
	t.msg(a, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}})
	var bu pat.Data
	bu.SetString(pat.UserHunterName, []byte("Eee"))
	t.msg(a, &pat.ReqBlackAdd{CapcomID: []byte(e.id), User: bu})
	t.msg(a, &pat.ReqBlackList{First: 1, Count: 100, Rest: []byte{3, 1, 2, 3}})
	t.msg(a, &pat.ReqBlackDelete{CapcomID: []byte(e.id)})
	t.msg(a, &pat.ReqUserSearchHead{CapcomID: []byte(b.id), Offset: 1, Limit: 30, Fields: []byte{1, 2, 3, 4}})
	t.msg(a, &pat.ReqUserSearchData{First: 1, Count: 30})
	t.msg(a, &pat.ReqUserSearchFoot{})
	t.msg(a, &pat.ReqUserSearchHead{HunterName: []byte("Ddd"), Offset: 1, Limit: 30, Fields: []byte{1, 2, 3, 4}})
	t.msg(a, &pat.ReqUserSearchData{First: 1, Count: 30})
	t.msg(a, &pat.ReqUserSearchInfo{CapcomID: []byte(b.id)})
	t.raw(e, 0x64670100, "01 000e 00000002 00000001 0001 0002 0000 0000 0000 00000000 00000000 00000001 0000000a 03 010203")
	t.raw(e, 0x64680100, "00000001 0000000a")
	t.raw(e, 0x64690100, "")
	t.raw(b, 0x66400100, "01 090102")
	t.raw(b, 0x66320100, "01 0000 00000000 00000006")
	t.createCity(a, "0004")
	t.raw(e, 0x64900100, "00 00000000 00000001 020105 00000005 00000001 0000000a 0e 010203050607090b0c1011121516 02 0102")
	t.raw(e, 0x64910100, "00000001 0000000a")
	t.raw(e, 0x64920100, "")
	t.raw(b, 0x64140100, "0004 00")
	t.raw(b, 0x64410100, "000e 00000003 00000001 0001 0002 0004")
	t.raw(e, 0x64140100, "0004 00")
	t.raw(e, 0x64410100, "000e 00000003 00000001 0001 0002 0004")
	t.raw(e, 0x64150100, "")
	t.raw(a, 0x64020100, "")
	t.raw(b, 0x64020100, "")
}

// crowd: five hunters at gate 3; a city fills and refuses the fifth, a
// reserved city refuses another creator, a quest party with a password
// refuses a wrong one and takes the right one, its leader changes it,
// the party relays; a hunter who logged out is told and searched for.
func (t *tape) crowd() {
	ps := t.hunters("Fff", "Ggg", "Hhh", "Iii", "Jjj")
	for _, p := range ps {
		t.raw(p, 0x64140100, "0003 00")
	}
	a, b, c, d, e := ps[0], ps[1], ps[2], ps[3], ps[4]
	t.createCity(a, "0001")
	city := "000e 00000003 00000001 0001 0003 0001"
	for _, p := range []*player{b, c, d} {
		t.raw(p, 0x64140100, "0001 00")
		t.raw(p, 0x64410100, city)
	}
	t.raw(e, 0x64250100, "00000001 00000001") // the full city's entry
	t.raw(e, 0x64140100, "0001 00")           // refused: full
	t.raw(e, 0x64110100, "0002")              // reserves city 2
	t.raw(e, 0x64110100, "0002")              // again
	t.raw(e, 0x64130100, "0002 01")           // gives it up (flag 1)
	t.raw(e, 0x64110100, "0001")              // a city that exists
	var info pat.Data
	info.SetLong(pat.CircleCapacity, 2).SetByte(pat.CircleHasPassword, 1).SetString(pat.CirclePassword, []byte("pw"))
	t.msg(a, &pat.ReqCircleCreate{Info: pat.DataOpt{Data: info, Opt: pat.Opt{
		{ID: pat.OptCircleCapacity, Has: true, Value: 2}, {ID: pat.OptCircleQuestID, Has: true, Value: 0x2222}}}})
	var wrong, right pat.Data
	wrong.SetByte(pat.CircleHasPassword, 1).SetString(pat.CirclePassword, []byte("no"))
	right.SetByte(pat.CircleHasPassword, 1).SetString(pat.CirclePassword, []byte("pw"))
	t.msg(b, &pat.ReqCircleJoin{Index: 1, Info: wrong})
	t.msg(b, &pat.ReqCircleJoin{Index: 1, Info: right})
	t.msg(c, &pat.ReqCircleJoin{Index: 1, Info: right}) // full
	t.msg(c, &pat.ReqCircleJoin{Index: 7})              // no such party
	var change pat.Data
	change.SetLong(pat.CircleCapacity, 4).SetString(pat.CircleRemarks, []byte("come"))
	t.msg(a, &pat.ReqCircleInfoSet{Index: 1, Info: pat.DataOpt{Data: change, Opt: pat.Opt{
		{ID: pat.OptCircleCapacity, Has: true, Value: 4}, {ID: pat.OptCircleQuestID, Has: true, Value: 0x3333}}}})
	t.msg(b, &pat.ReqCircleInfoSet{Index: 1, Info: pat.DataOpt{Data: change}}) // not the leader
	t.msg(a, &pat.NtcCircleBinaryFromClient{Index: 1, Payload: []byte{1, 2, 3}})
	t.msg(b, &pat.NtcCircleBinary2FromClient{Index: 1, CapcomID: []byte(a.id), Payload: []byte{4, 5}})
	t.raw(c, 0x64670100, "01 "+city+" 0000 0000 00000000 00000000 00000001 0000000a 03 010203")
	t.raw(c, 0x64680100, "00000001 0000000a")
	t.raw(c, 0x64690100, "")
	t.msg(a, &pat.ReqCircleLeave{Index: 1}) // the leader leaves a party not departed
	// E logs out; the others look for it.
	t.raw(e, 0x64020100, "")
	t.leave(e)
	var mi pat.Data
	mi.SetLong(pat.MessageColor, 0xFFFFFFFF).SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	t.msg(d, &pat.ReqTell{CapcomID: []byte(e.id), Info: mi, Text: []byte("gone?")})
	t.msg(d, &pat.ReqUserSearchInfo{CapcomID: []byte(e.id)})
	t.msg(d, &pat.ReqFriendAdd{CapcomID: []byte(e.id), Info: mi, Text: []byte("later")})
	t.raw(d, 0x64150100, "")
	t.raw(c, 0x64020100, "")
}

// move: a hunter at a gate of server 1 picks server 2 from the in-game
// list, goes there with its ticket and meets one who waits at a gate of
// server 2; the one left on server 1 sees it leave.
func (t *tape) move() {
	ps := t.hunters("Kkk", "Lll")
	a, b := ps[0], ps[1]
	t.raw(a, 0x64140100, "0004 00")
	t.raw(b, 0x64140100, "0004 00")
	// M waits on server 2.
	con := &gameclient.Console{}
	cl, id, err := gameclient.LoginToFMP(t.cfg.OPN, con, false, "Mmm", 2)
	must(err)
	m := t.join("Mmm", cl)
	m.con = con
	t.known(m, id)
	t.raw(m, 0x64010100, "00 00")
	t.raw(m, 0x64140100, "0004 00")
	// A leaves for server 2, as the game does it.
	t.raw(a, 0x64150100, "") // LayerUp to the server
	t.raw(a, 0x64020100, "") // LayerEnd
	t.raw(a, 0x63100100, "")
	t.raw(a, 0x63110100, "00000001 00000001 0000000c 09 0102030708090a0b0c")
	t.raw(a, 0x63120100, "00000001 00000004")
	t.raw(a, 0x63130100, "")
	var fi pat.AnsFmpInfo2
	answer(t.msg(a, &pat.ReqFmpInfo2{Index: 2, Fields: []byte{pat.FmpAddress, pat.FmpPort}}), pat.IDAnsFmpInfo2, &fi)
	t.raw(a, 0x60100100, "02") // Shut: reconnection expected
	t.leave(a)
	// The game comes back with the ticket it holds.
	a2 := t.greet("Kkk2", gameclient.Addr(fi.Data.Bytes(pat.FmpAddress), uint16(fi.Data.Num(pat.FmpPort))), a.con, true, false)
	a2.id = a.id
	t.raw(a2, 0x66370100, "00")
	t.raw(a2, 0x64010100, "00 00")
	t.raw(a2, 0x64140100, "0004 00")
	t.raw(a2, 0x64630100, "03 010207")
	t.raw(b, 0x64630100, "03 010207")
}

// stray: connections that skip steps: FMP and LMP greeted without a
// ticket, world packets sent on them, an unknown packet id, and OPN asked
// for LMP's packets.
func (t *tape) stray() {
	fmp, err := fmpAddrOf(t.cfg.OPN)
	must(err)
	lmp, err := lmpOf(t.cfg.OPN, &gameclient.Console{})
	must(err)
	f := t.greet("fmp", fmp, &gameclient.Console{}, false, false)
	t.raw(f, 0x66370100, "00")      // UserSearchInfoMine
	t.raw(f, 0x64010100, "00 00")   // LayerStart
	t.raw(f, 0x64140100, "0001 00") // LayerDown
	t.leave(f)
	l := t.greet("lmp", lmp, &gameclient.Console{SupportCode: "ZZZZZZZZZZZ"}, false, false)
	t.raw(l, 0x61200100, "01 00000001 02 0103 00000001 0305 0001 58") // UserObject before LoginInfo
	t.raw(l, 0x61340100, "00000001 02 0203")                          // FmpInfo
	t.raw(l, 0x6a010100, "")                                          // no such packet
	t.raw(l, 0x60010100, "")                                          // LineCheck
	t.leave(l)
	o := t.greet("opn", t.cfg.OPN, &gameclient.Console{}, false, true)
	t.raw(o, 0x61010100, "00") // LoginInfo on OPN
	t.raw(o, 0x60300100, "")   // Ticket on OPN
	t.raw(o, 0x60010100, "")
}

// fmpAddrOf plays a first login up to FmpInfo and returns the FMP
// address (server 1).
func fmpAddrOf(opn string) (string, error) {
	con := &gameclient.Console{}
	f, _, err := gameclient.LoginToFMP(opn, con, false, "Nnn", 1)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return f.Conn().RemoteAddr().String(), nil
}

// createCity has p create city number (hex, as the game sends it) in the
// gate it stands in: LayerCreateHead, LayerCreateSet with the game's
// options, LayerCreateFoot.
func (t *tape) createCity(p *player, number string) {
	t.raw(p, 0x64110100, number)
	t.raw(p, 0x64120100, number+" 01 0103 00000001 03 0201 00000005 0301 00000002 0401 00000001")
	t.raw(p, 0x64130100, number+" 00")
}
