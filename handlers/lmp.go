package handlers

import (
	"errors"
	"fmt"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
)

// LMP: online support code, PAT ticket, Capcom IDs, the server list.

// blankCapcomID marks an empty profile slot in the user list.
const blankCapcomID = "******"

// Slots per console.
const slots = 6

// ensureConsole gives the session an online support code (MH3SP's
// get_support_code). A new code is one no console has; the console itself
// is stored with its first profile (useSlot), so a first login appends to
// its console once, and a console that never picked a slot stores nothing
// (it comes back by its code like any other). Until then the session
// marks the code new (Session.NewConsole), and the user list and the
// first profile read nothing of it.
func (c *Call) ensureConsole() (string, error) {
	sess, err := c.Session()
	if err != nil {
		return "", err
	}
	if sess.SupportCode != "" {
		return sess.SupportCode, nil
	}
	for attempt := 0; attempt < 16; attempt++ {
		code := c.random("support-code", attempt, 11)
		_, err := c.s.console(c, code)
		if err == nil {
			continue // taken: try the next candidate
		}
		if !errors.Is(err, errNoConsole) {
			return "", err
		}
		sess.SupportCode = code
		sess.NewConsole = true
		c.Changed()
		return code, nil
	}
	return "", errors.New("no free online support code after 16 tries")
}

var errNoConsole = errors.New("no such console")

// console is a console's current state: the profiles view's copy and the
// events of its stream the view has not applied yet. A decision so reads
// the one aggregate it changes, without waiting on a global read barrier.
func (s *Service) console(c *Call, code string) (projection.Console, error) {
	if c.console != nil && c.console.SupportCode == code {
		return *c.console, nil
	}
	con, _ := s.profiles.Get(code)
	con.SupportCode = code
	if err := c.fold(events.ConsoleStream(code), con.Version, con.Apply); err != nil {
		return con, err
	}
	if con.Version == 0 {
		return con, errNoConsole
	}
	kept := con
	c.console = &kept
	return con, nil
}

func chargeInfo(code string) pat.Data {
	var d pat.Data
	d.SetLong(pat.ChargeTicketValidity1, 86400).
		SetLong(pat.ChargeTicketValidity2, 86400).
		SetBinary(pat.ChargeUnknown05, []byte("Cid")).
		SetString(pat.ChargeOnlineSupportCode, []byte(code))
	return d
}

func (s *Service) ReqLoginInfo(c *Call, m *pat.ReqLoginInfo) error {
	code, err := c.ensureConsole()
	if err != nil {
		return err
	}
	var info pat.Data
	info.SetString(pat.ChargeOnlineSupportCode, []byte(code))
	return c.Answer(&pat.AnsLoginInfo{NeedTicket: 1, Text: []byte("dummy_data"), ChargeInfo: info})
}

func (s *Service) ReqChargeInfo(c *Call, m *pat.ReqChargeInfo) error {
	code, err := c.ensureConsole()
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsChargeInfo{ChargeInfo: chargeInfo(code)})
}

func (s *Service) ReqUserListHead(c *Call, m *pat.ReqUserListHead) error {
	return c.Answer(&pat.AnsUserListHead{First: m.First, Count: m.Count})
}

func (s *Service) ReqUserListData(c *Call, m *pat.ReqUserListData) error {
	code, err := c.ensureConsole()
	if err != nil {
		return err
	}
	var con projection.Console // a console not stored yet has six free slots
	if sess, _ := c.Session(); !sess.NewConsole {
		con, err = s.console(c, code)
	}
	if err != nil && !errors.Is(err, errNoConsole) {
		return err
	}
	// Like MH3SP, one entry per asked index, blank where no profile is
	// (bounded here: the game asks for its six slots).
	if uint64(m.First)+uint64(min(m.Count, 64)) > 1<<32 {
		return fmt.Errorf("%w: user list from index %d", errBadPacket, m.First)
	}
	ans := &pat.AnsUserListData{First: m.First, Count: m.Count}
	for i := uint32(0); i < m.Count && i < 64; i++ {
		slot := int(m.First + i)
		var u pat.Data
		u.SetLong(pat.UserSlotIndex, uint32(slot))
		id, name := blankCapcomID, []byte(nil)
		if slot >= 1 && slot <= slots && con.Slots[slot-1].CapcomID != "" {
			id, name = con.Slots[slot-1].CapcomID, con.Slots[slot-1].Name
		}
		u.SetString(pat.UserCapcomID, []byte(id))
		if len(name) > 0 {
			u.SetString(pat.UserHunterName, name)
		}
		ans.Users = append(ans.Users, u)
	}
	return c.Answer(ans)
}

func (s *Service) ReqUserListFoot(c *Call, m *pat.ReqUserListFoot) error {
	return c.Answer(&pat.AnsUserListFoot{})
}

