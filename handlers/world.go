package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// The hunting world: who stands where (hunter streams) and the cities
// (city streams), folded by the world view (store/projection.World).
// Decisions start from the view's copy of an aggregate and load only the
// events it has not applied yet, so they always see the stream's head;
// the pipeline appends their events at that version.

// errNoHunter: an FMP packet that needs a hunter from a connection that
// never selected one (it skipped LMP).
var errNoHunter = fmt.Errorf("%w: no hunter selected on this connection", errBadPacket)

// me returns the session of an FMP connection with its hunter.
func (c *Call) me() (*Session, error) {
	sess, err := c.Session()
	if err != nil {
		return nil, err
	}
	if sess.CapcomID == "" {
		return nil, errNoHunter
	}
	return sess, nil
}

// fold loads the events of stream after version and applies them.
func (c *Call) fold(stream string, version uint64, apply func(uint64, events.Event)) error {
	envs, err := c.s.store.Load(c.ctx, stream, version+1)
	if err != nil {
		return fmt.Errorf("%w: load %s: %w", errUnavailable, stream, err)
	}
	for _, e := range envs {
		ev, err := events.Decode(e)
		if err != nil {
			return err
		}
		apply(e.Version, ev)
	}
	return nil
}

// city is the current state of a city.
func (c *Call) city(p world.Path) (world.City, error) {
	st := c.s.view.City(p)
	err := c.fold(events.CityStream(p.Server, p.Gate, p.City), st.Version, st.Apply)
	return st, err
}

// hunter is where a hunter stands now.
func (c *Call) hunter(capcomID string) (world.Hunter, error) {
	h := c.s.view.Hunter(capcomID)
	err := c.fold(events.HunterStream(capcomID), h.Version, h.Apply)
	return h, err
}

// locate moves the requesting hunter to p and tells its edge which room
// it is in now.
func (c *Call) locate(sess *Session, h world.Hunter, p world.Path, reason string) error {
	evs := h.Locate(p, c.Conn, c.Edge, sess.HunterName, reason, c.Req)
	if c.sess != nil && sess == &c.sess.s && !sess.InWorld {
		sess.InWorld = true
		c.Changed()
	}
	if err := c.Append(events.HunterStream(sess.CapcomID), h.Version, evs...); err != nil {
		return err
	}
	c.SetMembership(bus.HeaderLayer, p.Room())
	return nil
}

// pathOf converts a game LayerPath.
func pathOf(p pat.LayerPath) world.Path {
	return world.Path{Server: int(p.Server), Gate: int(p.Gate), City: int(p.City)}
}

// layerPath converts to a game LayerPath.
func layerPath(p world.Path) pat.LayerPath {
	return pat.LayerPath{Server: uint32(p.Server), Gate: uint16(p.Gate), City: uint16(p.City)}
}

// Identity values of UserSearchInfoMine (fields 0x0F, 0x10). The game
// uses them to attribute NtcLayerBinary data to hunters, so they must be
// stable and distinct. A Capcom ID is 6 characters of 36, fewer than
// 2^32 values: read as a base-36 number it is a unique u32, the same in
// every process and after every restart (MH3SP's Python hash() changes
// with each start). The second value reads the ID backwards.
func identity(capcomID string) (uint32, uint32) {
	return base36(capcomID), base36(reverse(capcomID))
}

