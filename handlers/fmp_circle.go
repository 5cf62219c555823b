package handlers

import (
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// Circles (quest parties): up to 4 in a city, in the city's stream. A
// circle's members share a room ("s1.g2.c3.q4") for its notices and
// relays; the whole city hears about the board (NtcCircleListLayerChange).

// circleRoom is the room of circle index of the city at p.
func circleRoom(p world.Path, index int) string {
	return p.Room() + ".q" + strconv.Itoa(index)
}

// inCity is the requester and the city it stands in.
func (c *Call) inCity() (*Session, world.Path, world.City, error) {
	sess, h, err := c.here()
	if err != nil {
		return nil, world.Path{}, world.City{}, err
	}
	if h.At.Depth() != 3 {
		return nil, world.Path{}, world.City{}, fmt.Errorf("%w: circles outside a city", errBadPacket)
	}
	city, err := c.city(h.At)
	return sess, h.At, city, err
}

// listing is a circle as the quest board shows it.
func (s *Service) listing(index int, ci world.Circle) pat.DataOpt {
	l := pat.CircleListing{Index: uint32(index), Empty: ci.Empty(), Capacity: uint32(len(ci.Members)), QuestID: ci.QuestID}
	if ci.Empty() {
		l.Capacity = world.CircleSlots
		return l.Entry()
	}
	for i, m := range ci.Members {
		if m.CapcomID != "" && i < pat.PartySlots {
			l.Members[i] = &pat.PartyMember{CapcomID: []byte(m.CapcomID), HunterName: m.Name, WeaponType: pat.HunterWeaponType(s.settingsOf(m.CapcomID))}
		}
	}
	l.HasPassword, l.Password = ci.HasPassword, ci.Password
	l.HasRemarks, l.Remarks = ci.HasRemarks, ci.Remarks
	l.Players = uint32(ci.Population())
	l.Leader = []byte(ci.Leader)
	l.Unknown0E = ci.Unknown0E
	l.NotJoinable = !ci.Joinable()
	return l.Entry()
}

// boardChanged tells the whole city that circle index changed, the
// requester included, as MH3SP's layer broadcast does: its own copy goes
// with its answer, in order before it (as MH3SP writes it), the others'
// to the city's room.
func (c *Call) boardChanged(p world.Path, index int, ci world.Circle, seq uint16) {
	m := &pat.NtcCircleListLayerChange{Index: uint32(index), Info: c.s.listing(index, ci)}
	c.broadcast(p.Room(), c.Conn, seq, m)
	if err := c.send(seq, m); err != nil {
		c.logger().Warn("encode board change", "err", err)
	}
}

// pushMembership hands another connection a membership change (and
// frames, if any).
func (c *Call) pushMembership(conn, header, value string, frames []byte) {
	c.pushes = append(c.pushes, push{conn: conn, data: frames, member: map[string]string{header: value}})
}

// circleLeft sends the notices of a hunter leaving a circle (after is the
// city once the events applied): NtcCircleLeave to the others; NtcCircleHost
// (departed circle) or NtcCircleBreak (not departed) when the leader left;
// the board change to the city. Members of a broken circle leave its room:
// their notices go with that change to each one's connection, not to the
// room, because an edge applies a connection's pushes and delivers its
// rooms' broadcasts from separate subscriptions (a member could leave the
// room before the room's NtcCircleBreak reached it, and never get it).
func (c *Call) circleLeft(p world.Path, leaver string, l world.CircleLeave, after world.City, seq uint16) {
	room := circleRoom(p, l.Index)
	skip := ""
	if h, ok := after.Member(leaver); ok {
		skip = h.Conn
	}
	if skip == "" {
		skip = c.Conn
	}
	leave := &pat.NtcCircleLeave{Index: uint32(l.Index), CapcomID: []byte(leaver), Slot: uint8(l.Slot)}
	switch {
	case l.Broken && len(l.Others) > 0:
		frames, err := pat.AppendMessage(nil, seq, leave)
		if err == nil {
			frames, err = pat.AppendMessage(frames, seq, &pat.NtcCircleBreak{})
		}
		if err != nil {
			c.logger().Warn("encode circle break", "err", err)
			frames = nil
		}
		for _, m := range l.Others {
			c.pushMembership(m.Conn, bus.HeaderCircle, "", frames)
		}
	case l.NewHost.CapcomID != "":
		c.broadcast(room, skip, seq, leave)
		c.broadcast(room, skip, seq, &pat.NtcCircleHost{Slot: uint8(l.HostAt), CapcomID: []byte(l.NewHost.CapcomID), HunterName: l.NewHost.Name})
	default:
		c.broadcast(room, skip, seq, leave)
	}
	ci, _ := after.Circle(l.Index)
	c.boardChanged(p, l.Index, ci, seq)
}

// refuseCircle turns a circle refusal into MH3SP's alert.
func (c *Call) refuseCircle(err error) error {
	switch {
	case errors.Is(err, world.ErrNoCircleSlot):
		return c.Alert("<LF=8><BODY><CENTER>No Quest Slot Available<END>")
	case errors.Is(err, world.ErrBadCircle):
		return c.Alert("<LF=8><BODY><CENTER>Invalid Quest Slot<END>")
	case errors.Is(err, world.ErrWrongPassword):
		return c.Alert("<LF=8><BODY><CENTER>Wrong Password!<END>")
	case errors.Is(err, world.ErrCircleFull):
		return c.Alert("<LF=8><BODY><CENTER>Quest is full!<END>")
	case errors.Is(err, world.ErrAlreadyInCircle):
		return c.Alert("<LF=8><BODY><CENTER>You are already in a quest party.<END>")
	case errors.Is(err, world.ErrNotLeader):
		return c.Alert("<LF=8><BODY><CENTER>Only the party's leader can do that.<END>")
	case errors.Is(err, world.ErrNotInCity):
		return c.Alert(textCityGone)
	}
	return err
}

// appendCity queues events for the city at p.
func (c *Call) appendCity(p world.Path, city world.City, evs []events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	return c.Append(events.CityStream(p.Server, p.Gate, p.City), city.Version, evs...)
}

// ReqCircleCreate posts a quest in the first free circle: the board change
// goes to the whole city (the creator included), then the answer.
func (s *Service) ReqCircleCreate(c *Call, m *pat.ReqCircleCreate) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	info := m.Info.Data
	n := world.NewCircle{Capacity: int(info.Num(pat.CircleCapacity)), Unknown0E: uint8(info.Num(pat.CircleUnknown0E))}
	if info.Has(pat.CirclePassword) {
		n.HasPassword, n.Password = true, info.Bytes(pat.CirclePassword)
	}
	if info.Has(pat.CircleRemarks) {
		n.HasRemarks, n.Remarks = true, info.Bytes(pat.CircleRemarks)
	}
	for _, o := range m.Info.Opt {
		if o.ID == pat.OptCircleQuestID && o.Has {
			n.QuestID = o.Value
		}
	}
	me := world.CircleMember{CapcomID: sess.CapcomID, Name: sess.HunterName, Conn: c.Conn, WeaponType: pat.HunterWeaponType(s.settingsOf(sess.CapcomID))}
	index, evs, err := city.CreateCircle(me, n)
	if err != nil {
		return c.refuseCircle(err)
	}
	if err := c.appendCity(p, city, evs); err != nil {
		return err
	}
	after := applied(city, evs)
	ci, _ := after.Circle(index)
	c.boardChanged(p, index, ci, c.Seq)
	c.SetMembership(bus.HeaderCircle, circleRoom(p, index))
	return c.Answer(&pat.AnsCircleCreate{Index: uint32(index)})
}

