package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// FMP: the layer tree (server → gate → city). The game walks it with
// LayerDown and LayerUp, reads lists of the layers below or beside it,
// and creates cities with LayerCreateHead/Set/Foot.

// here is the requester's hunter and where it stands (it must have
// entered the layer system).
func (c *Call) here() (*Session, world.Hunter, error) {
	sess, err := c.me()
	if err != nil {
		return nil, world.Hunter{}, err
	}
	h, err := c.hunter(sess.CapcomID)
	if err != nil {
		return nil, h, err
	}
	if h.At.IsZero() || h.Conn != c.Conn {
		return nil, h, fmt.Errorf("%w: not in the layer system (no LayerStart on this connection)", errBadPacket)
	}
	return sess, h, nil
}

// entries lists layers first..first+count-1 (1-based) below parent.
func (s *Service) entries(parent world.Path, first, count uint32) []pat.DataOpt {
	n := uint64(s.live().Children(parent))
	end := min(uint64(first)+uint64(count), n+1)
	now := s.cfg.Now()
	var out []pat.DataOpt
	for i := max(uint64(first), 1); i < end; i++ {
		out = append(out, s.entry(parent.Child(int(i)), now))
	}
	return out
}

// ReqLayerChildListHead: how many layers are below the hunter's (gates
// of its server, cities of its gate).
func (s *Service) ReqLayerChildListHead(c *Call, m *pat.ReqLayerChildListHead) error {
	_, h, err := c.here()
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsLayerChildListHead{Count: uint32(s.live().Children(h.At))})
}

// ReqLayerChildListData lists them (MH3SP echoes the requested first and
// count even when fewer entries follow).
func (s *Service) ReqLayerChildListData(c *Call, m *pat.ReqLayerChildListData) error {
	_, h, err := c.here()
	if err != nil {
		return err
	}
	if m.First == 0 {
		return fmt.Errorf("%w: list index 0", errBadPacket)
	}
	return c.Answer(&pat.AnsLayerChildListData{First: m.First, Count: m.Count, Layers: s.entries(h.At, m.First, m.Count)})
}

func (s *Service) ReqLayerChildListFoot(c *Call, m *pat.ReqLayerChildListFoot) error {
	return c.Answer(&pat.AnsLayerChildListFoot{})
}

// ReqLayerSiblingListHead: the layers beside the hunter's ("Change
// Gates" at a gate, the other cities from a city).
func (s *Service) ReqLayerSiblingListHead(c *Call, m *pat.ReqLayerSiblingListHead) error {
	_, h, err := c.here()
	if err != nil {
		return err
	}
	return c.Answer(&pat.AnsLayerSiblingListHead{Count: uint32(s.live().Children(h.At.Parent()))})
}

func (s *Service) ReqLayerSiblingListData(c *Call, m *pat.ReqLayerSiblingListData) error {
	_, h, err := c.here()
	if err != nil {
		return err
	}
	if m.First == 0 {
		return fmt.Errorf("%w: list index 0", errBadPacket)
	}
	return c.Answer(&pat.AnsLayerSiblingListData{First: m.First, Count: m.Count, Layers: s.entries(h.At.Parent(), m.First, m.Count)})
}

func (s *Service) ReqLayerSiblingListFoot(c *Call, m *pat.ReqLayerSiblingListFoot) error {
	return c.Answer(&pat.AnsLayerSiblingListFoot{})
}

// ReqLayerChildInfo describes one child before the hunter goes there.
// MH3SP answers index 1 and a fixed dummy; mh3net answers index 1 (as
// MH3SP) with the child's real LayerData and MH3SP's two-byte tail.
func (s *Service) ReqLayerChildInfo(c *Call, m *pat.ReqLayerChildInfo) error {
	_, h, err := c.here()
	if err != nil {
		return err
	}
	child := h.At.Child(int(m.Index))
	layer := pat.DummyLayerData()
	if m.Index > 0 && int(m.Index) <= s.live().Children(h.At) {
		layer = s.entry(child, s.cfg.Now()).Data
	}
	return c.Answer(&pat.AnsLayerChildInfo{Index: 1, Layer: layer, Tail: pat.ChildInfoTail})
}

// layerUser is a hunter as NtcLayerIn and the synchronised user list show
// it: id, name, display binary.
func (s *Service) layerUser(capcomID string, name []byte) pat.Data {
	var d pat.Data
	d.SetString(pat.LayerUserCapcomID, []byte(capcomID)).
		SetString(pat.LayerUserHunterName, name).
		SetBinary(pat.LayerUserStats, s.settingsOf(capcomID))
	return d
}

