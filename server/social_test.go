package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// Tells, friends, the blacklist and the player search, played by game
// clients over TCP through edges, handlers and an embedded NATS. Every
// answer and notification is pinned to the bytes MH3SP lays out
// (mh/pat.py: sendAnsTell/sendNtcTell, sendAnsFriendAdd,
// sendNtcFriendAccept, sendNtcFriendAdd, sendAnsFriendList,
// sendAnsBlackList, sendAnsUserSearch*, sendAnsUserSearchInfo).

// startIn starts a one-box server keeping its files in dir (so that a
// second one can be started on them after it stopped). stop closes it
// once.
func startIn(t *testing.T, dir string) (s *Server, stop func()) {
	t.Helper()
	s, err := Start(context.Background(), Config{Edge: true, Handlers: true, DataDir: dir,
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { s.Close() }) }
	t.Cleanup(stop)
	return s, stop
}

func testLogger() *slog.Logger {
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// hunter is a game on FMP, in the world.
type hunter struct {
	*gameclient.Client
	id       string
	mine0F   uint32
	mine10   uint32
	settings []byte
}

// arrive logs a console in through s's LMP onto FMP server index and
// plays the arrival (hunter rank 50).
func arrive(t *testing.T, s *Server, con *gameclient.Console, name string, index int) *hunter {
	t.Helper()
	f, id, err := gameclient.LoginFromLMP(s.Addr("lmp").String(), s.Addr("fmp").String(), con, name, index)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	a, b, err := f.Arrive(50)
	if err != nil {
		t.Fatalf("%s arrives: %v", name, err)
	}
	settings := make([]byte, pat.HunterSettingsSize)
	settings[1] = 50
	return &hunter{Client: f, id: id, mine0F: a, mine10: b, settings: settings}
}

// Wire helpers: hex of lp2 strings and whole frames.

func lp2(s string) string { return fmt.Sprintf("%04x", len(s)) + hex.EncodeToString([]byte(s)) }

func clean(s string) string { return strings.ReplaceAll(s, " ", "") }

// frameHex is a whole frame: size, seq, id, payload.
func frameHex(seq uint16, id pat.ID, payload string) string {
	p := clean(payload)
	return fmt.Sprintf("%04x%04x%08x", len(p)/2, seq, uint32(id)) + p
}

// pin checks a received packet's whole frame.
func pin(t *testing.T, what string, p pat.Packet, want string) {
	t.Helper()
	frame, err := pat.AppendFrame(nil, p.Seq, p.ID, p.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(frame); got != clean(want) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, clean(want))
	}
}

// exchange sends a request and returns the answer packet (an alert
// variant too) and the request's seq.
func exchange(t *testing.T, cl *hunter, req pat.Message, ans pat.ID) (pat.Packet, uint16) {
	t.Helper()
	seq, err := cl.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cl.Expect(ans, nil)
	var alert *gameclient.ErrAlert
	if err != nil && !errors.As(err, &alert) {
		t.Fatalf("%s: %v", ans, err)
	}
	if p.Seq != seq {
		t.Fatalf("%s: seq %d for request %d", p.ID, p.Seq, seq)
	}
	return p, seq
}

// notice waits for a notification.
func notice(t *testing.T, cl *hunter, id pat.ID) pat.Packet {
	t.Helper()
	p, err := cl.Notice(id, nil)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return p
}

// quiet checks that none of ids arrives within d.
func quiet(t *testing.T, cl *hunter, d time.Duration, ids ...pat.ID) {
	t.Helper()
	cl.Drain(d)
	for _, id := range ids {
		if ps := cl.Notices(id); len(ps) > 0 {
			t.Errorf("%s got %d × %s: %x", cl.id, len(ps), id, ps[0].Payload)
		}
	}
}

// eventually retries fn until it holds (views are followed
// asynchronously) or 10 s passed.

// message is the MessageInfo gameclient sends, as stamped by the server
// with the sender: 0x01 kept, 0x02 = 20, 0x03 id, 0x04 name, in the
// client's order.
func message(id, name string) string {
	return "04 0103 ffffffff 0203 00000014 0305 " + lp2(id) + " 0405 " + lp2(name)
}