// ReqCircleInfo reads one circle of the board.
func (s *Service) ReqCircleInfo(c *Call, m *pat.ReqCircleInfo) error {
	_, _, city, err := c.inCity()
	if err != nil {
		return err
	}
	ci, ok := city.Circle(int(m.Index))
	if !ok {
		return c.refuseCircle(world.ErrBadCircle)
	}
	return c.Answer(&pat.AnsCircleInfo{Index: m.Index, Info: s.listing(int(m.Index), ci)})
}

// ReqCircleListLayer is the quest board: the circles in use.
func (s *Service) ReqCircleListLayer(c *Call, m *pat.ReqCircleListLayer) error {
	_, _, city, err := c.inCity()
	if err != nil {
		return err
	}
	ans := &pat.AnsCircleListLayer{}
	for i, ci := range city.Circles {
		if !ci.Empty() {
			ans.Circles = append(ans.Circles, s.listing(i+1, ci))
		}
	}
	return c.Answer(ans)
}

// ReqCircleJoin: password and capacity checks, the answer with the slot,
// NtcCircleJoin to the other members, and the board change to the city.
// The board change is deliberate: MH3SP sends none on a join, so the
// city's boards show the old members until a hunter reopens the board.
func (s *Service) ReqCircleJoin(c *Call, m *pat.ReqCircleJoin) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	me := world.CircleMember{CapcomID: sess.CapcomID, Name: sess.HunterName, Conn: c.Conn, WeaponType: pat.HunterWeaponType(s.settingsOf(sess.CapcomID))}
	slot, evs, err := city.JoinCircle(int(m.Index), me, m.Info.Bytes(pat.CirclePassword), m.Info.Has(pat.CirclePassword))
	if err != nil {
		return c.refuseCircle(err)
	}
	if err := c.appendCity(p, city, evs); err != nil {
		return err
	}
	index := int(m.Index)
	room := circleRoom(p, index)
	c.SetMembership(bus.HeaderCircle, room)
	if err := c.Answer(&pat.AnsCircleJoin{Index: m.Index, Slot: uint8(slot)}); err != nil {
		return err
	}
	c.broadcast(room, c.Conn, c.Seq, &pat.NtcCircleJoin{Index: m.Index, CapcomID: []byte(sess.CapcomID), HunterName: sess.HunterName, Slot: uint8(slot)})
	ci, _ := applied(city, evs).Circle(index)
	c.boardChanged(p, index, ci, c.Seq)
	return nil
}

