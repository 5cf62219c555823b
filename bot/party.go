package bot

import (
	"time"

	"github.com/mh3net/mh3net/pat"
)

// Quest parties (circles). A leader posts a quest and waits for hunters
// to join; then it gets ready, calls the party to depart (CircleInfoSet:
// the members are told), reads the party list and waits until everyone
// on it is ready before departing. Members get ready only when called,
// so a hunter who joins at the last moment is never ready when the
// leader departs: the server drops it from the party and it sends
// nothing more, instead of a ready for a party it is no longer in (the
// server shuts the connection of a hunter who does that).

// quests are quest ids hunters post (any number is accepted).
var quests = []uint32{10101, 10203, 20202, 30303, 40404, 50101}

// party is what a hunter knows of its party from the notices.
type party struct {
	index   uint32
	members map[string]bool // the leader's view: the others, and whether each is ready
	left    map[string]bool // the leader's view: who left
	called  bool            // a member was told the party departs soon
	roster  bool            // departed (NtcCircleMatchStart)
	out     bool            // dropped at departure, or the party broke up
}

func (pt *party) absorb(h *hunter, p pat.Packet) {
	switch p.ID {
	case pat.IDNtcCircleJoin:
		var m pat.NtcCircleJoin
		if pat.Unmarshal(p.Payload, &m) == nil && m.Index == pt.index && pt.members != nil {
			pt.members[string(m.CapcomID)] = false
			h.r.stats.saw(seenJoin)
		}
	case pat.IDNtcCircleLeave:
		var m pat.NtcCircleLeave
		if pat.Unmarshal(p.Payload, &m) == nil && m.Index == pt.index && pt.members != nil {
			delete(pt.members, string(m.CapcomID))
			pt.left[string(m.CapcomID)] = true
		}
	case pat.IDNtcCircleMatchOptionSet:
		var m pat.NtcCircleMatchOptionSet
		if pat.Unmarshal(p.Payload, &m) == nil && pt.members != nil {
			id := string(m.Options.Bytes(pat.CircleUserCapcomID))
			if _, ok := pt.members[id]; ok {
				pt.members[id] = m.Options.Num(pat.CircleUserStandby) == 1
			}
		}
	case pat.IDNtcCircleInfoSet:
		pt.called = true
	case pat.IDNtcCircleMatchStart:
		pt.roster = true
		h.r.stats.saw(seenRoster)
	case pat.IDNtcCircleKick, pat.IDNtcCircleBreak:
		pt.out = true
	}
}

// patience is how long a leader waits for hunters to join.
func (h *hunter) patience() time.Duration { return 4 * h.r.cfg.ThinkMax }

// questBoard reads the board: a joinable party there is joined (most
// of the time), else the hunter posts a quest.
func (h *hunter) questBoard() error {
	var board []pat.DataOpt
	if err := h.do(kBoard, func() (err error) { board, err = h.cl.Board(); return err }); err != nil {
		return err
	}
	clear(h.open)
	var open []uint32
	for _, d := range board {
		if e := listingOf(d); e.joinable() && e.leader != h.id {
			open = append(open, e.index)
		}
	}
	if len(open) > 0 && h.rng.IntN(10) > 0 {
		return h.join(open[h.rng.IntN(len(open))])
	}
	return h.lead()
}

