package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/world"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// hunterOn logs a new console in to FMP server 1 through s's OPN and LMP
// and plays the arrival.
func hunterOn(t *testing.T, opn, lmp, fmp string, name string) (*gameclient.Client, string) {
	t.Helper()
	con := &gameclient.Console{}
	f, id, err := gameclient.LoginFromLMP(lmp, fmp, con, name, 1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	if _, _, err := f.Arrive(50); err != nil {
		t.Fatalf("%s arrives: %v", name, err)
	}
	return f, id
}

func TestCitySmoke(t *testing.T) {
	s := start(t, Config{})
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()
	a, aid := hunterOn(t, "", lmp, fmp, "Alpha")
	b, bid := hunterOn(t, "", lmp, fmp, "Beta")

	gates, err := a.Children()
	if err != nil || len(gates) != 40 {
		t.Fatalf("gates: %d, %v", len(gates), err)
	}
	if err := a.Down(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Down(1); err != nil {
		t.Fatal(err)
	}
	var in pat.NtcLayerIn
	if _, err := a.Notice(pat.IDNtcLayerIn, &in); err != nil || string(in.CapcomID) != bid {
		t.Fatalf("A sees B at the gate: %q %v", in.CapcomID, err)
	}
	if err := a.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	host, err := b.JoinCity(1, 1, 3)
	if err != nil || host != aid {
		t.Fatalf("B joins: host %q, %v", host, err)
	}
	if _, err := a.Notice(pat.IDNtcLayerIn, &in); err != nil || string(in.CapcomID) != bid {
		t.Fatalf("A sees B in the city: %q %v", in.CapcomID, err)
	}
	users, err := b.Users()
	if err != nil || len(users) != 2 {
		t.Fatalf("city users %v, %v", users, err)
	}
	if err := a.Chat("hello"); err != nil {
		t.Fatal(err)
	}
	if from, text, err := b.Heard(); err != nil || from != aid || text != "hello" {
		t.Fatalf("B heard %q %q %v", from, text, err)
	}
	if err := b.Position([]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	var pos pat.NtcLayerUserPosition
	if _, err := a.Notice(pat.IDNtcLayerUserPosition, &pos); err != nil || string(pos.SenderID) != bid {
		t.Fatalf("A got position %q %v", pos.SenderID, err)
	}
	if err := a.Up(); err != nil {
		t.Fatal(err)
	}
	var hostNtc pat.NtcLayerHost
	if _, err := b.Notice(pat.IDNtcLayerHost, &hostNtc); err != nil || string(hostNtc.CapcomID) != bid {
		t.Fatalf("B hosts now: %q %v", hostNtc.CapcomID, err)
	}
	// A full city refuses.
	if err := a.Down(3); err != nil {
		t.Fatalf("A back in: %v", err)
	}
	if err := a.Up(); err != nil {
		t.Fatal(err)
	}
	var alert *gameclient.ErrAlert
	if err := a.Down(9); !errors.As(err, &alert) {
		t.Fatalf("empty city: %v", err)
	}
}

// A hunter standing in a city that reserved and created another one
// (LayerCreateHead and Set from inside) was moved to the new city while
// the first still held its slot: a member of two cities, and the first
// kept the ghost after the hunter left or disconnected. From inside a
// city only that city's own number is accepted (Foot after Set).
func TestNoCityCreatedFromInsideAnother(t *testing.T) {
	s := start(t, Config{})
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()
	a, aid := hunterOn(t, "", lmp, fmp, "Alpha")
	b, _ := hunterOn(t, "", lmp, fmp, "Beta")
	for _, cl := range []*gameclient.Client{a, b} {
		if err := cl.Down(1); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	var alert *gameclient.ErrAlert
	if err := a.Call(&pat.ReqLayerCreateHead{Number: 4}, &pat.AnsLayerCreateHead{}); !errors.As(err, &alert) {
		t.Fatalf("Head of city 4 from inside city 3: %v, want an alert", err)
	}
	if err := a.Call(&pat.ReqLayerCreateSet{Number: 4}, &pat.AnsLayerCreateSet{}); !errors.As(err, &alert) {
		t.Fatalf("Set of city 4 from inside city 3: %v, want an alert", err)
	}
	if users, err := a.Users(); err != nil || len(users) != 1 || users[0] != aid {
		t.Fatalf("city 3 holds %v (%v), want only %s", users, err, aid)
	}
	// City 4 was neither reserved nor created: B creates it.
	if err := b.CreateCity(4, nil); err != nil {
		t.Fatalf("city 4 after the refusals: %v", err)
	}
	// The creator's own Foot from inside still works.
	if err := a.Call(&pat.ReqLayerCreateFoot{Number: 3}, &pat.AnsLayerCreateFoot{}); err != nil {
		t.Fatalf("Foot of its own city: %v", err)
	}
}

// A departure whose first attempt died after its city append (the edge
// retries it; the retry finds the city without the hunter, the hunter's
// stream still in it) must still tell the city: the others see the
// hunter go and learn who hosts now. The retry used to find nothing to
// append and so sent nothing: B went on seeing A, and did not know it
// hosted. The first attempt's append is made here by hand, as the dead
// handler made it.
func TestRetriedDepartureStillTellsTheCity(t *testing.T) {
	s := start(t, Config{})
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()
	a, aid := hunterOn(t, "", lmp, fmp, "Alpha")
	b, bid := hunterOn(t, "", lmp, fmp, "Beta")
	for _, cl := range []*gameclient.Client{a, b} {
		if err := cl.Down(1); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	if host, err := b.JoinCity(1, 1, 3); err != nil || host != aid {
		t.Fatalf("B joins: %q %v", host, err)
	}
	p := world.Path{Server: 1, Gate: 1, City: 3}
	city, _, bad, err := cityLog(context.Background(), s.store, p, 4)
	if err != nil || len(bad) > 0 {
		t.Fatal(err, bad)
	}
	var envs []events.Envelope
	for i, e := range city.Leave(aid, "layer up") {
		env, err := events.Encode(fmt.Sprintf("dead-attempt/%d", i), e)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	if _, err := s.store.Append(context.Background(), events.CityStream(1, 1, 3), city.Version, envs); err != nil {
		t.Fatal(err)
	}
	if err := a.Up(); err != nil {
		t.Fatalf("A's LayerUp, retried: %v", err)
	}
	b.Timeout = 3 * time.Second
	var host pat.NtcLayerHost
	if _, err := b.Notice(pat.IDNtcLayerHost, &host); err != nil || string(host.CapcomID) != bid {
		t.Fatalf("B is not told it hosts: %q %v", host.CapcomID, err)
	}
	var out pat.NtcLayerOut
	if _, err := b.Notice(pat.IDNtcLayerOut, &out); err != nil || string(out.CapcomID) != aid {
		t.Fatalf("B does not see A go: %q %v", out.CapcomID, err)
	}
	if users, err := b.Users(); err != nil || len(users) != 1 || users[0] != bid {
		t.Fatalf("city 3 holds %v (%v)", users, err)
	}
}