// ReqLayerDown: into gate n from the server level, or into city n from a
// gate. A gate's hunters see the newcomer at once (NtcLayerIn); a city's
// when it asks who hosts (ReqLayerHost), as on MH3SP. The city's gate is
// told its new numbers (MH3SP does not).
func (s *Service) ReqLayerDown(c *Call, m *pat.ReqLayerDown) error {
	sess, h, err := c.here()
	if err != nil {
		return err
	}
	if h.MovedBy(c.Req) {
		return c.moved(sess, h, &pat.AnsLayerDown{Number: m.Number})
	}
	n := int(m.Number)
	if n < 1 || n > s.live().Children(h.At) {
		return c.Alert(textNoSuchLayer)
	}
	to := h.At.Child(n)
	switch h.At.Depth() {
	case 1: // into a gate
		if s.view.Population(to) >= s.live().Capacity(to) {
			return c.Alert(textGateFull)
		}
		if err := c.locate(sess, h, to, "layer down"); err != nil {
			return err
		}
		c.broadcast(to.Room(), c.Conn, c.Seq, &pat.NtcLayerIn{CapcomID: []byte(sess.CapcomID), User: s.layerUser(sess.CapcomID, sess.HunterName)})
	case 2: // into a city
		city, err := c.city(to)
		if err != nil {
			return err
		}
		evs, err := city.Join(world.Member{CapcomID: sess.CapcomID, Name: sess.HunterName, Conn: c.Conn, Edge: c.Edge}, s.cfg.Now())
		if err != nil {
			return c.refuse(err)
		}
		if err := c.Append(events.CityStream(to.Server, to.Gate, to.City), city.Version, evs...); err != nil {
			return err
		}
		// Also when a retry finds the hunter in already: the attempt that
		// put it there may have died before telling the gate.
		after := applied(city, evs)
		c.cityChanged(to, after, after.Population() == len(after.Members))
		if err := c.locate(sess, h, to, "layer down"); err != nil {
			return err
		}
	default:
		return c.Alert(textNoSuchLayer)
	}
	return c.Answer(&pat.AnsLayerDown{Number: m.Number})
}

// moved answers a retried move whose first attempt moved the hunter
// (all its appends made) but whose answer was never kept: its handler
// died, or its deadline passed first. Deciding again would move the
// hunter a second time (LayerUp) or refuse a move that was made
// (LayerDown). The answer and the room are the first attempt's, and so
// are its notices: the first attempt may have died before sending them
// (a repeated In or Out names a hunter already known there).
func (c *Call) moved(sess *Session, h world.Hunter, ans pat.Message) error {
	c.logger().Info("retried move made already, answering it again", "req", c.Req, "at", h.At.String())
	s := c.s
	switch ans.(type) {
	case *pat.AnsLayerDown:
		if h.At.Depth() == 3 {
			city, err := c.city(h.At)
			if err != nil {
				return err
			}
			c.cityChanged(h.At, city, city.Population() == len(city.Members))
		} else {
			c.broadcast(h.At.Room(), c.Conn, c.Seq, &pat.NtcLayerIn{CapcomID: []byte(sess.CapcomID), User: s.layerUser(sess.CapcomID, sess.HunterName)})
		}
	case *pat.AnsLayerUp:
		from, err := c.placeBefore(sess.CapcomID, h.Version)
		if err != nil {
			return err
		}
		if from.Depth() == 3 {
			city, err := c.city(from)
			if err != nil {
				return err
			}
			c.leftCity(sess.CapcomID, from, city, true)
		} else if from.Depth() >= 1 {
			c.broadcast(from.Room(), c.Conn, 0, &pat.NtcLayerOut{CapcomID: []byte(sess.CapcomID)})
		}
		if h.At.Depth() == 2 {
			c.broadcast(h.At.Room(), c.Conn, c.Seq, &pat.NtcLayerIn{CapcomID: []byte(sess.CapcomID), User: s.layerUser(sess.CapcomID, sess.HunterName)})
		}
	}
	c.SetMembership(bus.HeaderLayer, h.At.Room())
	return c.Answer(ans)
}

// placeBefore is where a hunter stood before the move at version.
func (c *Call) placeBefore(capcomID string, version uint64) (world.Path, error) {
	if version <= 1 {
		return world.Path{}, nil
	}
	var before world.Hunter
	err := c.fold(events.HunterStream(capcomID), version-2, func(v uint64, e events.Event) {
		if v == version-1 {
			before.Apply(v, e)
		}
	})
	return before.At, err
}