// lead posts a quest and plays it through as its leader.
func (h *hunter) lead() error {
	capacity := 2 + h.rng.IntN(3)
	quest := quests[h.rng.IntN(len(quests))]
	pt := &party{members: map[string]bool{}, left: map[string]bool{}}
	h.party = pt
	defer func() { h.party = nil }()
	err := h.do(kCirclePost, func() (err error) { pt.index, err = h.cl.PostQuest(quest, uint32(capacity), ""); return err })
	if refused(err) {
		return nil // no free quest slot in this city
	}
	if err != nil {
		return err
	}
	full := func() bool { return len(pt.members)+1 >= capacity }
	if err := h.waitFor(time.Now().Add(h.patience()), full); err != nil {
		return err
	}
	if err := h.do(kReady, func() error { return h.cl.Ready(true) }); err != nil {
		return err
	}
	var list []string
	call := func() error {
		return h.do(kPartyCall, func() (err error) {
			if err := h.cl.ChangeQuest(pt.index, quest, 0, "Departing!"); err != nil {
				return err
			}
			list, err = h.cl.Party()
			return err
		})
	}
	if err := call(); err != nil {
		return err
	}
	// Everyone on the list is ready, or gone. A hunter who joined
	// between the call and the list never heard the call: call again
	// after a second, and depart without the late ones at the end.
	ready := func() bool {
		for _, id := range list {
			if r, ok := pt.members[id]; id != h.id && ok && !r {
				return false
			}
		}
		return true
	}
	listed := func() {
		for _, id := range list {
			if _, ok := pt.members[id]; !ok && id != h.id && !pt.left[id] {
				pt.members[id] = false // listed before its join notice came
			}
		}
	}
	listed()
	end := time.Now().Add(h.r.cfg.Timeout)
	if err := h.waitFor(time.Now().Add(min(time.Second, h.r.cfg.Timeout)), ready); err != nil {
		return err
	}
	if !ready() {
		if err := call(); err != nil {
			return err
		}
		listed()
		if err := h.waitFor(end, ready); err != nil {
			return err
		}
	}
	if err := h.do(kDepart, h.cl.Depart); err != nil {
		return err
	}
	return h.onQuest(pt)
}

// join joins party index and plays it through as a member.
func (h *hunter) join(index uint32) error {
	pt := &party{index: index}
	h.party = pt
	defer func() { h.party = nil }()
	err := h.do(kCircleJoin, func() error { _, err := h.cl.JoinQuest(index, ""); return err })
	if refused(err) {
		return nil // full, departed or broken up meanwhile
	}
	if err != nil {
		return err
	}
	// The leader waits its patience for others, then calls, then waits
	// for readiness up to a request timeout.
	deadline := time.Now().Add(h.patience() + 2*h.r.cfg.Timeout)
	if err := h.waitFor(deadline, func() bool { return pt.called || pt.out || pt.roster }); err != nil {
		return err
	}
	if pt.called && !pt.out && !pt.roster {
		if err := h.do(kReady, func() error { return h.cl.Ready(true) }); err != nil {
			return err
		}
		if err := h.waitFor(deadline, func() bool { return pt.out || pt.roster }); err != nil {
			return err
		}
	}
	switch {
	case pt.out:
		return nil
	case !pt.roster: // tired of waiting
		return h.do(kCircleLeave, func() error { return h.cl.LeaveQuest(index) })
	}
	return h.onQuest(pt)
}

// onQuest is the quest itself (the party talks now and then), its end,
// and leaving the party.
func (h *hunter) onQuest(pt *party) error {
	end := time.Now().Add(time.Duration(2+h.rng.IntN(4)) * h.think())
	if h.rng.IntN(2) == 0 {
		if err := h.do(kPartyChat, func() error { return h.cl.PartyChat(h.r.stamp()) }); err != nil {
			return err
		}
	}
	if err := h.waitFor(end, func() bool { return false }); err != nil {
		return err
	}
	if err := h.do(kQuestEnd, h.cl.EndQuest); err != nil {
		return err
	}
	return h.do(kCircleLeave, func() error { return h.cl.LeaveQuest(pt.index) })
}

// listing is what the board shows of a circle.
type listing struct {
	index, players, capacity uint32
	leader                   string
	password, notJoinable    bool
}

func listingOf(d pat.DataOpt) listing {
	return listing{
		index:       uint32(d.Data.Num(pat.CircleIndex)),
		players:     uint32(d.Data.Num(pat.CirclePlayerCount)),
		capacity:    uint32(d.Data.Num(pat.CircleCapacity)),
		leader:      string(d.Data.Bytes(pat.CircleLeader)),
		password:    d.Data.Num(pat.CircleHasPassword) == 1,
		notJoinable: d.Data.Num(pat.CircleNotJoinable) == 1,
	}
}

func (l listing) joinable() bool {
	return l.leader != "" && !l.notJoinable && !l.password && l.players < l.capacity
}
