package world

import (
	"bytes"
	"errors"

	"github.com/mh3net/mh3net/events"
)

// Circles are the quest parties of a city: one per possible member (4),
// each with up to 4 slots. The city's stream holds them, so their slots
// hold under races exactly as the city's do.

// CircleMember is a hunter in a circle slot.
type CircleMember struct {
	CapcomID   string
	Name       []byte
	Conn       string
	WeaponType uint8
	Standby    bool
}

// Circle is one quest party.
type Circle struct {
	Leader      string
	Members     []CircleMember // one per slot (its capacity); "" = free
	Departed    bool
	QuestID     uint32
	HasPassword bool
	Password    []byte
	HasRemarks  bool
	Remarks     []byte
	Unknown0E   uint8
}

// Empty reports a free circle (nobody posted a quest in it).
func (c Circle) Empty() bool { return c.Leader == "" }

// Population is the number of members.
func (c Circle) Population() int {
	n := 0
	for _, m := range c.Members {
		if m.CapcomID != "" {
			n++
		}
	}
	return n
}

// Slot is a member's 1-based slot, 0 when not a member.
func (c Circle) Slot(capcomID string) int {
	for i, m := range c.Members {
		if capcomID != "" && m.CapcomID == capcomID {
			return i + 1
		}
	}
	return 0
}

// Full reports whether every slot is taken.
func (c Circle) Full() bool { return c.Population() >= len(c.Members) }

// Joinable: not departed and not full.
func (c Circle) Joinable() bool { return !c.Departed && !c.Full() }

func (c Circle) clone() Circle {
	c.Members = append([]CircleMember(nil), c.Members...)
	return c
}

// CircleOf is the 1-based index of the circle a hunter is in (0: none).
func (c City) CircleOf(capcomID string) int {
	for i, ci := range c.Circles {
		if ci.Slot(capcomID) > 0 {
			return i + 1
		}
	}
	return 0
}

// Circle returns circle index (1-based), and false when out of range.
func (c City) Circle(index int) (Circle, bool) {
	if index < 1 || index > len(c.Circles) {
		return Circle{}, false
	}
	return c.Circles[index-1], true
}

// InQuest counts members of departed circles (shown at the gate).
func (c City) InQuest() int {
	n := 0
	for _, ci := range c.Circles {
		if ci.Departed {
			n += ci.Population()
		}
	}
	return n
}

// InQuest reports whether a hunter is away on a quest.
func (c City) HunterInQuest(capcomID string) bool {
	if i := c.CircleOf(capcomID); i > 0 {
		return c.Circles[i-1].Departed
	}
	return false
}

func (c *City) applyCircle(e events.Event) {
	circle := func(i int) *Circle {
		if i < 1 || i > len(c.Circles) {
			return nil
		}
		return &c.Circles[i-1]
	}
	switch e := e.(type) {
	case events.CircleCreated:
		if ci := circle(e.Index); ci != nil {
			*ci = Circle{Leader: e.Leader, Members: make([]CircleMember, max(e.Capacity, 1)), QuestID: e.QuestID,
				HasPassword: e.HasPassword, Password: e.Password, HasRemarks: e.HasRemarks, Remarks: e.Remarks, Unknown0E: e.Unknown0E}
			ci.Members[0] = CircleMember{CapcomID: e.Leader, Name: e.Name, Conn: e.Conn, WeaponType: e.WeaponType}
		}
	case events.CircleJoined:
		if ci := circle(e.Index); ci != nil && e.Slot >= 1 && e.Slot <= len(ci.Members) {
			ci.Members[e.Slot-1] = CircleMember{CapcomID: e.CapcomID, Name: e.Name, Conn: e.Conn, WeaponType: e.WeaponType}
		}
	case events.CircleLeft:
		if ci := circle(e.Index); ci != nil {
			if s := ci.Slot(e.CapcomID); s > 0 {
				ci.Members[s-1] = CircleMember{}
			}
		}
	case events.CircleHostChanged:
		if ci := circle(e.Index); ci != nil {
			ci.Leader = e.CapcomID
		}
	case events.CircleBroken:
		if ci := circle(e.Index); ci != nil {
			*ci = Circle{}
		}
	case events.CircleStandby:
		if ci := circle(e.Index); ci != nil {
			if s := ci.Slot(e.CapcomID); s > 0 {
				ci.Members[s-1].Standby = e.Standby
			}
		}
	case events.CircleDeparted:
		if ci := circle(e.Index); ci != nil {
			ci.Departed = true
		}
	case events.CircleSettingsChanged:
		if ci := circle(e.Index); ci != nil {
			if e.Capacity > 0 && e.Capacity >= ci.Population() && e.Capacity <= CircleSlots {
				members := make([]CircleMember, e.Capacity)
				n := 0
				for _, m := range ci.Members {
					if m.CapcomID != "" {
						members[n] = m
						n++
					}
				}
				ci.Members = members
			}
			if e.QuestID != nil {
				ci.QuestID = *e.QuestID
			}
			if e.HasPassword != nil {
				ci.HasPassword, ci.Password = *e.HasPassword, e.Password
			}
			if e.HasRemarks {
				ci.HasRemarks, ci.Remarks = true, e.Remarks
			}
		}
	}
}

