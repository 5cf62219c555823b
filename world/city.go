package world

import (
	"errors"
	"time"

	"github.com/mh3net/mh3net/events"
)

// ReservationTime is how long LayerCreateHead holds an empty city for its
// creator (MH3SP: 40 s). A reservation lapses by itself, even when the
// hunter who holds it vanishes.
const ReservationTime = 40 * time.Second

// Member is a hunter in a city slot.
type Member struct {
	CapcomID string
	Name     []byte
	Conn     string
	Edge     string
}

// City is the state of one city: it owns its slots, its host and its
// reservation. It is folded from the city's stream; decisions read it and
// return the events to append at Version.
type City struct {
	Version uint64
	Created bool
	Leader  string
	// PrevLeader is the host before the last hand-over: a departure that
	// finds the city already let its hunter go tells of a new host only
	// when that hunter was the one who handed over.
	PrevLeader string
	Members    []Member // one per slot; an empty CapcomID is a free slot
	Reserver   string
	Until      time.Time
	Opt        []events.OptField
	Settings   []byte
	// Circles are the city's quest parties, one per possible member.
	Circles []Circle
}

// NewCity is an empty city of capacity slots (and as many circles).
func NewCity(capacity int) City {
	return City{Members: make([]Member, capacity), Circles: make([]Circle, capacity)}
}

// Clone copies c so that a decision never changes a shared state.
func (c City) Clone() City {
	c.Members = append([]Member(nil), c.Members...)
	c.Opt = append([]events.OptField(nil), c.Opt...)
	circles := make([]Circle, len(c.Circles))
	for i, ci := range c.Circles {
		circles[i] = ci.clone()
	}
	c.Circles = circles
	return c
}

// Population is the number of hunters in the city.
func (c City) Population() int {
	n := 0
	for _, m := range c.Members {
		if m.CapcomID != "" {
			n++
		}
	}
	return n
}

// Slot is the 1-based slot of a hunter, 0 when it is not here.
func (c City) Slot(capcomID string) int {
	for i, m := range c.Members {
		if m.CapcomID == capcomID && capcomID != "" {
			return i + 1
		}
	}
	return 0
}

// Member returns the member with a Capcom ID.
func (c City) Member(capcomID string) (Member, bool) {
	if s := c.Slot(capcomID); s > 0 {
		return c.Members[s-1], true
	}
	return Member{}, false
}

// Reserved reports whether someone holds the city for creation at now.
func (c City) Reserved(now time.Time) bool {
	return c.Reserver != "" && now.Before(c.Until)
}

// Layer states as MH3SP sends them in LayerData 0x10.
const (
	StateEmpty    = 1
	StateFull     = 2
	StateJoinable = 3
)

// State is the city's LayerData state: a reserved city shows as full.
func (c City) State(now time.Time) uint8 {
	switch n := c.Population(); {
	case c.Reserved(now) && n == 0:
		return StateFull
	case n == 0:
		return StateEmpty
	case n < len(c.Members):
		return StateJoinable
	}
	return StateFull
}

// Apply folds one event of the city's stream.
func (c *City) Apply(version uint64, e events.Event) {
	c.Version = version
	switch e := e.(type) {
	case events.CityReserved:
		c.Reserver, c.Until = e.By, e.Until
	case events.CityReservationEnded:
		if c.Reserver == e.By {
			c.Reserver, c.Until = "", time.Time{}
		}
	case events.CityCreated:
		c.Created, c.Leader, c.Opt, c.Settings = true, e.Leader, e.Opt, e.Settings
	case events.CityJoined:
		if e.Slot >= 1 && e.Slot <= len(c.Members) {
			c.Members[e.Slot-1] = Member{CapcomID: e.CapcomID, Name: e.Name, Conn: e.Conn, Edge: e.Edge}
		}
	case events.CityLeft:
		if s := c.Slot(e.CapcomID); s > 0 {
			c.Members[s-1] = Member{}
		}
	case events.CityHostChanged:
		c.PrevLeader, c.Leader = c.Leader, e.CapcomID
	case events.CityReset:
		*c = NewCity(len(c.Members))
		c.Version = version
	default:
		c.applyCircle(e)
	}
}