// myCircle is the requester's circle.
func (c *Call) myCircle() (*Session, world.Path, world.City, int, world.Circle, error) {
	sess, p, city, err := c.inCity()
	if err != nil {
		return nil, p, city, 0, world.Circle{}, err
	}
	index := city.CircleOf(sess.CapcomID)
	ci, _ := city.Circle(index)
	return sess, p, city, index, ci, nil
}

// ReqCircleUserList lists the requester's circle.
func (s *Service) ReqCircleUserList(c *Call, m *pat.ReqCircleUserList) error {
	_, _, _, _, ci, err := c.myCircle()
	if err != nil {
		return err
	}
	ans := &pat.AnsCircleUserList{}
	for i, mb := range ci.Members {
		if mb.CapcomID == "" {
			continue
		}
		var standby uint8
		if mb.Standby {
			standby = 1
		}
		var d pat.Data
		d.SetByte(pat.CircleUserStandby, standby).SetByte(pat.CircleUserSlot, uint8(i+1)).
			SetString(pat.CircleUserCapcomID, []byte(mb.CapcomID)).SetString(pat.CircleUserHunterName, mb.Name)
		ans.Users = append(ans.Users, d)
	}
	return c.Answer(ans)
}

// ReqCircleHost names circle index's leader and its slot.
func (s *Service) ReqCircleHost(c *Call, m *pat.ReqCircleHost) error {
	_, _, city, err := c.inCity()
	if err != nil {
		return err
	}
	ci, ok := city.Circle(int(m.Index))
	slot := ci.Slot(ci.Leader)
	if !ok || slot == 0 {
		return c.Alert("<LF=8><BODY><CENTER>Unknown Quest Leader<END>")
	}
	leader := ci.Members[slot-1]
	return c.Answer(&pat.AnsCircleHost{Index: m.Index, Slot: uint8(slot), CapcomID: []byte(leader.CapcomID), HunterName: leader.Name})
}

// ReqCircleMatchOptionSet: the member's options (ready or not); the
// others get them with the member's slot, id and name set.
func (s *Service) ReqCircleMatchOptionSet(c *Call, m *pat.ReqCircleMatchOptionSet) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	standby := m.Options.Num(pat.CircleUserStandby) == 1
	index, slot, evs := city.SetStandby(sess.CapcomID, standby)
	if index == 0 {
		return fmt.Errorf("%w: match options outside a circle", errBadPacket)
	}
	if err := c.appendCity(p, city, evs); err != nil {
		return err
	}
	opts := append(pat.Data(nil), m.Options...)
	opts.SetString(pat.CircleUserCapcomID, []byte(sess.CapcomID)).
		SetString(pat.CircleUserHunterName, sess.HunterName).
		SetByte(pat.CircleUserSlot, uint8(slot))
	c.broadcast(circleRoom(p, index), c.Conn, c.Seq, &pat.NtcCircleMatchOptionSet{Options: opts})
	return c.Answer(&pat.AnsCircleMatchOptionSet{})
}