func friendData(index int, id, name string) string {
	return fmt.Sprintf("03 0103 %08x 0205 ", index) + lp2(id) + " 0305 " + lp2(name)
}

// searchInfo is UserSearchInfo {id, name, display binary, where} and the
// player options of a rank-50 hunter with weapon type 0.
func searchInfo(h *hunter, name string, where pat.LayerPath) string {
	return "04 0105 " + lp2(h.id) + " 0205 " + lp2(name) + " 0306 0100 " + hex.EncodeToString(h.settings) +
		" 0406 000e " + hex.EncodeToString(where.Bytes()) + " 02 01 01 00000000 02 01 00320000"
}

// TestTellAndSearchAcrossServersAndEdges: two processes sharing one NATS
// (each with an edge and handlers), a hunter on FMP server 1 behind the
// first and one on server 2 behind the second. Tells, the player search
// and UserSearchInfo reach across both.
func TestTellAndSearchAcrossServersAndEdges(t *testing.T) {
	one := start(t, Config{NATSPort: -1})
	two, err := Start(context.Background(), Config{Edge: true, Handlers: true, NATSURL: one.NATS.ClientURL(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })

	alpha := arrive(t, one, &gameclient.Console{}, "Alpha", 1)
	beta := arrive(t, two, &gameclient.Console{}, "Beta", 2)

	// ReqTell → empty AnsTell; NtcTell to the recipient with the sender's
	// seq: lp2 recipient, MessageInfo, lp2 text.
	ans, seq := exchange(t, alpha, &pat.ReqTell{CapcomID: []byte(beta.id), Info: gameMessage(), Text: []byte("hello")}, pat.IDAnsTell)
	pin(t, "AnsTell", ans, frameHex(seq, pat.IDAnsTell, ""))
	pin(t, "NtcTell", notice(t, beta, pat.IDNtcTell), frameHex(seq, pat.IDNtcTell, lp2(beta.id)+message(alpha.id, "Alpha")+lp2("hello")))
	// And back, the other way across the edges.
	if err := beta.Tell(alpha.id, "hi"); err != nil {
		t.Fatal(err)
	}
	if from, name, text, err := alpha.Told(); err != nil || from != beta.id || name != "Beta" || text != "hi" {
		t.Fatalf("Alpha heard %q %q %q %v", from, name, text, err)
	}

	// The player search finds Beta on the other server and edge.
	eventually(t, 10*time.Second, "search by id", func() error {
		users, err := alpha.SearchUsers(beta.id, "")
		if err != nil || len(users) != 1 {
			return fmt.Errorf("%d found, %v", len(users), err)
		}
		return nil
	})
	head, seq := exchange(t, alpha, &pat.ReqUserSearchHead{CapcomID: []byte(beta.id), Offset: 1, Limit: 30, Fields: []byte{1, 2, 3, 4}}, pat.IDAnsUserSearchHead)
	pin(t, "AnsUserSearchHead", head, frameHex(seq, pat.IDAnsUserSearchHead, "00000000 00000001"))
	data, seq := exchange(t, alpha, &pat.ReqUserSearchData{First: 1, Count: 1}, pat.IDAnsUserSearchData)
	pin(t, "AnsUserSearchData", data, frameHex(seq, pat.IDAnsUserSearchData, "00000000 00000001 "+searchInfo(beta, "Beta", pat.LayerPath{Server: 2})))
	foot, seq := exchange(t, alpha, &pat.ReqUserSearchFoot{}, pat.IDAnsUserSearchFoot)
	pin(t, "AnsUserSearchFoot", foot, frameHex(seq, pat.IDAnsUserSearchFoot, ""))
	// By name, case-insensitively; both names hold an "a".
	if users, err := alpha.SearchUsers("", "bET"); err != nil || len(users) != 1 || string(users[0].Data.Bytes(pat.SearchCapcomID)) != beta.id {
		t.Fatalf("by name: %v %v", users, err)
	}
	eventually(t, 10*time.Second, "search both", func() error {
		users, err := beta.SearchUsers("", "A")
		if err != nil || len(users) != 2 {
			return fmt.Errorf("%d found, %v", len(users), err)
		}
		return nil
	})
	if users, err := beta.SearchUsers("", "nobody"); err != nil || len(users) != 0 {
		t.Fatalf("no match: %v %v", users, err)
	}

	// UserSearchInfo of an online hunter: MH3SP's fields in its order,
	// the real city numbers, the identity pair of UserSearchInfoMine.
	info, seq := exchange(t, alpha, &pat.ReqUserSearchInfo{CapcomID: []byte(beta.id)}, pat.IDAnsUserSearchInfo)
	pin(t, "AnsUserSearchInfo", info, frameHex(seq, pat.IDAnsUserSearchInfo,
		"0c 0105 "+lp2(beta.id)+" 0205 "+lp2("Beta")+" 0306 0100 "+hex.EncodeToString(beta.settings)+
			" 0406 000e 00000001 00000002 0001 0000 0000 0701 01 0805 "+lp2("Valor2\t\t")+" 0b01 01 0c05 "+lp2("StrC")+
			" 0d03 00000004 0e03 00000000 "+fmt.Sprintf("0f03 %08x 1003 %08x", beta.mine0F, beta.mine10)+" 00"))
	// In a city: where, and how full the city is.
	if err := beta.Down(1); err != nil {
		t.Fatal(err)
	}
	if err := beta.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	in, online, err := alpha.SearchInfo(beta.id)
	if err != nil || !online || string(in.Data.Bytes(pat.SearchLocation)) != "Valor2\tCity Gate1\tCity3" ||
		in.Data.Num(pat.SearchCityCapacity) != 4 || in.Data.Num(pat.SearchCitySize) != 1 {
		t.Fatalf("in a city: %v online %v, %v", in.Data, online, err)
	}

	// A hunter who left: the tell is answered and goes nowhere; its info
	// is MH3SP's OFFLINE alert.
	carl := arrive(t, one, &gameclient.Console{}, "Carl", 1)
	carl.Close()
	eventually(t, 10*time.Second, "Carl offline", func() error {
		if _, online, err := alpha.SearchInfo(carl.id); err != nil || online {
			return fmt.Errorf("online %v, %v", online, err)
		}
		return nil
	})
	ans, seq = exchange(t, alpha, &pat.ReqTell{CapcomID: []byte(carl.id), Info: gameMessage(), Text: []byte("there?")}, pat.IDAnsTell)
	pin(t, "AnsTell to an offline hunter", ans, frameHex(seq, pat.IDAnsTell, ""))
	off, seq := exchange(t, alpha, &pat.ReqUserSearchInfo{CapcomID: []byte(carl.id)}, pat.IDAnsUserSearchInfo)
	msg := "02 0105 " + lp2(carl.id) + " 0205 " + lp2("OFFLINE") + " 00"
	pin(t, "AnsUserSearchInfo offline", off, frameHex(seq, pat.IDAnsUserSearchInfo.Alert(), fmt.Sprintf("00000001 %04x", len(clean(msg))/2)+msg))
	// Ids that cannot exist: answered the same way, never looked up.
	if err := alpha.Tell("../x>*", "?"); err != nil {
		t.Fatal(err)
	}
	if _, online, err := alpha.SearchInfo("a.b"); err != nil || online {
		t.Fatalf("bad id: online %v, %v", online, err)
	}
	quiet(t, beta, 200*time.Millisecond, pat.IDNtcTell)
}

// gameMessage is the MessageInfo gameclient's helpers send.
func gameMessage() pat.Data {
	var info pat.Data
	info.SetLong(pat.MessageColor, 0xFFFFFFFF).SetLong(pat.MessageUnknown02, 0).
		SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	return info
}

const textUnknownID = "<LF=8><BODY><CENTER>Unknown Capcom ID.<END>"

func alertHex(seq uint16, ans pat.ID, text string) string {
	return frameHex(seq, ans.Alert(), "00000001 "+lp2(text))
}

// TestFriendsDenyAndBlacklist plays friend requests, answers, the lists
// and the blacklist between three hunters on one server.
func TestFriendsDenyAndBlacklist(t *testing.T) {
	s := start(t, Config{})
	alpha := arrive(t, s, &gameclient.Console{}, "Alpha", 1)
	beta := arrive(t, s, &gameclient.Console{}, "Beta", 1)
	carl := arrive(t, s, &gameclient.Console{}, "Carl", 1)

	// Unknown Capcom IDs: MH3SP's alert.
	for _, id := range []string{"ZZZZZZ", "bad id"} {
		p, seq := exchange(t, alpha, &pat.ReqFriendAdd{CapcomID: []byte(id), Info: gameMessage(), Text: []byte("hi")}, pat.IDAnsFriendAdd)
		pin(t, "AnsFriendAdd unknown "+id, p, alertHex(seq, pat.IDAnsFriendAdd, textUnknownID))
	}
	// Beta denies friend requests: Alpha is told.
	if err := beta.DenyFriendRequests(true); err != nil {
		t.Fatal(err)
	}
	var alert *gameclient.ErrAlert
	if err := alpha.FriendAdd(beta.id, "hi"); !errors.As(err, &alert) || alert.ID != pat.IDAnsFriendAdd.Alert() {
		t.Fatalf("request to a hunter who denies them: %v", err)
	}
	if err := beta.DenyFriendRequests(false); err != nil {
		t.Fatal(err)
	}

	// A request: empty answer; NtcFriendAccept to Beta with Alpha's seq.
	p, seq := exchange(t, alpha, &pat.ReqFriendAdd{CapcomID: []byte(beta.id), Info: gameMessage(), Text: []byte("be my friend")}, pat.IDAnsFriendAdd)
	pin(t, "AnsFriendAdd", p, frameHex(seq, pat.IDAnsFriendAdd, ""))
	pin(t, "NtcFriendAccept", notice(t, beta, pat.IDNtcFriendAccept), frameHex(seq, pat.IDNtcFriendAccept, lp2(beta.id)+message(alpha.id, "Alpha")+lp2("be my friend")))

	// Beta accepts: empty answer, then NtcFriendAdd to both, each with its
	// own id and the other's FriendData (index 1).
	p, seq = exchange(t, beta, &pat.ReqFriendAccept{RequesterID: []byte(alpha.id), Accepted: 1}, pat.IDAnsFriendAccept)
	pin(t, "AnsFriendAccept", p, frameHex(seq, pat.IDAnsFriendAccept, ""))
	pin(t, "NtcFriendAdd to the accepter", notice(t, beta, pat.IDNtcFriendAdd), frameHex(seq, pat.IDNtcFriendAdd, lp2(beta.id)+friendData(1, alpha.id, "Alpha")+"01"))
	pin(t, "NtcFriendAdd to the requester", notice(t, alpha, pat.IDNtcFriendAdd), frameHex(seq, pat.IDNtcFriendAdd, lp2(alpha.id)+friendData(1, beta.id, "Beta")+"01"))

	// The lists: u32 0, u32 n, FriendData with the fields asked for.
	p, seq = exchange(t, alpha, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}}, pat.IDAnsFriendList)
	pin(t, "AnsFriendList", p, frameHex(seq, pat.IDAnsFriendList, "00000000 00000001 "+friendData(1, beta.id, "Beta")))
	p, seq = exchange(t, beta, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{2}}, pat.IDAnsFriendList)
	pin(t, "AnsFriendList of ids", p, frameHex(seq, pat.IDAnsFriendList, "00000000 00000001 01 0205 "+lp2(alpha.id)))
	// The request was answered: it is not delivered again.
	quiet(t, beta, 200*time.Millisecond, pat.IDNtcFriendAccept)
	// The friend list's UserSearchInfo says Beta is online.
	if in, online, err := alpha.SearchInfo(beta.id); err != nil || !online || string(in.Data.Bytes(pat.SearchHunterName)) != "Beta" {
		t.Fatalf("friend's info: %v %v %v", in.Data, online, err)
	}

	// Deleting is one-sided.
	p, seq = exchange(t, alpha, &pat.ReqFriendDelete{CapcomID: []byte(beta.id)}, pat.IDAnsFriendDelete)
	pin(t, "AnsFriendDelete", p, frameHex(seq, pat.IDAnsFriendDelete, ""))
	p, seq = exchange(t, alpha, &pat.ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}}, pat.IDAnsFriendList)
	pin(t, "AnsFriendList empty", p, frameHex(seq, pat.IDAnsFriendList, "00000000 00000000"))
	if fs, err := beta.Friends(); err != nil || len(fs) != 1 || fs[0] != (gameclient.Friend{Index: 1, CapcomID: alpha.id, Name: "Alpha"}) {
		t.Fatalf("Beta's list: %v %v", fs, err)
	}

	// Beta blacklists Carl.
	p, seq = exchange(t, beta, &pat.ReqBlackAdd{CapcomID: []byte(carl.id)}, pat.IDAnsBlackAdd)
	pin(t, "AnsBlackAdd", p, frameHex(seq, pat.IDAnsBlackAdd, ""))
	p, seq = exchange(t, beta, &pat.ReqBlackList{First: 1, Count: 100, Rest: []byte{3, 1, 2, 3}}, pat.IDAnsBlackList)
	pin(t, "AnsBlackList", p, frameHex(seq, pat.IDAnsBlackList, "00000000 00000001 "+friendData(1, carl.id, "Carl")))
	// Carl's tells and requests are answered as usual and never reach
	// Beta; Alpha's tell after them does.
	if err := carl.Tell(beta.id, "psst"); err != nil {
		t.Fatal(err)
	}
	p, seq = exchange(t, carl, &pat.ReqFriendAdd{CapcomID: []byte(beta.id), Info: gameMessage(), Text: []byte("pls")}, pat.IDAnsFriendAdd)
	pin(t, "AnsFriendAdd to a hunter who blacklisted the sender", p, frameHex(seq, pat.IDAnsFriendAdd, ""))
	if err := alpha.Tell(beta.id, "marker"); err != nil {
		t.Fatal(err)
	}
	if from, _, text, err := beta.Told(); err != nil || from != alpha.id || text != "marker" {
		t.Fatalf("Beta heard %q %q %v", from, text, err)
	}
	if _, err := beta.Friends(); err != nil {
		t.Fatal(err)
	}
	quiet(t, beta, 300*time.Millisecond, pat.IDNtcTell, pat.IDNtcFriendAccept)

	// Off the blacklist: an empty list is u32 0, u32 0; Carl is heard.
	p, seq = exchange(t, beta, &pat.ReqBlackDelete{CapcomID: []byte(carl.id)}, pat.IDAnsBlackDelete)
	pin(t, "AnsBlackDelete", p, frameHex(seq, pat.IDAnsBlackDelete, ""))
	p, seq = exchange(t, beta, &pat.ReqBlackList{First: 1, Count: 100, Rest: []byte{3, 1, 2, 3}}, pat.IDAnsBlackList)
	pin(t, "AnsBlackList empty", p, frameHex(seq, pat.IDAnsBlackList, "00000000 00000000"))
	if err := carl.Tell(beta.id, "now?"); err != nil {
		t.Fatal(err)
	}
	if from, name, text, err := beta.Told(); err != nil || from != carl.id || name != "Carl" || text != "now?" {
		t.Fatalf("Beta heard %q %q %q %v", from, name, text, err)
	}

	// A refusal: nobody is listed, nobody is told, the request is gone.
	if err := carl.FriendAdd(beta.id, "again"); err != nil {
		t.Fatal(err)
	}
	if from, _, text, err := beta.FriendRequest(); err != nil || from != carl.id || text != "again" {
		t.Fatalf("Beta got %q %q %v", from, text, err)
	}
	if err := beta.FriendAccept(carl.id, false); err != nil {
		t.Fatal(err)
	}
	quiet(t, carl, 200*time.Millisecond, pat.IDNtcFriendAdd)
	if fs, err := beta.Friends(); err != nil || len(fs) != 1 {
		t.Fatalf("after a refusal: %v %v", fs, err)
	}
	quiet(t, beta, 200*time.Millisecond, pat.IDNtcFriendAdd, pat.IDNtcFriendAccept)
	// Answering a request nobody sent does nothing.
	if err := alpha.FriendAccept(carl.id, true); err != nil {
		t.Fatal(err)
	}
	if fs, err := alpha.Friends(); err != nil || len(fs) != 0 {
		t.Fatalf("accepting no request: %v %v", fs, err)
	}
}