// Refusals of city decisions; the handlers tell the player with an alert.
var (
	ErrCityExists   = errors.New("the city already exists")
	ErrCityReserved = errors.New("the city is reserved")
	ErrCityFull     = errors.New("the city is full")
	ErrCityGone     = errors.New("the city does not exist")
	ErrNotReserved  = errors.New("the city was not reserved by this hunter")
)

// Reserve is LayerCreateHead: an empty city is held for by until
// now+hold (ReservationTime when hold is not positive). A lapsed
// reservation does not block (MH3SP's does, until a restart).
func (c City) Reserve(by string, now time.Time, hold time.Duration) ([]events.Event, error) {
	if c.Population() > 0 {
		return nil, ErrCityExists
	}
	if c.Reserved(now) && c.Reserver != by {
		return nil, ErrCityReserved
	}
	if hold <= 0 {
		hold = ReservationTime
	}
	return []events.Event{events.CityReserved{By: by, Until: now.Add(hold)}}, nil
}

// Create is LayerCreateSet: the reserving hunter gets the city with its
// settings and enters it as host (slot 1).
func (c City) Create(m Member, opt []events.OptField, settings []byte, now time.Time) ([]events.Event, error) {
	if c.Slot(m.CapcomID) > 0 && c.Leader == m.CapcomID {
		return nil, nil // done already (a retried request)
	}
	if c.Population() > 0 {
		return nil, ErrCityExists
	}
	if c.Reserver != m.CapcomID {
		if c.Reserved(now) {
			return nil, ErrCityReserved
		}
		return nil, ErrNotReserved
	}
	return []events.Event{
		events.CityCreated{Leader: m.CapcomID, Opt: opt, Settings: settings},
		events.CityJoined{CapcomID: m.CapcomID, Name: m.Name, Slot: 1, Conn: m.Conn, Edge: m.Edge},
	}, nil
}

// EndReservation is LayerCreateFoot: the creator's reservation ends.
func (c City) EndReservation(by string) []events.Event {
	if c.Reserver != by || by == "" {
		return nil
	}
	return []events.Event{events.CityReservationEnded{By: by}}
}

// Join is entering a city that exists (LayerDown): the first free slot.
func (c City) Join(m Member, now time.Time) ([]events.Event, error) {
	if s := c.Slot(m.CapcomID); s > 0 {
		if c.Members[s-1].Conn == m.Conn {
			return nil, nil // in already (a retried request)
		}
		// The same hunter on a new connection: take its own slot back.
		return []events.Event{events.CityJoined{CapcomID: m.CapcomID, Name: m.Name, Slot: s, Conn: m.Conn, Edge: m.Edge}}, nil
	}
	if c.Population() == 0 {
		if c.Reserved(now) {
			return nil, ErrCityReserved
		}
		return nil, ErrCityGone
	}
	for i, cur := range c.Members {
		if cur.CapcomID == "" {
			return []events.Event{events.CityJoined{CapcomID: m.CapcomID, Name: m.Name, Slot: i + 1, Conn: m.Conn, Edge: m.Edge}}, nil
		}
	}
	return nil, ErrCityFull
}

// Leave is a hunter leaving (LayerUp, LayerEnd, disconnect, sweep): its
// slot frees; if it hosted, the member in the lowest slot hosts next; the
// last one out resets the city.
func (c City) Leave(capcomID, reason string) []events.Event {
	s := c.Slot(capcomID)
	if s == 0 {
		return nil
	}
	// Out of its circle first (MH3SP's departure does the same).
	_, evs := c.LeaveCircle(capcomID, reason)
	evs = append(evs, events.CityLeft{CapcomID: capcomID, Reason: reason})
	next := ""
	for i, m := range c.Members {
		if m.CapcomID != "" && i != s-1 {
			next = m.CapcomID
			break
		}
	}
	switch {
	case next == "":
		evs = append(evs, events.CityReset{})
	case c.Leader == capcomID:
		evs = append(evs, events.CityHostChanged{CapcomID: next})
	}
	return evs
}
