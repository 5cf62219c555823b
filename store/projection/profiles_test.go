package projection

import (
	"context"
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