// ReqUserObject: the player picks a slot. An empty slot gets a new Capcom
// ID; a given hunter name is stored. The Capcom ID is then bound to this
// connection, and an older login with it is closed.
func (s *Service) ReqUserObject(c *Call, m *pat.ReqUserObject) error {
	if m.Slot < 1 || m.Slot > slots {
		return fmt.Errorf("%w: slot %d is not 1..%d", errBadPacket, m.Slot, slots)
	}
	code, err := c.ensureConsole()
	if err != nil {
		return err
	}
	name := m.User.Bytes(pat.UserHunterName)
	if len(name) >= 0x20 {
		return fmt.Errorf("%w: hunter name of %d bytes", errBadPacket, len(name))
	}
	id, name, err := c.useSlot(code, int(m.Slot), name)
	if err != nil {
		return err
	}
	sess, err := c.Session()
	if err != nil {
		return err
	}
	sess.CapcomID, sess.Slot, sess.HunterName = id, int(m.Slot), name
	c.Changed()
	if err := c.claimOnline(sess); err != nil {
		return err
	}
	c.info("Capcom ID selected", "capcom_id", id, "slot", m.Slot)
	user := append(pat.Data(nil), m.User...)
	user.SetString(pat.UserCapcomID, []byte(id))
	return c.Answer(&pat.AnsUserObject{NeedTicket: 1, Text: []byte("Unk_UserObj_str"), User: user})
}

// slotChoice is what picking a profile slot means for a console, decided
// from its state alone (MH3SP's use_user).
type slotChoice struct {
	CapcomID string       // the slot's Capcom ID ("" = a new one is needed)
	Name     []byte       // the hunter name after the choice
	Event    events.Event // what to append to the console (nil: nothing)
}

// chooseSlot decides what picking slot with hunter name (may be empty)
// does to console con: use the profile as it is, rename its hunter, or
// create a profile with newID (called only when one is needed).
func chooseSlot(con projection.Console, slot int, name []byte, newID func() (string, error)) (slotChoice, error) {
	cur := con.Slots[slot-1]
	if cur.CapcomID != "" {
		if len(name) == 0 || string(name) == string(cur.Name) {
			return slotChoice{CapcomID: cur.CapcomID, Name: cur.Name}, nil
		}
		return slotChoice{CapcomID: cur.CapcomID, Name: name,
			Event: events.HunterNamed{Slot: slot, CapcomID: cur.CapcomID, Name: name}}, nil
	}
	id, err := newID()
	if err != nil {
		return slotChoice{}, err
	}
	return slotChoice{CapcomID: id, Name: name, Event: events.ProfileCreated{Slot: slot, CapcomID: id, Name: name}}, nil
}

// useSlot applies chooseSlot to the console, appending its event with
// optimistic concurrency and deciding again when the console moved. A
// console not stored yet is created by the same append.
func (c *Call) useSlot(code string, slot int, name []byte) (string, []byte, error) {
	sess, err := c.Session()
	if err != nil {
		return "", nil, err
	}
	for round := 0; round < 8; round++ {
		// A code made for this session has no console yet: the first
		// round appends at version 0 without reading it, and a console
		// stored meanwhile (this request's own earlier attempt) fails
		// that append and is read in the next round.
		con, err := projection.Console{SupportCode: code}, errNoConsole
		if round > 0 || !sess.NewConsole {
			con, err = c.s.console(c, code)
		}
		unstored := errors.Is(err, errNoConsole)
		if err != nil && !unstored {
			return "", nil, err
		}
		if !unstored && sess.NewConsole {
			sess.NewConsole = false // stored by an earlier attempt
			c.Changed()
		}
		choice, err := chooseSlot(con, slot, name, func() (string, error) { return c.claimCapcomID(code, slot) })
		if err != nil || choice.Event == nil {
			return choice.CapcomID, choice.Name, err
		}
		var evs []events.Envelope
		if unstored {
			env, err := events.Encode(c.eventID(fmt.Sprintf("console-%d", round)), events.ConsoleCreated{SupportCode: code})
			if err != nil {
				return "", nil, err
			}
			evs = append(evs, env)
		}
		env, err := events.Encode(c.eventID(fmt.Sprintf("slot-%d", round)), choice.Event)
		if err != nil {
			return "", nil, err
		}
		evs = append(evs, env)
		c.console = nil // changed by this append, or by another meanwhile
		_, err = c.s.store.Append(c.ctx, events.ConsoleStream(code), con.Version, evs)
		if errors.Is(err, store.ErrConflict) {
			continue // the console changed meanwhile: look again
		}
		if err != nil {
			return "", nil, fmt.Errorf("%w: %w", errUnavailable, err)
		}
		c.appended += len(evs)
		if sess.NewConsole {
			sess.NewConsole = false // stored now
			c.Changed()
		}
		return choice.CapcomID, choice.Name, nil
	}
	return "", nil, fmt.Errorf("%w: console %s keeps changing", errUnavailable, code)
}

// claimCapcomID reserves a new Capcom ID: its own stream, created with
// expected version 0, so two consoles can never get the same one.
func (c *Call) claimCapcomID(code string, slot int) (string, error) {
	for attempt := 0; attempt < 32; attempt++ {
		id := c.random(fmt.Sprintf("capcom-id-%d", slot), attempt, 6)
		if id == blankCapcomID {
			continue
		}
		env, err := events.Encode(c.eventID(fmt.Sprintf("claim-%d-%d", slot, attempt)), events.CapcomIDClaimed{CapcomID: id, SupportCode: code, Slot: slot})
		if err != nil {
			return "", err
		}
		_, err = c.s.store.Append(c.ctx, events.CapcomIDStream(id), 0, []events.Envelope{env})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", errUnavailable, err)
		}
		c.appended++
		return id, nil
	}
	return "", errors.New("no free Capcom ID after 32 tries")
}