// ReqCircleInfoSet: the leader changes the settings; the others get them
// as sent (NtcCircleInfoSet), then the answer, then the board change.
func (s *Service) ReqCircleInfoSet(c *Call, m *pat.ReqCircleInfoSet) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	info := m.Info.Data
	change := events.CircleSettingsChanged{Capacity: int(info.Num(pat.CircleCapacity))}
	if info.Has(pat.CircleHasPassword) {
		has := info.Num(pat.CircleHasPassword) == 1
		change.HasPassword, change.Password = &has, info.Bytes(pat.CirclePassword)
	}
	if info.Has(pat.CircleRemarks) {
		change.HasRemarks, change.Remarks = true, info.Bytes(pat.CircleRemarks)
	}
	for _, o := range m.Info.Opt {
		if o.ID == pat.OptCircleQuestID && o.Has {
			q := o.Value
			change.QuestID = &q
		}
	}
	index := int(m.Index)
	evs, err := city.ChangeCircle(sess.CapcomID, index, change)
	if err != nil {
		return c.refuseCircle(err)
	}
	if err := c.appendCity(p, city, evs); err != nil {
		return err
	}
	c.broadcast(circleRoom(p, index), c.Conn, c.Seq, &pat.NtcCircleInfoSet{Index: m.Index, Info: m.Info})
	if err := c.Answer(&pat.AnsCircleInfoSet{Index: m.Index}); err != nil {
		return err
	}
	ci, _ := applied(city, evs).Circle(index)
	c.boardChanged(p, index, ci, c.Seq)
	return nil
}

// ReqCircleMatchStart: the leader departs. Members not ready get
// NtcCircleKick and leave the circle; every member left (the leader
// included) gets the notices of their leaving (NtcCircleLeave,
// NtcCircleHost) and the roster; the whole city gets the board changes;
// each connection in MH3SP's order (below).
//
// All of it goes to each hunter's own connection, not to the circle's or
// the city's room: an edge delivers a connection's pushes and its rooms'
// broadcasts from separate subscriptions, so a dropped member could still
// be in the room when the roster reached it (about one departure in
// three, measured), and a hunter could get the roster and the board
// changes in either order. The leader gets its own in its answer, before
// AnsCircleMatchStart.
func (s *Service) ReqCircleMatchStart(c *Call, m *pat.ReqCircleMatchStart) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	d, evs, err := city.Depart(sess.CapcomID)
	if err != nil {
		return c.refuseCircle(err)
	}
	if err := c.appendCity(p, city, evs); err != nil {
		return err
	}
	state := city.Clone()
	state.Apply(city.Version+1, evs[0])
	n := 1
	// Every hunter of the city gets, in order, what MH3SP's handlers write
	// to it: per dropped member, the drop (NtcCircleKick) to that member,
	// its leave (and the new host) to the party and the board change to
	// the whole city; then the roster to the party and the board change
	// once more (MH3SP sends that one only after a drop; the board must
	// show the circle departed either way). The requester's frames go with
	// its answer, before it; each other hunter's in one push (a dropped
	// one's with its change of membership), so every connection gets
	// MH3SP's order.
	outs := map[string][]byte{}
	dropped := map[string]bool{}
	for _, mb := range city.Members {
		if mb.CapcomID != "" && mb.Conn != c.Conn {
			outs[mb.Conn] = nil
		}
	}
	to := func(conn string, m pat.Message) error {
		if conn == c.Conn {
			return c.Answer(m)
		}
		if _, ok := outs[conn]; !ok {
			return nil
		}
		b, err := pat.AppendMessage(outs[conn], c.Seq, m)
		outs[conn] = b
		return err
	}
	party := func(m pat.Message) error {
		for _, mb := range d.Roster {
			if err := to(mb.Conn, m); err != nil {
				return err
			}
		}
		return nil
	}
	board := func() error {
		ci, _ := state.Circle(d.Index)
		m := &pat.NtcCircleListLayerChange{Index: uint32(d.Index), Info: s.listing(d.Index, ci)}
		if err := to(c.Conn, m); err != nil {
			return err
		}
		for conn := range outs {
			if err := to(conn, m); err != nil {
				return err
			}
		}
		return nil
	}
	for i, k := range d.Kicked {
		if err := to(k.Conn, &pat.NtcCircleKick{}); err != nil {
			return err
		}
		if k.Conn == c.Conn {
			c.SetMembership(bus.HeaderCircle, "")
		} else {
			dropped[k.Conn] = true
		}
		_, levs := state.LeaveCircle(k.CapcomID, "not ready at departure")
		for _, e := range levs {
			n++
			state.Apply(city.Version+uint64(n), e)
		}
		l := d.Leaves[i]
		if err := party(&pat.NtcCircleLeave{Index: uint32(l.Index), CapcomID: []byte(k.CapcomID), Slot: uint8(l.Slot)}); err != nil {
			return err
		}
		if l.NewHost.CapcomID != "" {
			if err := party(&pat.NtcCircleHost{Slot: uint8(l.HostAt), CapcomID: []byte(l.NewHost.CapcomID), HunterName: l.NewHost.Name}); err != nil {
				return err
			}
		}
		if err := board(); err != nil {
			return err
		}
	}
	roster := &pat.NtcCircleMatchStart{Trailer: 1}
	for i, mb := range d.Roster {
		roster.Members = append(roster.Members, pat.MatchMember{Slot: uint8(d.Slots[i]), CapcomID: []byte(mb.CapcomID), Flag: []byte{1}, Unknown: pat.MatchStartUnknown})
	}
	if err := party(roster); err != nil {
		return err
	}
	if err := board(); err != nil {
		return err
	}
	conns := make([]string, 0, len(outs))
	for conn := range outs {
		conns = append(conns, conn)
	}
	sort.Strings(conns)
	for _, conn := range conns {
		ps := push{conn: conn, data: outs[conn]}
		if dropped[conn] {
			ps.member = map[string]string{bus.HeaderCircle: ""}
		}
		c.pushes = append(c.pushes, ps)
	}
	return c.Answer(&pat.AnsCircleMatchStart{})
}

