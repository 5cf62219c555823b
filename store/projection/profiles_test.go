package projection

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/store/jsstore"
)

// Two processes' worth of stores on one NATS: a write through one is seen
// by the other's projection after Sync.
func TestReadYourWritesAcrossInstances(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func() *jsstore.Store {
		nc, err := nats.Connect(ns.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		s, err := jsstore.Open(ctx, nc, jsstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	writer, reader := open(), open()
	p := NewProfiles(reader)
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i, e := range []events.Event{
		events.ConsoleCreated{SupportCode: "CODE1234567"},
		events.ProfileCreated{Slot: 2, CapcomID: "ABC123", Name: []byte("Jaggi")},
		events.HunterNamed{Slot: 2, CapcomID: "ABC123", Name: []byte("Qurupeco")},
	} {
		env, _ := events.Encode(events.NewID(), e)
		if _, err := writer.Append(ctx, events.ConsoleStream("CODE1234567"), uint64(i), []events.Envelope{env}); err != nil {
			t.Fatal(err)
		}
		if err := p.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		c, ok := p.Get("CODE1234567")
		if !ok || c.Version != uint64(i+1) {
			t.Fatalf("after event %d: %+v %v", i+1, c, ok)
		}
	}
	c, _ := p.Get("CODE1234567")
	if c.Slots[1].CapcomID != "ABC123" || string(c.Slots[1].Name) != "Qurupeco" {
		t.Fatalf("slot 2 = %+v", c.Slots[1])
	}
	if code, ok := p.Owner("ABC123"); !ok || code != "CODE1234567" {
		t.Fatalf("owner %q %v", code, ok)
	}
}

// A stream's version never moves back: an event that does not move it
// forward is skipped (and the position still counts as applied), one that
// skips versions stops the projection with a GapError that Sync reports.
func TestVersionsOnlyMoveForward(t *testing.T) {
	p := NewProfiles(nil)
	at := func(pos, version uint64, e events.Event) events.Envelope {
		env, err := events.Encode(events.NewID(), e)
		if err != nil {
			t.Fatal(err)
		}
		env.Stream, env.Version, env.Position = events.ConsoleStream("CODE1234567"), version, pos
		return env
	}
	named := func(name string) events.Event {
		return events.HunterNamed{Slot: 1, CapcomID: "ABC123", Name: []byte(name)}
	}
	for _, env := range []events.Envelope{
		at(1, 1, events.ConsoleCreated{SupportCode: "CODE1234567"}),
		at(2, 2, events.ProfileCreated{Slot: 1, CapcomID: "ABC123", Name: []byte("Jaggi")}),
		at(3, 3, named("Rathian")),
		at(4, 2, named("Lagiacrus")), // behind: skipped
		at(5, 3, named("Barroth")),   // the known version again: skipped
		at(3, 4, named("Qurupeco")),  // a position already applied: ignored
	} {
		if err := p.apply(env); err != nil {
			t.Fatalf("position %d: %v", env.Position, err)
		}
	}
	c, _ := p.Get("CODE1234567")
	if c.Version != 3 || string(c.Slots[0].Name) != "Rathian" {
		t.Fatalf("console %+v, want version 3 named Rathian", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitFor(ctx, 5); err != nil {
		t.Fatalf("skipped events count as applied: %v", err)
	}
	err := p.apply(at(6, 5, named("Gobul")))
	var gap *GapError
	if !errors.As(err, &gap) || gap.Known != 3 || gap.Version != 5 || gap.Position != 6 {
		t.Fatalf("version 5 after 3: %v", err)
	}
	if err := p.WaitFor(ctx, 6); !errors.As(err, &gap) {
		t.Fatalf("WaitFor past a gap: %v", err)
	}
	if c, _ := p.Get("CODE1234567"); c.Version != 3 {
		t.Fatalf("the gap moved the console to version %d", c.Version)
	}
	// The missing event arrives (a re-subscription): the projection goes on.
	if err := p.apply(at(6, 4, named("Gobul"))); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor(ctx, 6); err != nil {
		t.Fatal(err)
	}
}

// One append of several events (one JetStream message): each has its own
// position, and every one is applied.
func TestMultiEventAppend(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, err := jsstore.Open(ctx, nc, jsstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var batch []events.Envelope
	for _, e := range []events.Event{
		events.ConsoleCreated{SupportCode: "CODE7654321"},
		events.ProfileCreated{Slot: 3, CapcomID: "XYZ789", Name: []byte("Jaggi")},
		events.HunterNamed{Slot: 3, CapcomID: "XYZ789", Name: []byte("Ludroth")},
	} {
		env, _ := events.Encode(events.NewID(), e)
		batch = append(batch, env)
	}
	if _, err := s.Append(ctx, events.ConsoleStream("CODE7654321"), 0, batch); err != nil {
		t.Fatal(err)
	}
	p, err := Rebuild(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Get("CODE7654321")
	if c.Version != 3 || string(c.Slots[2].Name) != "Ludroth" {
		t.Fatalf("console %+v", c)
	}
}