func base36(s string) uint32 {
	n, err := strconv.ParseUint(s, 36, 32)
	if err != nil {
		// Not one of ours (6 characters of [0-9A-Z] always parse): hash.
		var h uint32 = 2166136261
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
		return h
	}
	return uint32(n)
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// worldSweeper moves the hunters of a dead edge out of the world.
type worldSweeper struct{ s *Service }

func (w *worldSweeper) edgesWithHunters() []string { return w.s.view.Edges() }

// sweepEdge moves every hunter whose connection was on edge out of the
// world, as a closed connection would (cities, host, notifications).
func (w *worldSweeper) sweepEdge(ctx context.Context, s *Service, edge, reason string) (int, error) {
	n := 0
	for _, h := range s.view.OnEdge(edge) {
		if err := s.depart(ctx, h.CapcomID, h.Conn, reason, false); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// depart takes a hunter out of the world (a closed connection, a sweep):
// out of its city (host handed over, the gate told), out of its gate, and
// off its server unless it is expected back (keep true: a server change).
// It runs as its own pipeline so that it retries on conflicts.
func (s *Service) depart(ctx context.Context, capcomID, conn, reason string, keep bool) error {
	c := &Call{ctx: ctx, s: s, log: s.log.With("capcom_id", capcomID, "departure", reason), Conn: conn, Req: "depart/" + conn + "/" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	r := route{fn: func(c *Call, _ []byte) error {
		h, err := c.hunter(capcomID)
		if err != nil {
			return err
		}
		if h.Conn != conn || h.At.IsZero() {
			return nil // elsewhere now (logged in again) or gone already
		}
		// The hunter keeps naming the edge that held it (a server change
		// keeps it in the world until the game is back): a hunter of edge
		// "" would be swept as a dead edge's.
		c.Edge = h.Edge
		sess := &Session{CapcomID: capcomID, HunterName: h.Name}
		to := world.Path{}
		if keep {
			to = world.Path{Server: h.At.Server}
		}
		return c.leaveTo(sess, h, to, reason)
	}}
	err := s.run(c, r)
	for _, ps := range c.pushes {
		s.publish(c, ps)
	}
	return err
}

// leaveTo moves a hunter from where it stands up to p (a gate, a
// server, or out of the world), leaving its city and gate on the way
// with MH3SP's departure notices: NtcLayerHost to the city when the host
// leaves, NtcLayerOut to the layer left, and to the gate NtcLayerUserNum
// (and NtcLayerInfoSet when the city emptied).
func (c *Call) leaveTo(sess *Session, h world.Hunter, p world.Path, reason string) error {
	at := h.At
	if at.Depth() == 3 && p != at {
		if err := c.releaseMediation(at.Room(), sess.CapcomID, 0); err != nil {
			return err
		}
		city, err := c.city(at)
		if err != nil {
			return err
		}
		circle, _ := city.LeaveCircle(sess.CapcomID, reason)
		evs := city.Leave(sess.CapcomID, reason)
		after, hostChanged := city, false
		if len(evs) > 0 {
			if err := c.Append(events.CityStream(at.Server, at.Gate, at.City), city.Version, evs...); err != nil {
				return err
			}
			after = applied(city, evs)
			hostChanged = after.Leader != city.Leader
			if circle.Index != 0 {
				c.circleLeft(at, sess.CapcomID, circle, after, 0)
				c.SetMembership(bus.HeaderCircle, "")
			}
		} else {
			// The hunter's stream still puts it here but the city let it
			// go: an earlier attempt of this departure appended to the
			// city and its handler died before the hunter's stream moved
			// and before anything was sent, or another process (a second
			// sweeper) is making the same departure now. Tell of a new
			// host only if this hunter handed the city over: a guest's
			// departure must never announce the unchanged host.
			hostChanged = city.PrevLeader == sess.CapcomID
		}
		c.leftCity(sess.CapcomID, at, after, hostChanged)
	} else if at.Depth() == 2 && p != at {
		// Standing at a gate: the others there see the hunter go. Leaving
		// the server level tells no one (MH3SP sends NtcLayerOut only from
		// a gate or a city).
		c.broadcast(at.Room(), c.Conn, 0, &pat.NtcLayerOut{CapcomID: []byte(sess.CapcomID)})
	}
	return c.locate(sess, h, p, reason)
}

// leftCity tells a city and its gate that a hunter left it: the new
// host (when it changed), NtcLayerOut, the gate's numbers.
func (c *Call) leftCity(capcomID string, at world.Path, after world.City, hostChanged bool) {
	if after.Leader != "" && hostChanged {
		if host, ok := after.Member(after.Leader); ok {
			c.broadcast(at.Room(), c.Conn, 0, &pat.NtcLayerHost{CapcomID: []byte(host.CapcomID), HunterName: host.Name})
		}
	}
	c.broadcast(at.Room(), c.Conn, 0, &pat.NtcLayerOut{CapcomID: []byte(capcomID)})
	c.cityChanged(at, after, after.Population() == 0)
}

// broadcast sends m to a room, skipping one connection ("" for none).
func (c *Call) broadcast(room, skip string, seq uint16, m pat.Message) {
	frame, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		c.logger().Warn("encode broadcast", "packet", m.PacketID(), "err", err)
		return
	}
	c.pushes = append(c.pushes, push{room: room, skip: skip, data: frame})
}

// cityChanged tells a city's gate its new numbers (NtcLayerUserNum type
// 4), and with infoSet the city's whole entry too (NtcLayerInfoSet), as
// MH3SP does when a hunter leaves a city (the entry when it emptied).
func (c *Call) cityChanged(p world.Path, city world.City, infoSet bool) {
	entry := c.s.gateEntry(p, city, c.s.cfg.Now())
	c.broadcast(p.Parent().Room(), c.Conn, 0, &pat.NtcLayerUserNum{Update: pat.UserNumUpdateChild, Num: pat.UserNumFromLayerData(entry.Data)})
	if infoSet {
		c.broadcast(p.Parent().Room(), c.Conn, 0, &pat.NtcLayerInfoSet{Path: layerPath(p), Layer: entry})
	}
}

// cityInfoSet tells a city's gate the city's whole entry alone
// (NtcLayerInfoSet), as MH3SP does on LayerCreateHead and LayerCreateFoot.
func (c *Call) cityInfoSet(p world.Path, city world.City) {
	entry := c.s.gateEntry(p, city, c.s.cfg.Now())
	c.broadcast(p.Parent().Room(), c.Conn, 0, &pat.NtcLayerInfoSet{Path: layerPath(p), Layer: entry})
}

// gateEntry is a city's entry as its gate's notifications carry it: the
// list entry, with the city's own path as host even when no one hosts it
// (MH3SP builds these from the city's path, not from its leader).
func (s *Service) gateEntry(p world.Path, city world.City, now time.Time) pat.DataOpt {
	entry := s.cityEntry(p, city, now)
	entry.Data.SetBinary(pat.LayerHost, layerPath(p).Bytes())
	return entry
}

// cityEntry is a city's LayerData and options as lists show it.
func (s *Service) cityEntry(p world.Path, city world.City, now time.Time) pat.DataOpt {
	info := pat.LayerInfo{
		Index:      uint32(p.City),
		Depth:      pat.LayerDepthCity,
		Name:       []byte(s.live().Name(p)),
		Population: uint32(city.Population()),
		Capacity:   uint32(len(city.Members)),
		State:      city.State(now),
		InQuest:    uint32(city.InQuest()),
		Pathname:   []byte(s.live().Pathname(p)),
	}
	if city.Leader != "" {
		host := layerPath(p)
		info.Host = &host
	}
	var opt pat.Opt
	for _, o := range city.Opt {
		opt = append(opt, pat.OptField{ID: o.ID, Has: o.Has, Value: o.Value})
	}
	return pat.DataOpt{Data: pat.NewLayerData(info), Opt: opt}
}

// entry is a server's or gate's LayerData as lists show it.
func (s *Service) entry(p world.Path, now time.Time) pat.DataOpt {
	pop := s.view.Population(p)
	capacity := s.live().Capacity(p)
	info := pat.LayerInfo{
		Depth:      uint8(p.Depth()),
		Name:       []byte(s.live().Name(p)),
		Population: uint32(pop),
		Capacity:   uint32(capacity),
	}
	switch p.Depth() {
	case 1:
		info.Index = uint32(p.Server)
	case 2:
		info.Index = uint32(p.Gate)
		info.State = gateState(pop, capacity)
	case 3:
		return s.cityEntry(p, s.view.City(p), now)
	}
	return pat.DataOpt{Data: pat.NewLayerData(info)}
}

func gateState(pop, capacity int) uint8 {
	switch {
	case pop == 0:
		return world.StateEmpty
	case pop < capacity:
		return world.StateJoinable
	}
	return world.StateFull
}

// refuse turns a city decision's refusal into the game's alert.
func (c *Call) refuse(err error) error {
	switch {
	case errors.Is(err, world.ErrCityExists):
		return c.Alert(textCityExists)
	case errors.Is(err, world.ErrCityReserved):
		return c.Alert(textCityReserved)
	case errors.Is(err, world.ErrCityFull):
		return c.Alert(textCityFull)
	case errors.Is(err, world.ErrCityGone), errors.Is(err, world.ErrNotReserved):
		return c.Alert(textCityGone)
	}
	return err
}

// Alert texts (ours; MH3SP's markup).
const (
	textCityExists   = "<LF=8><BODY><CENTER>City already exists.<END>"
	textCityReserved = "<LF=8><BODY><CENTER>City reserved.<END>"
	textCityFull     = "<LF=8><BODY><CENTER>This city is full.<END>"
	textCityGone     = "<LF=8><BODY><CENTER>This city no longer exists.<END>"
	textNoSuchLayer  = "<LF=8><BODY><CENTER>There is no such place.<END>"
	textGateFull     = "<LF=8><BODY><CENTER>This gate is full.<END>"
	textServerFull   = "<LF=8><BODY><CENTER>This server is full.<END>"
	textRankOutside  = "<LF=8><BODY><CENTER>Your Hunter Rank is outside<BR><BODY><CENTER>this server's range.<END>"
)
