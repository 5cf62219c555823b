package world

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/mh3net/mh3net/events"
)

// fold applies events to a hunter, numbering them after its version.
func fold(h *Hunter, evs ...events.Event) {
	for _, e := range evs {
		h.Apply(h.Version+1, e)
	}
}

func TestFriendRequestOutcomes(t *testing.T) {
	var alice, bob Hunter
	req := func(deny bool) (RequestOutcome, []events.Event) {
		return FriendRequestFrom(alice.Social, "ALICE1", bob.Social, "BOB222", deny, []byte("Alice"), []byte{0}, []byte("hi"))
	}
	if out, evs := req(true); out != RequestDenied || evs != nil {
		t.Fatalf("deny: %v %v", out, evs)
	}
	if out, _ := FriendRequestFrom(alice.Social, "ALICE1", alice.Social, "ALICE1", false, nil, nil, nil); out != RequestSelf {
		t.Fatalf("self: %v", out)
	}
	out, evs := req(false)
	want := []events.Event{events.FriendRequested{From: "ALICE1", Name: []byte("Alice"), Info: []byte{0}, Text: []byte("hi")}}
	if out != RequestStored || !reflect.DeepEqual(evs, want) {
		t.Fatalf("first request: %v %v", out, evs)
	}
	fold(&bob, evs...)
	if r, ok := bob.Social.Pending("ALICE1"); !ok || string(r.Text) != "hi" || bob.Version != 1 {
		t.Fatalf("pending: %+v %v", r, ok)
	}
	// Asking again stores nothing: one pending request per sender.
	if out, evs := req(false); out != RequestAgain || evs != nil {
		t.Fatalf("again: %v %v", out, evs)
	}
	// Bob blacklists Alice: her request is dropped and the next goes nowhere.
	evs, err := bob.Social.Blacklist("BOB222", "ALICE1", []byte("Alice"))
	if err != nil {
		t.Fatal(err)
	}
	fold(&bob, evs...)
	if _, ok := bob.Social.Pending("ALICE1"); ok {
		t.Fatal("a blacklisted sender's request is still pending")
	}
	if out, evs := req(false); out != RequestBlocked || evs != nil {
		t.Fatalf("blocked: %v %v", out, evs)
	}
	// Denying wins over the blacklist (it tells the sender nothing new).
	if out, _ := req(true); out != RequestDenied {
		t.Fatalf("deny and blocked: %v", out)
	}
	fold(&bob, bob.Social.Unblacklist("ALICE1")...)
	if bob.Social.Blocks("ALICE1") || bob.Social.Unblacklist("ALICE1") != nil {
		t.Fatal("still blacklisted")
	}
	if out, _ := req(false); out != RequestStored {
		t.Fatalf("after the blacklist: %v", out)
	}
}

func TestAcceptRefuseAndDelete(t *testing.T) {
	var alice, bob Hunter
	_, evs := FriendRequestFrom(alice.Social, "ALICE1", bob.Social, "BOB222", false, []byte("Alice"), nil, []byte("hi"))
	fold(&bob, evs...)

	if _, err := bob.Social.Answer("CARL33", true, nil); !errors.Is(err, ErrNotPending) {
		t.Fatalf("answer to no request: %v", err)
	}
	// Refused: no longer pending, nobody listed.
	refused := bob
	no, err := refused.Social.Answer("ALICE1", false, nil)
	if err != nil || !reflect.DeepEqual(no, []events.Event{events.FriendRequestAnswered{From: "ALICE1"}}) {
		t.Fatalf("refuse: %v %v", no, err)
	}
	fold(&refused, no...)
	if _, ok := refused.Social.Pending("ALICE1"); ok || refused.Social.IsFriend("ALICE1") {
		t.Fatalf("after refusal: %+v", refused.Social)
	}
	// Accepted: both sides list each other.
	theirs, err := alice.Social.Befriend("BOB222", []byte("Bob"))
	if err != nil {
		t.Fatal(err)
	}
	mine, err := bob.Social.Answer("ALICE1", true, []byte("Alice"))
	if err != nil || !reflect.DeepEqual(mine, []events.Event{events.FriendAdded{CapcomID: "ALICE1", Name: []byte("Alice")}}) {
		t.Fatalf("accept: %v %v", mine, err)
	}
	fold(&alice, theirs...)
	fold(&bob, mine...)
	if !alice.Social.IsFriend("BOB222") || !bob.Social.IsFriend("ALICE1") || len(bob.Social.Requests) != 0 {
		t.Fatalf("friends: %+v / %+v", alice.Social, bob.Social)
	}
	// A retried acceptance adds nothing on the requester's side.
	if again, err := alice.Social.Befriend("BOB222", []byte("Bob")); again != nil || err != nil {
		t.Fatalf("befriend twice: %v %v", again, err)
	}
	// Friends already: a request from Alice is pointless.
	if out, _ := FriendRequestFrom(alice.Social, "ALICE1", bob.Social, "BOB222", false, nil, nil, nil); out != RequestFriends {
		t.Fatalf("request to a friend: %v", out)
	}
	// Deleting is one-sided; Alice may ask again, and Bob's acceptance
	// then only clears the request on his side.
	fold(&alice, alice.Social.Unfriend("BOB222")...)
	if alice.Social.IsFriend("BOB222") || !bob.Social.IsFriend("ALICE1") || alice.Social.Unfriend("BOB222") != nil {
		t.Fatal("delete")
	}
	_, evs = FriendRequestFrom(alice.Social, "ALICE1", bob.Social, "BOB222", false, nil, nil, nil)
	fold(&bob, evs...)
	mine, _ = bob.Social.Answer("ALICE1", true, nil)
	if !reflect.DeepEqual(mine, []events.Event{events.FriendRequestAnswered{From: "ALICE1", Accepted: true}}) {
		t.Fatalf("accept from a friend: %v", mine)
	}
}

