package bot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// hunterRank is what hunters show in their display binary.
const hunterRank = 50

// hunter is one player: a console with one profile, on its own schedule.
type hunter struct {
	r      *run
	i      int
	idle   bool
	rng    *rand.Rand
	con    gameclient.Console
	name   string
	dialer gameclient.Dialer

	lmp, cl       *gameclient.Client // the LMP connection of a login; the FMP one while online
	closeLMP, bye func()
	id            string // Capcom ID
	online        bool   // arrived on FMP in this session
	server        int
	gate, city    uint16
	// open are circles of the hunter's city that its board showed
	// joinable (NtcCircleListLayerChange): a player seeing one goes to
	// look.
	open  map[uint32]bool
	party *party
}

func newHunter(r *run, i int, idle bool) *hunter {
	h := &hunter{
		r: r, i: i, idle: idle,
		rng: rand.New(rand.NewPCG(uint64(r.cfg.Seed), uint64(i))),
		// The same seed and index give the same console, so a rerun
		// plays the same profiles.
		con:  gameclient.Console{SupportCode: fmt.Sprintf("BOT%016X%d", uint64(r.cfg.Seed), i)},
		name: fmt.Sprintf("Bot%d", i),
	}
	if ips := r.cfg.LocalIPs; len(ips) > 0 {
		h.dialer.LocalIP = ips[i%len(ips)]
	}
	return h
}

// live plays sessions until the run stops: log in, play (or idle), log
// out, stay offline a while, again. A failed session is followed by a
// longer pause, growing with failures in a row.
func (h *hunter) live() {
	if !h.sleep(time.Duration(h.rng.Int64N(int64(h.r.cfg.Ramp) + 1))) {
		return
	}
	failures := 0
	for n := 0; h.idle || h.r.cfg.Sessions == 0 || n < h.r.cfg.Sessions; n++ {
		if h.stopped() {
			return
		}
		err := h.session(failures > 0)
		h.logout(err)
		if h.stopped() || !h.idle && h.r.cfg.Sessions > 0 && n+1 == h.r.cfg.Sessions {
			return
		}
		pause := h.think()
		if err != nil && !errors.Is(err, errStopped) {
			failures++
			pause = min(pause<<min(failures, 4), 10*time.Second)
		} else {
			failures = 0
		}
		if !h.sleep(pause) {
			return
		}
	}
}

// session is one login: arrive on a server, then play or idle.
func (h *hunter) session(afterFailure bool) error {
	h.server = 0
	if err := h.login(); err != nil {
		return err
	}
	if h.stopped() {
		return errStopped
	}
	if err := h.pickServer(); err != nil {
		return err
	}
	h.r.stats.sessions.Add(1)
	if afterFailure {
		h.r.stats.reconnects.Add(1)
	}
	if h.idle {
		if err := h.enterGate(); err != nil {
			return err
		}
		for {
			if err := h.listen(time.Hour, nil); err != nil {
				return err
			}
		}
	}
	return h.play()
}

func (h *hunter) stopped() bool { return h.r.stop.Err() != nil }

// sleep waits d offline; false when the run stopped meanwhile.
func (h *hunter) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-h.r.stop.Done():
		return false
	case <-t.C:
		return true
	}
}

// think is a pause between actions.
func (h *hunter) think() time.Duration {
	c := h.r.cfg
	return c.ThinkMin + time.Duration(h.rng.Int64N(int64(c.ThinkMax-c.ThinkMin)+1))
}

// do times one action and counts its outcome; the notices read meanwhile
// are taken in.
func (h *hunter) do(k kind, fn func() error) error {
	t0 := time.Now()
	err := fn()
	d := time.Since(t0)
	if h.cl != nil {
		for _, p := range h.cl.Pending() {
			h.absorb(p)
		}
	}
	return h.r.stats.record(h.i, h.where(), k, d, err, h.r.wasCut())
}

// where is the server and FMP connection a failure happens on.
func (h *hunter) where() where {
	w := where{server: h.server}
	if h.cl != nil {
		if a := h.cl.Conn().RemoteAddr(); a != nil {
			w.fmp = a.String()
		}
	}
	return w
}

