// Package projection builds the read models handlers use from the event
// log. Each handler process keeps its own copy, fed by a store
// subscription; Sync is a read barrier that waits until everything in the
// log when it was called has been applied, so a write made through any
// process is seen.
package projection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

// Slot is one Capcom-ID profile of a console.
type Slot struct {
	CapcomID string
	Name     []byte
}

// Console is one console's profiles.
type Console struct {
	SupportCode string
	Version     uint64 // version of the console's stream
	Slots       [6]Slot
}

// Profiles is the read model of consoles and Capcom IDs.
type Profiles struct {
	st  store.Store
	log *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	applied  uint64
	err      error             // the projection stopped for good
	gap      *GapError         // the log is missing events: nothing past them is applied
	versions map[string]uint64 // every stream's newest applied version
	consoles map[string]*Console
	owners   map[string]string // Capcom ID → support code
}

// GapError reports an event whose stream version skips versions the
// projection never saw: the log is missing events (or delivers them out
// of order), so the read model stops there rather than build on a hole.
type GapError struct {
	Stream   string
	Version  uint64 // the event's
	Known    uint64 // the stream's newest applied version
	Position uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("projection: stream %q jumps from version %d to %d at position %d", e.Stream, e.Known, e.Version, e.Position)
}

// ProfilesKinds are the kinds of stream the profiles read model follows
// (store.KindFilter): consoles.
var ProfilesKinds = []string{"console"}

// NewProfiles makes an empty read model over st.
func NewProfiles(st store.Store) *Profiles {
	p := &Profiles{st: st, log: slog.Default(), versions: map[string]uint64{}, consoles: map[string]*Console{}, owners: map[string]string{}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Start follows the log from the beginning until ctx ends, re-subscribing
// from its checkpoint after an error (NATS or the database restarting).
func (p *Profiles) Start(ctx context.Context) error {
	go func() {
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			p.mu.Lock()
			from := p.applied + 1
			p.mu.Unlock()
			err := store.SubscribeKinds(ctx, p.st, from, ProfilesKinds, p.apply)
			if ctx.Err() != nil {
				break
			}
			p.log.Warn("profiles projection interrupted, resuming", "from", from, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
		p.mu.Lock()
		p.err = fmt.Errorf("projection stopped: %w", context.Cause(ctx))
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	return nil
}

// apply folds one event in. Positions name one event each, so an event
// at or below the applied position was applied already (a re-subscription
// overlapping). A stream's version only moves forward, one at a time: an
// event that does not move it is skipped and logged, an event past the
// next version is a gap, an error.
func (p *Profiles) apply(env events.Envelope) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if env.Position <= p.applied {
		return nil
	}
	known := p.versions[env.Stream]
	if env.Version <= known {
		p.log.Warn("profiles projection skips an event that would move its stream's version back",
			"stream", env.Stream, "version", env.Version, "known", known, "position", env.Position, "id", env.ID)
		p.applied = env.Position
		p.cond.Broadcast()
		return nil
	}
	if env.Version > known+1 {
		p.gap = &GapError{Stream: env.Stream, Version: env.Version, Known: known, Position: env.Position}
		p.log.Error("profiles projection found a gap in the log", "err", p.gap)
		p.cond.Broadcast()
		return p.gap
	}
	ev, err := events.Decode(env)
	if err != nil {
		p.log.Error("profiles projection cannot read an event", "err", err)
		return err
	}
	if strings.HasPrefix(env.Stream, "console.") {
		c := p.console(env.Stream)
		c.Apply(env.Version, ev)
		if e, ok := ev.(events.ProfileCreated); ok && e.Slot >= 1 && e.Slot <= 6 {
			p.owners[e.CapcomID] = c.SupportCode
		}
	}
	p.versions[env.Stream] = env.Version
	p.applied = env.Position
	p.gap = nil
	p.cond.Broadcast()
	return nil
}

// Apply folds one event of the console's stream.
func (c *Console) Apply(version uint64, ev events.Event) {
	c.Version = version
	switch e := ev.(type) {
	case events.ConsoleCreated:
		c.SupportCode = e.SupportCode
	case events.ProfileCreated:
		if e.Slot >= 1 && e.Slot <= 6 {
			c.Slots[e.Slot-1] = Slot{CapcomID: e.CapcomID, Name: e.Name}
		}
	case events.HunterNamed:
		if e.Slot >= 1 && e.Slot <= 6 {
			c.Slots[e.Slot-1].Name = e.Name
		}
	}
}

func (p *Profiles) console(stream string) *Console {
	code := strings.TrimPrefix(stream, "console.")
	c, ok := p.consoles[code]
	if !ok {
		c = &Console{SupportCode: code}
		p.consoles[code] = c
	}
	return c
}

// WaitFor blocks until events up to position are applied.
func (p *Profiles) WaitFor(ctx context.Context, position uint64) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.applied < position {
		if p.err != nil {
			return p.err
		}
		if p.gap != nil {
			return p.gap
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for position %d (at %d): %w", position, p.applied, err)
		}
		p.cond.Wait()
	}
	return nil
}

// Sync waits until everything in the log now is applied.
func (p *Profiles) Sync(ctx context.Context) error {
	pos, err := store.LastPositionOfKinds(ctx, p.st, ProfilesKinds)
	if err != nil {
		return err
	}
	return p.WaitFor(ctx, pos)
}

// Get returns a console by online support code.
func (p *Profiles) Get(supportCode string) (Console, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.consoles[supportCode]
	if !ok {
		return Console{}, false
	}
	return *c, true
}

// Owner returns the console and slot holding a Capcom ID.
func (p *Profiles) Owner(capcomID string) (supportCode string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	supportCode, ok = p.owners[capcomID]
	return
}

// Stats summarises the read model.
type Stats struct {
	Position uint64 // last applied position
	Consoles int
	Profiles int
	Digest   string // hash of the whole state, for comparing two builds
}

// Stats returns the read model's size and a digest of its content.
// Position is the position of the last event applied (metrics).
func (p *Profiles) Position() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

func (p *Profiles) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	codes := make([]string, 0, len(p.consoles))
	for code := range p.consoles {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	h := sha256.New()
	st := Stats{Position: p.applied, Consoles: len(codes)}
	for _, code := range codes {
		c := p.consoles[code]
		fmt.Fprintf(h, "%s %d\n", code, c.Version)
		for i, s := range c.Slots {
			if s.CapcomID != "" {
				st.Profiles++
				fmt.Fprintf(h, " %d %s %x\n", i+1, s.CapcomID, s.Name)
			}
		}
	}
	st.Digest = hex.EncodeToString(h.Sum(nil))
	return st
}

// Rebuild replays src from position 1 into a new read model and returns
// it once it has caught up with the log as it was when called.
func Rebuild(ctx context.Context, src store.Store) (*Profiles, error) {
	p := NewProfiles(src)
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	if err := p.Sync(ctx); err != nil {
		return nil, err
	}
	return p, nil
}