// applied is a city after evs.
func applied(city world.City, evs []events.Event) world.City {
	after := city.Clone()
	for i, e := range evs {
		after.Apply(city.Version+uint64(i)+1, e)
	}
	return after
}

// ReqLayerUp: one layer up (city → gate, gate → server level); the layer
// left sees the hunter go, the gate of a city left gets the numbers.
func (s *Service) ReqLayerUp(c *Call, m *pat.ReqLayerUp) error {
	sess, h, err := c.here()
	if err != nil {
		return err
	}
	if h.MovedBy(c.Req) {
		return c.moved(sess, h, &pat.AnsLayerUp{})
	}
	if h.At.Depth() <= 1 {
		return c.Alert(textNoSuchLayer)
	}
	up := h.At.Parent()
	if err := c.leaveTo(sess, h, up, "layer up"); err != nil {
		return err
	}
	// Back at a gate, its hunters are not told again (MH3SP sends no
	// NtcLayerIn on LayerUp: the gate never saw the hunter leave).
	return c.Answer(&pat.AnsLayerUp{})
}

// ReqLayerEnd: the hunter leaves the layer system (back to the server
// list, or before disconnecting). It keeps its server when a server
// change is under way (MH3SP's request_reconnection).
func (s *Service) ReqLayerEnd(c *Call, m *pat.ReqLayerEnd) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	h, err := c.hunter(sess.CapcomID)
	if err != nil {
		return err
	}
	if h.Conn == c.Conn && !h.At.IsZero() {
		to := world.Path{}
		if sess.Reconnect {
			to = world.Path{Server: h.At.Server}
		}
		if err := c.leaveTo(sess, h, to, "layer end"); err != nil {
			return err
		}
		if !sess.Reconnect && !sess.LeftServer {
			// Out of the server too (MH3SP's leave_server): the server
			// list no longer counts the hunter there.
			sess.LeftServer = true
			c.Changed()
			if err := c.claimOnline(sess); err != nil {
				return err
			}
		}
	}
	return c.Answer(&pat.AnsLayerEnd{})
}

// ReqLayerHost: a hunter who entered a city asks who hosts it; the
// answer echoes the request and names the host, and the city's hunters
// now see the newcomer (NtcLayerIn).
func (s *Service) ReqLayerHost(c *Call, m *pat.ReqLayerHost) error {
	sess, h, err := c.here()
	if err != nil {
		return err
	}
	if h.At.Depth() != 3 {
		return c.Alert(textCityGone)
	}
	city, err := c.city(h.At)
	if err != nil {
		return err
	}
	host, ok := city.Member(city.Leader)
	if !ok {
		return c.Alert(textCityGone)
	}
	c.broadcast(h.At.Room(), c.Conn, c.Seq, &pat.NtcLayerIn{CapcomID: []byte(sess.CapcomID), User: s.layerUser(sess.CapcomID, sess.HunterName)})
	return c.Answer(&pat.AnsLayerHost{Echo: m.Rest, CapcomID: []byte(host.CapcomID), HunterName: host.Name})
}

// viewWait bounds how long a list waits for the world view to catch up.
const viewWait = 500 * time.Millisecond

// ReqLayerUserList: everyone in the hunter's layer (itself included).
func (s *Service) ReqLayerUserList(c *Call, m *pat.ReqLayerUserList) error {
	sess, h, err := c.here()
	if err != nil {
		return err
	}
	var users []pat.Data
	if h.At.Depth() == 3 {
		city, err := c.city(h.At)
		if err != nil {
			return err
		}
		for _, mb := range city.Members {
			if mb.CapcomID != "" {
				users = append(users, s.layerUser(mb.CapcomID, mb.Name))
			}
		}
	} else {
		// Read our own writes: the view has at least our last move. The
		// view may stand still a moment (with Postgres, while another
		// process takes the relay over): then answer from what it has
		// rather than fail the player.
		wctx, cancel := context.WithTimeout(c.ctx, viewWait)
		err := s.view.WaitStream(wctx, events.HunterStream(sess.CapcomID), h.Version)
		cancel()
		if err != nil {
			c.logger().Info("world view behind, listing from what it has", "err", err)
		}
		for _, o := range s.view.At(h.At) {
			users = append(users, s.layerUser(o.CapcomID, o.Name))
		}
	}
	return c.Answer(&pat.AnsLayerUserList{Users: users})
}