// listen reads what comes for d (the hunter thinks, waits or walks),
// or until until, when given, reports true.
func (h *hunter) listen(d time.Duration, until func() bool) error {
	if h.stopped() {
		return errStopped
	}
	err := h.cl.Listen(h.r.stop, d, func(p pat.Packet) bool {
		h.absorb(p)
		return until != nil && until()
	})
	var shut *gameclient.ShutError
	if err != nil && h.stopped() && !errors.As(err, &shut) {
		return errStopped
	}
	if err != nil {
		return h.r.stats.record(h.i, h.where(), kListen, 0, err, h.r.wasCut())
	}
	return nil
}

// pause listens for a think time.
func (h *hunter) pause() error { return h.listen(h.think(), nil) }

// waitFor listens until cond holds or deadline passes.
func (h *hunter) waitFor(deadline time.Time, cond func() bool) error {
	if cond() {
		return nil
	}
	d := time.Until(deadline)
	if d <= 0 {
		return nil
	}
	return h.listen(d, cond)
}

// dial opens a game connection the run can close at its end; done
// closes it.
func (h *hunter) dial(addr string, tls bool) (cl *gameclient.Client, done func(), err error) {
	switch {
	case tls && h.r.cfg.Wii:
		cl, err = h.dialer.DialWii(addr)
	case tls:
		cl, err = h.dialer.DialTLS(addr, false)
	default:
		cl, err = h.dialer.Dial(addr)
	}
	if err != nil {
		return nil, nil, err
	}
	cl.Timeout = h.r.cfg.Timeout
	untrack := h.r.track(cl)
	return cl, func() { cl.Close(); untrack() }, nil
}

// login plays OPN and both LMP connections up to the profile, as the
// game does after "Connect"; the second LMP connection stays open for
// the server list.
func (h *hunter) login() error {
	return h.do(kLogin, func() error {
		opn, done, err := h.dial(h.r.cfg.OPN, true)
		if err != nil {
			return fmt.Errorf("OPN: %w", err)
		}
		defer done()
		addr, err := opn.OPN(&h.con)
		if err != nil {
			return fmt.Errorf("OPN: %w", err)
		}
		first, done1, err := h.dial(addr, false)
		if err != nil {
			return fmt.Errorf("LMP: %w", err)
		}
		defer done1()
		slots, err := first.LMPFirst(&h.con)
		if err != nil {
			return fmt.Errorf("LMP: %w", err)
		}
		if h.lmp, h.closeLMP, err = h.dial(addr, false); err != nil {
			return fmt.Errorf("LMP: %w", err)
		}
		if st, err := h.lmp.Greet(&h.con, true); err != nil || st != 2 {
			return fmt.Errorf("LMP with ticket: status %d, %w", st, err)
		}
		empty := len(slots) == 0 || slots[0].CapcomID == "******"
		if h.id, err = h.lmp.PickSlot(1, empty, h.name); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		return nil
	})
}

// pickServer reads the server list, picks one of the servers wanted,
// follows the redirect to its FMP address and arrives there.
func (h *hunter) pickServer() error {
	return h.do(kServerPick, func() error {
		list, err := h.lmp.FmpList()
		if err != nil {
			return fmt.Errorf("server list: %w", err)
		}
		var offered []int
		for _, d := range list {
			i := int(d.Num(pat.FmpIndex))
			if len(h.r.cfg.Servers) == 0 || slices.Contains(h.r.cfg.Servers, i) {
				offered = append(offered, i)
			}
		}
		if len(offered) == 0 {
			return fmt.Errorf("the server list offers none of servers %v", h.r.cfg.Servers)
		}
		h.server = offered[h.rng.IntN(len(offered))]
		addr, err := h.lmp.FmpInfo(h.server)
		if err != nil {
			return err
		}
		if err := h.lmp.Shut(2); err != nil {
			return err
		}
		h.closeLMP()
		h.lmp, h.closeLMP = nil, nil
		if h.cl, h.bye, err = h.dial(addr, false); err != nil {
			return fmt.Errorf("FMP: %w", err)
		}
		if st, err := h.cl.Greet(&h.con, true); err != nil || st != 3 {
			return fmt.Errorf("FMP: status %d, %w", st, err)
		}
		if _, _, err := h.cl.Arrive(hunterRank); err != nil {
			return err
		}
		h.online = true
		h.r.online.add(h.id)
		h.r.stats.arrived()
		return nil
	})
}