// CircleSlots is the most members a circle takes.
const CircleSlots = 4

// Refusals of circle decisions.
var (
	ErrNoCircleSlot    = errors.New("no free circle in this city")
	ErrBadCircle       = errors.New("no such circle")
	ErrWrongPassword   = errors.New("wrong circle password")
	ErrCircleFull      = errors.New("the circle is full or departed")
	ErrAlreadyInCircle = errors.New("the hunter is in another circle")
	ErrNotInCity       = errors.New("the hunter is not in this city")
	ErrNotLeader       = errors.New("only the circle's leader may do that")
)

// NewCircle is what a hunter posts: its settings.
type NewCircle struct {
	Capacity    int
	QuestID     uint32
	HasPassword bool
	Password    []byte
	HasRemarks  bool
	Remarks     []byte
	Unknown0E   uint8
}

// CreateCircle is CircleCreate: the first free circle, led by m.
func (c City) CreateCircle(m CircleMember, n NewCircle) (int, []events.Event, error) {
	if c.Slot(m.CapcomID) == 0 {
		return 0, nil, ErrNotInCity
	}
	if i := c.CircleOf(m.CapcomID); i > 0 {
		if c.Circles[i-1].Leader == m.CapcomID && !c.Circles[i-1].Departed {
			return i, nil, nil // posted already (a retried request)
		}
		return 0, nil, ErrAlreadyInCircle
	}
	capacity := min(max(n.Capacity, 1), CircleSlots)
	for i, ci := range c.Circles {
		if ci.Empty() {
			return i + 1, []events.Event{events.CircleCreated{Index: i + 1, Leader: m.CapcomID, Name: m.Name, Conn: m.Conn,
				WeaponType: m.WeaponType, Capacity: capacity, QuestID: n.QuestID, HasPassword: n.HasPassword,
				Password: n.Password, HasRemarks: n.HasRemarks, Remarks: n.Remarks, Unknown0E: n.Unknown0E}}, nil
		}
	}
	return 0, nil, ErrNoCircleSlot
}

// JoinCircle is CircleJoin: the first free slot of circle index, if the
// password matches and the circle is joinable.
func (c City) JoinCircle(index int, m CircleMember, password []byte, hasPassword bool) (int, []events.Event, error) {
	ci, ok := c.Circle(index)
	if !ok || ci.Empty() {
		return 0, nil, ErrBadCircle
	}
	if c.Slot(m.CapcomID) == 0 {
		return 0, nil, ErrNotInCity
	}
	if s := ci.Slot(m.CapcomID); s > 0 {
		return s, nil, nil // in already (a retried request)
	}
	if c.CircleOf(m.CapcomID) > 0 {
		return 0, nil, ErrAlreadyInCircle
	}
	if ci.HasPassword && (!hasPassword || !bytes.Equal(password, ci.Password)) {
		return 0, nil, ErrWrongPassword
	}
	if !ci.Joinable() {
		return 0, nil, ErrCircleFull
	}
	for i, cm := range ci.Members {
		if cm.CapcomID == "" {
			return i + 1, []events.Event{events.CircleJoined{Index: index, CapcomID: m.CapcomID, Name: m.Name, Conn: m.Conn, WeaponType: m.WeaponType, Slot: i + 1}}, nil
		}
	}
	return 0, nil, ErrCircleFull
}