// ReqLayerUserListHead: who is in the layer at a path (the occupants of
// a city, previewed from its gate). The query is kept in the session for
// the Data request that follows.
func (s *Service) ReqLayerUserListHead(c *Call, m *pat.ReqLayerUserListHead) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	lp, err := m.Path()
	if err != nil {
		return fmt.Errorf("%w: %w", errBadPacket, err)
	}
	p := pathOf(lp)
	if !s.live().Valid(p) || p.IsZero() {
		return fmt.Errorf("%w: no layer %v", errBadPacket, p)
	}
	found := s.usersAt(p, m.First, m.Count)
	sess.Query = &Query{Kind: queryLayerUsers, Path: p, First: m.First, Count: m.Count}
	c.Changed()
	return c.Answer(&pat.AnsLayerUserListHead{First: m.First, Count: uint32(len(found))})
}

// usersAt is the slice first..first+count-1 (1-based) of the hunters
// standing at p.
func (s *Service) usersAt(p world.Path, first, count uint32) []pat.DataOpt {
	var all []huntersAt
	if p.Depth() == 3 {
		for _, mb := range s.view.City(p).Members {
			if mb.CapcomID != "" {
				all = append(all, huntersAt{CapcomID: mb.CapcomID, At: p, Name: mb.Name})
			}
		}
	} else {
		for _, h := range s.view.At(p) {
			all = append(all, huntersAt{CapcomID: h.CapcomID, At: h.At, Name: h.Name})
		}
	}
	return s.userEntries(window(all, first, count))
}

// huntersAt is one hunter found by a list or search.
type huntersAt struct {
	CapcomID string
	At       world.Path
	Name     []byte
}

// window is items first..first+count-1 (1-based), clipped.
func window[T any](all []T, first, count uint32) []T {
	if first == 0 {
		first = 1
	}
	start := uint64(first) - 1
	if start >= uint64(len(all)) {
		return nil
	}
	end := min(start+uint64(count), uint64(len(all)))
	return all[start:end]
}

// userEntries are hunters as the user lists and searches show them:
// LayerUserInfo {id, name, where} and the player options.
func (s *Service) userEntries(hs []huntersAt) []pat.DataOpt {
	out := make([]pat.DataOpt, 0, len(hs))
	for _, h := range hs {
		var d pat.Data
		d.SetString(pat.LayerUserCapcomID, []byte(h.CapcomID)).
			SetString(pat.LayerUserHunterName, h.Name).
			SetBinary(pat.LayerUserHost, layerPath(h.At).Bytes())
		out = append(out, pat.DataOpt{Data: d, Opt: pat.UserOpt(s.settingsOf(h.CapcomID), s.onQuest(h.CapcomID, h.At))})
	}
	return out
}

// onQuest reports whether a hunter at p is away on a quest (its circle
// departed): the location the player options show.
func (s *Service) onQuest(capcomID string, p world.Path) bool {
	if p.Depth() != 3 {
		return false
	}
	return s.view.City(p).HunterInQuest(capcomID)
}

// ReqLayerUserListData: the hunters the head found.
func (s *Service) ReqLayerUserListData(c *Call, m *pat.ReqLayerUserListData) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	q := sess.Query
	if q == nil || q.Kind != queryLayerUsers {
		return c.Answer(&pat.AnsLayerUserListData{Unknown: 1})
	}
	return c.Answer(&pat.AnsLayerUserListData{Unknown: 1, Users: s.usersAt(q.Path, q.First, q.Count)})
}

func (s *Service) ReqLayerUserListFoot(c *Call, m *pat.ReqLayerUserListFoot) error {
	return c.Answer(&pat.AnsLayerUserListFoot{})
}

// City creation: Head reserves city n of the hunter's gate (the gate sees
// it as full), Set creates it with the hunter as host inside, Foot ends
// the reservation. A reservation lapses after Config.CityReservation
// (default world.ReservationTime). As on MH3SP, the gate's hunters get the
// city's entry (NtcLayerInfoSet) after Head and Foot, and its numbers
// (NtcLayerUserNum) after Set.

func (c *Call) gateCity(n uint16) (*Session, world.Hunter, world.Path, error) {
	sess, h, err := c.here()
	if err != nil {
		return nil, h, world.Path{}, err
	}
	gate := h.At
	if gate.Depth() == 3 {
		// Foot (and a retried Set) arrive with the creator already inside
		// the city it created. Any other city is out of reach from inside
		// one: creating it would put the hunter in two cities at once.
		if int(n) != gate.City {
			return sess, h, world.Path{}, nil
		}
		gate = gate.Parent()
	}
	if gate.Depth() != 2 || n < 1 || int(n) > c.s.live().Children(gate) {
		return sess, h, world.Path{}, nil
	}
	return sess, h, gate.Child(int(n)), nil
}