// logout ends a session: after a failure the connections are just
// closed (the game shows an error and goes back to the title); else the
// hunter leaves the layers and says goodbye.
func (h *hunter) logout(failure error) {
	if h.closeLMP != nil {
		h.closeLMP()
		h.lmp, h.closeLMP = nil, nil
	}
	if h.cl == nil {
		return
	}
	if h.online {
		h.r.online.remove(h.id)
		h.r.stats.online.Add(-1)
		h.online = false
	}
	if failure == nil || errors.Is(failure, errStopped) {
		h.do(kLogout, func() error {
			if err := h.cl.End(); err != nil {
				return err
			}
			return h.cl.Shut(1)
		})
	}
	h.bye()
	h.cl, h.bye = nil, nil
	h.gate, h.city, h.open, h.party = 0, 0, nil, nil
}

// play is an active hunter's session: a few visits to cities, with a
// change of gate now and then, and maybe an idle spell before leaving.
func (h *hunter) play() error {
	visits := 1 + h.rng.IntN(3)
	for v := 0; v < visits; v++ {
		if h.stopped() {
			return errStopped
		}
		if h.gate != 0 && h.rng.IntN(10) < 3 {
			if err := h.do(kGateLeave, h.cl.Up); err != nil {
				return err
			}
			h.gate = 0
		}
		if h.gate == 0 {
			if err := h.enterGate(); err != nil {
				return err
			}
			if h.gate == 0 { // every gate full
				if err := h.pause(); err != nil {
					return err
				}
				continue
			}
		}
		if err := h.pause(); err != nil {
			return err
		}
		if err := h.enterCity(); err != nil {
			return err
		}
		if h.city == 0 { // no room anywhere: stay at the gate a while
			if err := h.pause(); err != nil {
				return err
			}
			continue
		}
		for a, n := 0, 3+h.rng.IntN(6); a < n; a++ {
			if err := h.cityAction(); err != nil {
				return err
			}
		}
		if err := h.do(kCityLeave, h.cl.Up); err != nil {
			return err
		}
		h.city, h.open = 0, nil
	}
	if h.rng.IntN(4) == 0 {
		return h.listen(5*h.think(), nil) // away from the keyboard
	}
	return nil
}

// enterGate lists the server's gates and goes into one of the first
// cfg.Gates that is not full (on "full", the next one).
func (h *hunter) enterGate() error {
	var gates []pat.DataOpt
	if err := h.do(kLayerList, func() (err error) { gates, err = h.cl.Children(); return err }); err != nil {
		return err
	}
	n := min(h.r.cfg.Gates, len(gates))
	if n == 0 {
		return nil
	}
	first := h.rng.IntN(n)
	for k := 0; k < len(gates); k++ {
		g := gates[(first+k)%len(gates)]
		if k > 0 && k < n && g.Data.Num(pat.LayerState) == pat.LayerStateFull {
			continue
		}
		number := uint16(g.Data.Num(pat.LayerIndex))
		err := h.do(kGate, func() error { return h.cl.Down(number) })
		if refused(err) {
			continue
		}
		if err != nil {
			return err
		}
		h.gate = number
		return nil
	}
	return nil
}

// enterCity lists the gate's cities and joins one with room (most
// players do) or creates one; a refusal (full, taken meanwhile) sends
// the hunter to another.
func (h *hunter) enterCity() error {
	var cities []pat.DataOpt
	if err := h.do(kLayerList, func() (err error) { cities, err = h.cl.Children(); return err }); err != nil {
		return err
	}
	var joinable, empty []uint16
	for _, c := range cities {
		n := uint16(c.Data.Num(pat.LayerIndex))
		switch c.Data.Num(pat.LayerState) {
		case pat.LayerStateJoinable:
			joinable = append(joinable, n)
		case pat.LayerStateEmpty:
			empty = append(empty, n)
		}
	}
	for tries := 0; tries < 4; tries++ {
		if len(joinable) > 0 && (len(empty) == 0 || h.rng.IntN(5) > 0) {
			i := h.rng.IntN(len(joinable))
			n := joinable[i]
			joinable = slices.Delete(joinable, i, i+1)
			err := h.do(kCityJoin, func() error { _, err := h.cl.JoinCity(uint32(h.server), h.gate, n); return err })
			if refused(err) {
				continue
			}
			if err != nil {
				return err
			}
			h.city, h.open = n, map[uint32]bool{}
			return nil
		}
		if len(empty) == 0 {
			return nil
		}
		i := h.rng.IntN(min(len(empty), 3)) // the first empty ones, as players pick from the top
		n := empty[i]
		empty = slices.Delete(empty, i, i+1)
		err := h.do(kCityCreate, func() error { return h.cl.CreateCity(n, nil) })
		if refused(err) {
			continue
		}
		if err != nil {
			return err
		}
		h.city, h.open = n, map[uint32]bool{}
		return nil
	}
	return nil
}