// TestFriendRequestWaitsForAnOfflineHunter: a request to a hunter who is
// offline is kept on its stream and delivered when it next arrives, and
// still after the server restarted on its files, until it is answered.
func TestFriendRequestWaitsForAnOfflineHunter(t *testing.T) {
	dir := t.TempDir()
	s, stop := startIn(t, dir)
	conA, conB := &gameclient.Console{}, &gameclient.Console{}
	alpha := arrive(t, s, conA, "Alpha", 1)
	beta := arrive(t, s, conB, "Beta", 1)
	beta.Close()
	eventually(t, 10*time.Second, "Beta offline", func() error {
		if _, online, err := alpha.SearchInfo(beta.id); err != nil || online {
			return fmt.Errorf("online %v, %v", online, err)
		}
		return nil
	})
	p, seq := exchange(t, alpha, &pat.ReqFriendAdd{CapcomID: []byte(beta.id), Info: gameMessage(), Text: []byte("while you were out")}, pat.IDAnsFriendAdd)
	pin(t, "AnsFriendAdd to an offline hunter", p, frameHex(seq, pat.IDAnsFriendAdd, ""))
	// Delivered after the friend list of the next arrival (seq 0).
	want := frameHex(0, pat.IDNtcFriendAccept, lp2(beta.id)+message(alpha.id, "Alpha")+lp2("while you were out"))
	again := arrive(t, s, conB, "Beta", 1)
	if again.id != beta.id {
		t.Fatalf("Beta came back as %s", again.id)
	}
	pin(t, "NtcFriendAccept on arrival", notice(t, again, pat.IDNtcFriendAccept), want)
	again.Close()
	alpha.Close()
	stop()

	s2, _ := startIn(t, dir)
	beta2 := arrive(t, s2, conB, "Beta", 1)
	if beta2.id != beta.id {
		t.Fatalf("Beta came back as %s", beta2.id)
	}
	pin(t, "NtcFriendAccept after a restart", notice(t, beta2, pat.IDNtcFriendAccept), want)
	// Accepted while Alpha is offline: both lists hold the other.
	if err := beta2.FriendAccept(alpha.id, true); err != nil {
		t.Fatal(err)
	}
	if f, err := beta2.FriendAdded(); err != nil || f != (gameclient.Friend{Index: 1, CapcomID: alpha.id, Name: "Alpha"}) {
		t.Fatalf("NtcFriendAdd: %v %v", f, err)
	}
	alpha2 := arrive(t, s2, conA, "Alpha", 1)
	if fs, err := alpha2.Friends(); err != nil || len(fs) != 1 || fs[0].CapcomID != beta.id || fs[0].Name != "Beta" {
		t.Fatalf("Alpha's friends: %v %v", fs, err)
	}
	if fs, err := beta2.Friends(); err != nil || len(fs) != 1 || fs[0].CapcomID != alpha.id {
		t.Fatalf("Beta's friends: %v %v", fs, err)
	}
	quiet(t, beta2, 200*time.Millisecond, pat.IDNtcFriendAccept)
	quiet(t, alpha2, 200*time.Millisecond, pat.IDNtcFriendAccept)
	// Friends see each other online across the restart.
	if _, online, err := alpha2.SearchInfo(beta.id); err != nil || !online {
		t.Fatalf("Beta online: %v %v", online, err)
	}
}