func (s *Service) ReqLayerCreateHead(c *Call, m *pat.ReqLayerCreateHead) error {
	sess, _, p, err := c.gateCity(m.Number)
	if err != nil {
		return err
	}
	if p.IsZero() {
		return c.Alert(textNoSuchLayer)
	}
	city, err := c.city(p)
	if err != nil {
		return err
	}
	evs, err := city.Reserve(sess.CapcomID, s.cfg.Now(), s.cfg.CityReservation)
	if errors.Is(err, world.ErrCityReserved) {
		// MH3SP counts a reserved city as full, so another creator is
		// told it already exists (its "City reserved." never shows).
		return c.Alert(textCityExists)
	}
	if err != nil {
		return c.refuse(err)
	}
	if err := c.endOtherReservation(sess, p); err != nil {
		return err
	}
	if err := c.Append(events.CityStream(p.Server, p.Gate, p.City), city.Version, evs...); err != nil {
		return err
	}
	c.cityInfoSet(p, applied(city, evs))
	sess.Reserved = &p
	c.Changed()
	return c.Answer(&pat.AnsLayerCreateHead{Number: m.Number})
}

// endOtherReservation ends the reservation the hunter holds on a city
// other than p (Session.Reserved): a hunter holds one at a time, so that
// one client cannot block a gate's cities by reserving them all (each
// would otherwise stay blocked for the reservation's 40 s, again and
// again). The city's gate sees it free again.
func (c *Call) endOtherReservation(sess *Session, p world.Path) error {
	prev := sess.Reserved
	if prev == nil || *prev == p {
		return nil
	}
	sess.Reserved = nil
	c.Changed()
	old, err := c.city(*prev)
	if err != nil {
		return err
	}
	evs := old.EndReservation(sess.CapcomID)
	if len(evs) == 0 || old.Population() > 0 {
		return nil
	}
	if err := c.Append(events.CityStream(prev.Server, prev.Gate, prev.City), old.Version, evs...); err != nil {
		return err
	}
	c.cityInfoSet(*prev, applied(old, evs))
	return nil
}

func (s *Service) ReqLayerCreateSet(c *Call, m *pat.ReqLayerCreateSet) error {
	sess, h, p, err := c.gateCity(m.Number)
	if err != nil {
		return err
	}
	if p.IsZero() {
		return c.Alert(textNoSuchLayer)
	}
	city, err := c.city(p)
	if err != nil {
		return err
	}
	var opt []events.OptField
	for _, o := range m.Opt {
		opt = append(opt, events.OptField{ID: o.ID, Has: o.Has, Value: o.Value})
	}
	settings := pat.NewWriter(nil).Data(m.Settings).Bytes()
	evs, err := city.Create(world.Member{CapcomID: sess.CapcomID, Name: sess.HunterName, Conn: c.Conn, Edge: c.Edge}, opt, settings, s.cfg.Now())
	if err != nil {
		return c.refuse(err)
	}
	if err := c.Append(events.CityStream(p.Server, p.Gate, p.City), city.Version, evs...); err != nil {
		return err
	}
	c.cityChanged(p, applied(city, evs), false) // a retry tells the gate again
	if err := c.locate(sess, h, p, "created a city"); err != nil {
		return err
	}
	return c.Answer(&pat.AnsLayerCreateSet{Number: m.Number})
}

func (s *Service) ReqLayerCreateFoot(c *Call, m *pat.ReqLayerCreateFoot) error {
	sess, _, p, err := c.gateCity(m.Number)
	if err != nil {
		return err
	}
	if p.IsZero() {
		return c.Alert(textNoSuchLayer)
	}
	city, err := c.city(p)
	if err != nil {
		return err
	}
	evs := city.EndReservation(sess.CapcomID)
	if err := c.Append(events.CityStream(p.Server, p.Gate, p.City), city.Version, evs...); err != nil {
		return err
	}
	if sess.Reserved != nil {
		sess.Reserved = nil
		c.Changed()
	}
	// As MH3SP, the gate gets the city's entry whether or not a
	// reservation ended.
	c.cityInfoSet(p, applied(city, evs))
	return c.Answer(&pat.AnsLayerCreateFoot{Number: m.Number})
}