// cityAction is one thing a hunter does in a city, then a pause. A quest
// posted in the city draws most hunters to the board.
func (h *hunter) cityAction() error {
	var err error
	switch w := h.rng.IntN(100); {
	case len(h.open) > 0 && w < 80:
		err = h.questBoard()
	case w < 25:
		err = h.do(kChat, func() error { return h.cl.Chat(h.r.stamp()) })
	case w < 50:
		err = h.walk()
	case w < 65:
		err = h.questBoard()
	case w < 80:
		err = h.tell()
	}
	if err != nil {
		return err
	}
	return h.pause()
}

// walk sends position updates ten times a second for a few steps, as the
// game does while the hunter moves; a quest posted meanwhile stops it.
func (h *hunter) walk() error {
	for s, n := 0, 3+h.rng.IntN(8); s < n && len(h.open) == 0; s++ {
		if err := h.do(kMove, func() error { return h.cl.Position(h.r.position(h.rng)) }); err != nil {
			return err
		}
		if err := h.listen(100*time.Millisecond, nil); err != nil {
			return err
		}
	}
	return nil
}

// tell sends a line to another online hunter of the run.
func (h *hunter) tell() error {
	to := h.r.online.pick(h.rng, h.id)
	if to == "" {
		return nil
	}
	return h.do(kTell, func() error { return h.cl.Tell(to, h.r.stamp()) })
}

// absorb takes in a notice: deliveries of the run's own chat, tells and
// positions are timed and counted, board changes noted, party notices
// handed to the party.
func (h *hunter) absorb(p pat.Packet) {
	r := h.r
	switch p.ID {
	case pat.IDNtcLayerChat:
		var m pat.NtcLayerChat
		if pat.Unmarshal(p.Payload, &m) == nil {
			if t, ok := r.stamped(m.Text); ok {
				r.stats.delivery(kChat, time.Since(t))
				r.stats.saw(seenChat)
			}
		}
	case pat.IDNtcLayerUserPosition:
		var m pat.NtcLayerUserPosition
		if pat.Unmarshal(p.Payload, &m) == nil {
			if t, ok := r.positioned(m.Payload); ok {
				r.stats.delivery(kMove, time.Since(t))
				r.stats.saw(seenPosition)
			}
		}
	case pat.IDNtcLayerIn:
		if h.city != 0 {
			r.stats.saw(seenArrival)
		}
	case pat.IDNtcTell:
		var m pat.NtcTell
		if pat.Unmarshal(p.Payload, &m) == nil {
			if _, ok := r.stamped(m.Text); ok {
				r.stats.saw(seenTell)
			}
		}
	case pat.IDNtcCircleChat:
		var m pat.NtcCircleChat
		if pat.Unmarshal(p.Payload, &m) == nil {
			if t, ok := r.stamped(m.Text); ok {
				r.stats.delivery(kPartyChat, time.Since(t))
				r.stats.saw(seenParty)
			}
		}
	case pat.IDNtcCircleListLayerChange:
		var m pat.NtcCircleListLayerChange
		if h.open != nil && pat.Unmarshal(p.Payload, &m) == nil {
			if e := listingOf(m.Info); e.joinable() && e.leader != h.id && h.party == nil {
				h.open[m.Index] = true
			} else {
				delete(h.open, m.Index)
			}
		}
	default:
		if h.party != nil {
			h.party.absorb(h, p)
		}
	}
}