// CircleLeave is what leaving a circle did, for the notices.
type CircleLeave struct {
	Index   int
	Slot    int          // the leaver's slot
	NewHost CircleMember // set when another member leads now
	HostAt  int          // its slot
	Broken  bool         // the circle is disbanded
	Others  []CircleMember
}

// LeaveCircle is CircleLeave (and leaving the city, or being dropped at
// departure): the leader leaving a departed circle hands it to the member
// in the lowest slot; leaving one that has not departed disbands it (as
// MH3SP does); the last member out frees it.
func (c City) LeaveCircle(capcomID, reason string) (CircleLeave, []events.Event) {
	index := c.CircleOf(capcomID)
	if index == 0 {
		return CircleLeave{}, nil
	}
	ci := c.Circles[index-1]
	out := CircleLeave{Index: index, Slot: ci.Slot(capcomID)}
	for _, m := range ci.Members {
		if m.CapcomID != "" && m.CapcomID != capcomID {
			out.Others = append(out.Others, m)
		}
	}
	evs := []events.Event{events.CircleLeft{Index: index, CapcomID: capcomID, Reason: reason}}
	switch {
	case len(out.Others) == 0:
		out.Broken = true
		evs = append(evs, events.CircleBroken{Index: index})
	case ci.Leader == capcomID && ci.Departed:
		out.NewHost = out.Others[0]
		out.HostAt = ci.Slot(out.NewHost.CapcomID)
		evs = append(evs, events.CircleHostChanged{Index: index, CapcomID: out.NewHost.CapcomID})
	case ci.Leader == capcomID:
		out.Broken = true
		evs = append(evs, events.CircleBroken{Index: index})
	}
	return out, evs
}

// SetStandby is CircleMatchOptionSet's ready flag.
func (c City) SetStandby(capcomID string, standby bool) (int, int, []events.Event) {
	index := c.CircleOf(capcomID)
	if index == 0 {
		return 0, 0, nil
	}
	ci := c.Circles[index-1]
	slot := ci.Slot(capcomID)
	if ci.Members[slot-1].Standby == standby {
		return index, slot, nil
	}
	return index, slot, []events.Event{events.CircleStandby{Index: index, CapcomID: capcomID, Standby: standby}}
}

// Departure is what CircleMatchStart did.
type Departure struct {
	Index  int
	Roster []CircleMember // departing, in slot order, with their slots
	Slots  []int
	Kicked []CircleMember // not ready: dropped from the circle
	Leaves []CircleLeave  // what dropping each did
}

// Depart is CircleMatchStart by the leader: the circle is marked
// departed, and the members who are not ready are dropped from it (as
// MH3SP does; if the leader itself is among them, the departed circle
// passes to another member).
func (c City) Depart(leader string) (Departure, []events.Event, error) {
	index := c.CircleOf(leader)
	if index == 0 {
		return Departure{}, nil, ErrBadCircle
	}
	if c.Circles[index-1].Leader != leader {
		return Departure{}, nil, ErrNotLeader
	}
	d := Departure{Index: index}
	evs := []events.Event{events.CircleDeparted{Index: index}}
	state := c.Clone()
	state.applyCircle(evs[0])
	for i, m := range c.Circles[index-1].Members {
		if m.CapcomID == "" {
			continue
		}
		if m.Standby {
			d.Roster = append(d.Roster, m)
			d.Slots = append(d.Slots, i+1)
			continue
		}
		d.Kicked = append(d.Kicked, m)
		leave, levs := state.LeaveCircle(m.CapcomID, "not ready at departure")
		d.Leaves = append(d.Leaves, leave)
		for _, e := range levs {
			state.applyCircle(e)
		}
		evs = append(evs, levs...)
	}
	return d, evs, nil
}

// ChangeCircle is CircleInfoSet by the leader.
func (c City) ChangeCircle(capcomID string, index int, e events.CircleSettingsChanged) ([]events.Event, error) {
	ci, ok := c.Circle(index)
	if !ok || ci.Empty() {
		return nil, ErrBadCircle
	}
	if ci.Leader != capcomID {
		return nil, ErrNotLeader
	}
	e.Index = index
	return []events.Event{e}, nil
}
