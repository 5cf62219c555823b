package server

import (
	"errors"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

func TestCircleSmoke(t *testing.T) {
	s := start(t, Config{})
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()
	a, aid := hunterOn(t, "", lmp, fmp, "Leader")
	b, bid := hunterOn(t, "", lmp, fmp, "Member")
	c, _ := hunterOn(t, "", lmp, fmp, "Late")
	for _, h := range []*gameclient.Client{a, b, c} {
		if err := h.Down(2); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.CreateCity(1, nil); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*gameclient.Client{b, c} {
		if _, err := h.JoinCity(1, 2, 1); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := a.PostQuest(10101, 2, "pw")
	if err != nil || idx != 1 {
		t.Fatalf("post quest: %d %v", idx, err)
	}
	var change pat.NtcCircleListLayerChange
	if _, err := b.Notice(pat.IDNtcCircleListLayerChange, &change); err != nil || change.Index != 1 {
		t.Fatalf("board change to B: %v %v", change.Index, err)
	}
	var alert *gameclient.ErrAlert
	if _, err := b.JoinQuest(1, "nope"); !errors.As(err, &alert) {
		t.Fatalf("wrong password: %v", err)
	}
	slot, err := b.JoinQuest(1, "pw")
	if err != nil || slot != 2 {
		t.Fatalf("join: %d %v", slot, err)
	}
	var join pat.NtcCircleJoin
	if _, err := a.Notice(pat.IDNtcCircleJoin, &join); err != nil || string(join.CapcomID) != bid {
		t.Fatalf("A sees B join: %q %v", join.CapcomID, err)
	}
	if _, err := c.JoinQuest(1, "pw"); !errors.As(err, &alert) {
		t.Fatalf("full circle: %v", err)
	}
	if err := b.PartyChat("ready?"); err != nil {
		t.Fatal(err)
	}
	var chat pat.NtcCircleChat
	if _, err := a.Notice(pat.IDNtcCircleChat, &chat); err != nil || string(chat.Text) != "ready?" {
		t.Fatalf("party chat: %q %v", chat.Text, err)
	}
	if err := a.Ready(true); err != nil {
		t.Fatal(err)
	}
	// B is not ready: dropped at departure.
	c.Drain(100 * time.Millisecond)
	c.Pending()
	if err := a.Depart(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Notice(pat.IDNtcCircleKick, nil); err != nil {
		t.Fatalf("B kicked: %v", err)
	}
	// The city's board changes twice, as MH3SP sends it: after B's
	// drop, and once more after the roster.
	c.Drain(300 * time.Millisecond)
	if n := len(c.Notices(pat.IDNtcCircleListLayerChange)); n != 2 {
		t.Fatalf("a bystander saw %d board changes at a departure with one drop, want 2", n)
	}
	var roster pat.NtcCircleMatchStart
	if _, err := a.Notice(pat.IDNtcCircleMatchStart, &roster); err != nil || len(roster.Members) != 1 || string(roster.Members[0].CapcomID) != aid {
		t.Fatalf("roster %+v %v", roster, err)
	}
	// The leader leaves the city: the circle was theirs alone and frees.
	if err := a.Up(); err != nil {
		t.Fatal(err)
	}
	board, err := c.Board()
	if err != nil || len(board) != 0 {
		t.Fatalf("board after the leader left: %d %v", len(board), err)
	}
}