// ReqCircleMatchEnd: the quest is over; acknowledged, as MH3SP does.
func (s *Service) ReqCircleMatchEnd(c *Call, m *pat.ReqCircleMatchEnd) error {
	return c.Answer(&pat.AnsCircleMatchEnd{})
}

// ReqCircleLeave: the notices of leaving, then the answer.
func (s *Service) ReqCircleLeave(c *Call, m *pat.ReqCircleLeave) error {
	sess, p, city, err := c.inCity()
	if err != nil {
		return err
	}
	l, evs := city.LeaveCircle(sess.CapcomID, "left")
	if l.Index != 0 {
		if err := c.appendCity(p, city, evs); err != nil {
			return err
		}
		c.circleLeft(p, sess.CapcomID, l, applied(city, evs), c.Seq)
	}
	c.SetMembership(bus.HeaderCircle, "")
	return c.Answer(&pat.AnsCircleLeave{Index: m.Index})
}

// Circle relays: read only the edge's membership (circle room and tag).

// NtcCircleBinary: stamped like NtcLayerBinary, to the circle but the
// sender.
func (s *Service) NtcCircleBinary(c *Call, m *pat.NtcCircleBinaryFromClient) error {
	id, name, ok := c.sender()
	if !ok || c.CircleRoom == "" {
		return nil
	}
	var info pat.Data
	info.SetLong(pat.LayerBinaryUnknown01, pat.LayerBinaryUnknown01Value).
		SetString(pat.LayerBinaryCapcomID, []byte(id)).SetString(pat.LayerBinaryHunterName, name)
	c.broadcast(c.CircleRoom, c.Conn, c.Seq, &pat.NtcCircleBinary{Index: m.Index, CapcomID: []byte(id), Info: info, Payload: m.Payload})
	return nil
}

// NtcCircleBinary2: to one member of the sender's circle.
func (s *Service) NtcCircleBinary2(c *Call, m *pat.NtcCircleBinary2FromClient) error {
	id, name, ok := c.sender()
	if !ok || c.CircleRoom == "" {
		return nil
	}
	partner := string(m.CapcomID)
	h := s.view.Hunter(partner)
	if h.At.Depth() != 3 {
		return nil
	}
	city := s.view.City(h.At)
	index := city.CircleOf(partner)
	if index == 0 || circleRoom(h.At, index) != c.CircleRoom {
		c.debug("NtcCircleBinary2 to a hunter not in the sender's circle, dropped", "partner", partner)
		return nil
	}
	var info pat.Data
	info.SetString(pat.LayerBinaryCapcomID, []byte(id)).SetString(pat.LayerBinaryHunterName, name)
	return c.PushTo(h.Conn, c.Seq, &pat.NtcCircleBinary2{Index: m.Index, CapcomID: []byte(id), Info: info, Payload: m.Payload})
}

// NtcCircleChat: the sender stamped, to the circle but the sender.
func (s *Service) NtcCircleChat(c *Call, m *pat.NtcCircleChat) error {
	id, name, ok := c.sender()
	if !ok || c.CircleRoom == "" {
		return nil
	}
	info := append(pat.Data(nil), m.Info...)
	info.SetString(pat.MessageSenderID, []byte(id)).SetString(pat.MessageSenderName, name)
	c.broadcast(c.CircleRoom, c.Conn, c.Seq, &pat.NtcCircleChat{Info: info, Text: m.Text})
	return nil
}