func TestSocialBounds(t *testing.T) {
	var h Hunter
	for i := 0; i < MaxFriends; i++ {
		fold(&h, events.FriendAdded{CapcomID: fmt.Sprintf("F%05d", i)})
	}
	if _, err := h.Social.Befriend("NEW000", nil); !errors.Is(err, ErrFriendsFull) {
		t.Fatalf("befriend past the bound: %v", err)
	}
	if out, _ := FriendRequestFrom(h.Social, "ME0000", Social{}, "NEW000", false, nil, nil, nil); out != RequestSenderFull {
		t.Fatalf("request with a full list: %v", out)
	}
	fold(&h, events.FriendRequested{From: "NEW000"})
	if _, err := h.Social.Answer("NEW000", true, nil); !errors.Is(err, ErrFriendsFull) {
		t.Fatalf("accept with a full list: %v", err)
	}
	var r Hunter
	for i := 0; i < MaxFriendRequests; i++ {
		fold(&r, events.FriendRequested{From: fmt.Sprintf("R%05d", i)})
	}
	if out, evs := FriendRequestFrom(Social{}, "NEW000", r.Social, "ME0000", false, nil, nil, nil); out != RequestOverflow || evs != nil {
		t.Fatalf("too many pending: %v %v", out, evs)
	}
	var b Hunter
	for i := 0; i < MaxBlackList; i++ {
		fold(&b, events.BlackListed{CapcomID: fmt.Sprintf("B%05d", i)})
	}
	if _, err := b.Social.Blacklist("ME0000", "NEW000", nil); !errors.Is(err, ErrBlackListFull) {
		t.Fatalf("blacklist past the bound: %v", err)
	}
	if _, err := b.Social.Blacklist("ME0000", "ME0000", nil); !errors.Is(err, ErrSelf) {
		t.Fatalf("blacklist oneself: %v", err)
	}
	if evs, err := b.Social.Blacklist("ME0000", "B00001", nil); evs != nil || err != nil {
		t.Fatalf("blacklist twice: %v %v", evs, err)
	}
}

// TestCopiesDoNotShareChanges: the world view hands out copies of a
// Hunter and decisions fold more events into them; the view's own state
// must never change through a copy.
func TestCopiesDoNotShareChanges(t *testing.T) {
	var view Hunter
	fold(&view, events.FriendAdded{CapcomID: "AAAAAA"}, events.FriendAdded{CapcomID: "BBBBBB"},
		events.FriendRequested{From: "CCCCCC"}, events.BlackListed{CapcomID: "DDDDDD"})
	a, b := view, view
	fold(&a, events.FriendAdded{CapcomID: "EEEEEE"}, events.FriendRequested{From: "FFFFFF"}, events.BlackListed{CapcomID: "GGGGGG"})
	fold(&b, events.FriendAdded{CapcomID: "HHHHHH"}, events.FriendDeleted{CapcomID: "AAAAAA"}, events.FriendRequestAnswered{From: "CCCCCC"})
	if len(view.Social.Friends) != 2 || len(view.Social.Requests) != 1 || len(view.Social.Black) != 1 {
		t.Fatalf("view changed: %+v", view.Social)
	}
	if a.Social.Friends[2].CapcomID != "EEEEEE" || b.Social.Friends[1].CapcomID != "HHHHHH" || a.Social.Friends[0].CapcomID != "AAAAAA" {
		t.Fatalf("copies: %+v / %+v", a.Social.Friends, b.Social.Friends)
	}
	// Location events leave the social state alone, and the reverse.
	fold(&a, events.HunterLocated{Server: 1, Conn: "c", Edge: "e"})
	if a.At.Server != 1 || len(a.Social.Friends) != 3 {
		t.Fatalf("%+v", a)
	}
}

// TestDenyRequestsIsKept: the "deny friend requests" setting is an event
// only when it changes, and the folded state is what the decisions read.
func TestDenyRequestsIsKept(t *testing.T) {
	var h Hunter
	if evs := h.Social.DenyRequests(false); evs != nil {
		t.Fatalf("accepting as before: %v", evs)
	}
	evs := h.Social.DenyRequests(true)
	if !reflect.DeepEqual(evs, []events.Event{events.FriendRequestsSet{Deny: true}}) {
		t.Fatalf("deny: %v", evs)
	}
	fold(&h, evs...)
	if !h.Social.DeniesRequests || h.Social.DenyRequests(true) != nil {
		t.Fatalf("after deny: %+v", h.Social)
	}
	if out, _ := FriendRequestFrom(Social{}, "ALICE1", h.Social, "BOB222", h.Social.DeniesRequests, nil, nil, nil); out != RequestDenied {
		t.Fatalf("request to a hunter who denies them: %v", out)
	}
	// A copy taken before keeps its value (the view's copies share nothing).
	before := h
	fold(&h, h.Social.DenyRequests(false)...)
	if h.Social.DeniesRequests || !before.Social.DeniesRequests || h.Version != 2 {
		t.Fatalf("after accepting again: %+v, copy %+v", h, before)
	}
}
