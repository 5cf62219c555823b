package features

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cucumber/godog"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// Quest parties (circles.feature): the hunters of one city, on both
// edges, post quests, join, get ready, depart and talk in their party.

func (s *state) circleSteps(sc *godog.ScenarioContext) {
	sc.Step(`^(.+) meet in city (\d+) of gate (\d+) on server (\d+)$`, s.meetInCity)
	sc.Step(`^"([^"]*)" posts quest (\d+) for (\d+) hunters(?: with password "([^"]*)")?$`, s.postsQuest)
	sc.Step(`^(.+) sees? the party of "([^"]*)" on the board with (\d+) of (\d+) hunters?$`, s.seeOnBoard)
	sc.Step(`^(.+) sees? the party of "([^"]*)" on the board with quest (\d+)$`, s.seeQuestOnBoard)
	sc.Step(`^(.+) sees? the party of "([^"]*)" departed on the board with (\d+) hunters?$`, s.seeDeparted)
	sc.Step(`^(.+) sees? the party of "([^"]*)" gone from the board$`, s.seeGone)
	sc.Step(`^the board of "([^"]*)" shows the party of "([^"]*)" departed with (\d+) hunters?$`, s.boardDeparted)
	sc.Step(`^the board of "([^"]*)" shows the party of "([^"]*)" full with (\d+) of (\d+) hunters?$`, s.boardFull)
	sc.Step(`^the board of "([^"]*)" shows no party$`, s.boardEmpty)
	sc.Step(`^"([^"]*)" tries to join the party of "([^"]*)"(?: with password "([^"]*)")?$`, s.triesToJoinParty)
	sc.Step(`^"([^"]*)" joins the party of "([^"]*)"(?: with password "([^"]*)")?$`, s.joinsParty)
	sc.Step(`^"([^"]*)" is told "([^"]*)"$`, s.toldAlert)
	sc.Step(`^"([^"]*)" is in slot (\d+)$`, s.inSlot)
	sc.Step(`^(.+) sees? "([^"]*)" join the party in slot (\d+)$`, s.seeJoin)
	sc.Step(`^(.+) (?:is|are) not told it$`, s.notToldIt)
	sc.Step(`^(.+) (?:is|are) told of no one joining$`, s.toldNoJoin)
	sc.Step(`^the party list of "([^"]*)" shows (.+)$`, s.partyList)
	sc.Step(`^(.+) (?:is|are) ready$`, s.areReady)
	sc.Step(`^(.+) sees? "([^"]*)" ready$`, s.seeReady)
	sc.Step(`^"([^"]*)" changes the quest to (\d+) with remarks "([^"]*)"$`, s.changesQuest)
	sc.Step(`^(.+) (?:is|are) told the quest is now (\d+) with remarks "([^"]*)"$`, s.toldQuest)
	sc.Step(`^"([^"]*)" departs$`, s.departs)
	sc.Step(`^"([^"]*)" is dropped from the party$`, s.droppedFromParty)
	sc.Step(`^(.+) sees? "([^"]*)" leave the party from slot (\d+)$`, s.seeLeaveParty)
	sc.Step(`^(.+) gets? the roster (.+)$`, s.getRoster)
	sc.Step(`^(.+) gets? no roster$`, s.noRoster)
	sc.Step(`^"([^"]*)" ends the quest$`, s.endsQuest)
	sc.Step(`^"([^"]*)" leaves the party$`, s.leavesParty)
	sc.Step(`^(.+) (?:is|are) told the party broke up$`, s.toldBrokeUp)
	sc.Step(`^(.+) (?:is|are) told "([^"]*)" leads now$`, s.toldLeads)
	sc.Step(`^"([^"]*)" asks who leads the party and is told "([^"]*)"$`, s.asksLeader)
	sc.Step(`^"([^"]*)" sends "([^"]*)" to the party$`, s.sendsToParty)
	sc.Step(`^"([^"]*)" sends "([^"]*)" to "([^"]*)" alone$`, s.sendsToPartner)
	sc.Step(`^(.+) gets? "([^"]*)" from "([^"]*)"$`, s.getsFromParty)
	sc.Step(`^"([^"]*)" gets "([^"]*)" from "([^"]*)" alone$`, s.getsFromPartner)
	sc.Step(`^(.+) gets? no party data$`, s.noPartyData)
	sc.Step(`^"([^"]*)" says "([^"]*)" to the party$`, s.saysToParty)
	sc.Step(`^(.+) hears? "([^"]*)" say "([^"]*)" to the party$`, s.hearParty)
	sc.Step(`^(.+) hears? no party chat$`, s.noPartyChat)
}

var placed = regexp.MustCompile(`"([^"]*)" through edge (\d+)`)

// meetInCity places hunters on their edges at a gate; the first creates
// the city, the others join it; what they were told on the way is
// forgotten.
func (s *state) meetInCity(list string, city, gate, server int) error {
	ms := placed.FindAllStringSubmatch(list, -1)
	if len(ms) == 0 {
		return fmt.Errorf("no hunters placed in %q", list)
	}
	for i, m := range ms {
		edge, _ := strconv.Atoi(m[2])
		if err := s.standsAtGate(m[1], gate, server, edge); err != nil {
			return err
		}
		if i == 0 {
			err := s.createsCity(m[1], city)
			if err != nil {
				return err
			}
			continue
		}
		if err := s.joinsCity(m[1], city); err != nil {
			return err
		}
	}
	s.settle(nil)
	return nil
}

// partyOf is the index of the circle hunter leads.
func (s *state) partyOf(leader string) (uint32, error) {
	if s.world == nil {
		return 0, errors.New("no world running")
	}
	i, ok := s.world.parties[leader]
	if !ok {
		return 0, fmt.Errorf("%s leads no party", leader)
	}
	return i, nil
}

// each runs fn for every hunter of list.
func (s *state) each(list string, fn func(*hunter) error) error {
	hs, err := s.named(list)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// expect waits for a notice of kind id that match accepts, decoded into
// m, and remembers the kind for "... is not told it".
func (s *state) expect(h *hunter, id pat.ID, m pat.Message, match func() bool) error {
	s.world.last = id
	_, err := h.await(id, s.noticeWait(), func(p pat.Packet) bool {
		return pat.Unmarshal(p.Payload, m) == nil && match()
	})
	return err
}

// none listens for quiet and fails if any notice of ids arrived (or was
// set aside earlier).
func (h *hunter) none(ids ...pat.ID) error {
	h.cl.Drain(quiet)
	for _, id := range ids {
		for _, p := range h.kept {
			if p.ID == id {
				return fmt.Errorf("%s got %s: %x", h.name, id, p.Payload)
			}
		}
		if got := h.cl.Notices(id); len(got) > 0 {
			return fmt.Errorf("%s got %d %s: %x", h.name, len(got), id, got[0].Payload)
		}
	}
	return nil
}

// noneOf: no hunter of list gets a notice of ids (they listen at once).
func (s *state) noneOf(list string, ids ...pat.ID) error {
	hs, err := s.named(list)
	if err != nil {
		return err
	}
	errs := make([]error, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = h.none(ids...) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *state) postsQuest(name string, quest, capacity int, password string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	i, err := h.cl.PostQuest(uint32(quest), uint32(capacity), password)
	if err != nil {
		return fmt.Errorf("%s posts quest %d: %w", name, quest, err)
	}
	s.world.parties[name] = i
	h.party, h.slot = i, 1
	return nil
}

// listing is a board entry's players, capacity, leader, quest and
// whether it takes no one (departed or full).
type listing struct {
	index, players, capacity, quest uint32
	leader, remarks                 string
	notJoinable, empty              bool
}

func listingOf(d pat.DataOpt) listing {
	l := listing{
		index:       uint32(d.Data.Num(pat.CircleIndex)),
		players:     uint32(d.Data.Num(pat.CirclePlayerCount)),
		capacity:    uint32(d.Data.Num(pat.CircleCapacity)),
		leader:      string(d.Data.Bytes(pat.CircleLeader)),
		remarks:     string(d.Data.Bytes(pat.CircleRemarks)),
		notJoinable: d.Data.Num(pat.CircleNotJoinable) == 1,
		empty:       !d.Data.Has(pat.CircleLeader),
	}
	for _, o := range d.Opt {
		if o.ID == pat.OptCircleQuestID && o.Has {
			l.quest = o.Value
		}
	}
	return l
}

// boardChange waits for a change of circle index on h's board that ok
// accepts.
func (s *state) boardChange(h *hunter, index uint32, ok func(listing) bool) error {
	var m pat.NtcCircleListLayerChange
	err := s.expect(h, pat.IDNtcCircleListLayerChange, &m, func() bool {
		return m.Index == index && ok(listingOf(m.Info))
	})
	if err != nil {
		return fmt.Errorf("board of %s: %w", h.name, err)
	}
	return nil
}

func (s *state) seeOnBoard(list, leader string, players, capacity int) error {
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	l, err := s.hunter(leader)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		return s.boardChange(h, i, func(e listing) bool {
			return e.leader == l.id && e.players == uint32(players) && e.capacity == uint32(capacity) && !e.notJoinable
		})
	})
}

func (s *state) seeQuestOnBoard(list, leader string, quest int) error {
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		return s.boardChange(h, i, func(e listing) bool { return e.quest == uint32(quest) })
	})
}

// departed: the party takes no one though it has room.
func departed(e listing, players int) bool {
	return e.notJoinable && e.players == uint32(players) && e.players < e.capacity
}

func (s *state) seeDeparted(list, leader string, players int) error {
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	l, err := s.hunter(leader)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		return s.boardChange(h, i, func(e listing) bool { return e.leader == l.id && departed(e, players) })
	})
}

func (s *state) seeGone(list, leader string) error {
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		if err := s.boardChange(h, i, func(e listing) bool { return e.empty }); err != nil {
			return err
		}
		board, err := h.cl.Board()
		if err != nil {
			return err
		}
		for _, d := range board {
			if listingOf(d).index == i {
				return fmt.Errorf("the board of %s still shows party %d: %v", h.name, i, d.Data)
			}
		}
		return nil
	})
}

// boardEntry reads h's board and returns the entry of circle index.
func boardEntry(h *hunter, index uint32) (listing, error) {
	board, err := h.cl.Board()
	if err != nil {
		return listing{}, fmt.Errorf("board of %s: %w", h.name, err)
	}
	for _, d := range board {
		if e := listingOf(d); e.index == index {
			return e, nil
		}
	}
	return listing{}, fmt.Errorf("the board of %s shows no party %d (%d parties)", h.name, index, len(board))
}

func (s *state) boardDeparted(name, leader string, players int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	e, err := boardEntry(h, i)
	if err != nil {
		return err
	}
	if !departed(e, players) {
		return fmt.Errorf("the board of %s shows %+v, want departed with %d", name, e, players)
	}
	return nil
}

func (s *state) boardFull(name, leader string, players, capacity int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	e, err := boardEntry(h, i)
	if err != nil {
		return err
	}
	if !e.notJoinable || e.players != uint32(players) || e.capacity != uint32(capacity) {
		return fmt.Errorf("the board of %s shows %+v, want full with %d of %d", name, e, players, capacity)
	}
	return nil
}

func (s *state) boardEmpty(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	board, err := h.cl.Board()
	if err != nil {
		return err
	}
	if len(board) != 0 {
		return fmt.Errorf("the board of %s shows %d parties", name, len(board))
	}
	return nil
}

func (s *state) triesToJoinParty(name, leader, password string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	s.settle(h)
	_, err = h.cl.JoinQuest(i, password)
	var alert *gameclient.ErrAlert
	if !errors.As(err, &alert) || alert.ID != pat.IDAnsCircleJoin.Alert() {
		return fmt.Errorf("%s tries to join party %d: %v, want the alert of AnsCircleJoin", name, i, err)
	}
	h.refused = alert
	return nil
}

func (s *state) joinsParty(name, leader, password string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	i, err := s.partyOf(leader)
	if err != nil {
		return err
	}
	slot, err := h.cl.JoinQuest(i, password)
	if err != nil {
		return fmt.Errorf("%s joins party %d: %w", name, i, err)
	}
	h.party, h.slot = i, slot
	return nil
}

func (s *state) toldAlert(name, text string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if h.refused == nil || !strings.Contains(h.refused.Message, text) {
		return fmt.Errorf("%s was told %v, want %q", name, h.refused, text)
	}
	return nil
}

func (s *state) inSlot(name string, slot int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if h.slot != uint8(slot) {
		return fmt.Errorf("%s is in slot %d, want %d", name, h.slot, slot)
	}
	return nil
}

func (s *state) seeJoin(list, who string, slot int) error {
	o, err := s.hunter(who)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleJoin
		return s.expect(h, pat.IDNtcCircleJoin, &m, func() bool {
			return m.Index == o.party && string(m.CapcomID) == o.id && string(m.HunterName) == o.name && m.Slot == uint8(slot)
		})
	})
}

func (s *state) notToldIt(list string) error {
	last := s.world.last
	if last == 0 {
		return errors.New("not told what?")
	}
	return s.noneOf(list, last)
}

func (s *state) toldNoJoin(list string) error {
	return s.noneOf(list, pat.IDNtcCircleJoin)
}

func (s *state) partyList(name, list string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	want, err := s.named(list)
	if err != nil {
		return err
	}
	got, err := h.cl.Party()
	if err != nil {
		return fmt.Errorf("party list of %s: %w", name, err)
	}
	if !sameHunters(got, want) {
		return fmt.Errorf("the party list of %s holds %v, want %s", name, got, list)
	}
	return nil
}

func (s *state) areReady(list string) error {
	return s.each(list, func(h *hunter) error {
		if err := h.cl.Ready(true); err != nil {
			return fmt.Errorf("%s gets ready: %w", h.name, err)
		}
		return nil
	})
}

func (s *state) seeReady(list, who string) error {
	o, err := s.hunter(who)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleMatchOptionSet
		return s.expect(h, pat.IDNtcCircleMatchOptionSet, &m, func() bool {
			d := m.Options
			return d.Num(pat.CircleUserStandby) == 1 && string(d.Bytes(pat.CircleUserCapcomID)) == o.id &&
				string(d.Bytes(pat.CircleUserHunterName)) == o.name && d.Num(pat.CircleUserSlot) == uint64(o.slot)
		})
	})
}

func (s *state) changesQuest(name string, quest int, remarks string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.ChangeQuest(h.party, uint32(quest), 0, remarks); err != nil {
		return fmt.Errorf("%s changes the quest: %w", name, err)
	}
	return nil
}

func (s *state) toldQuest(list string, quest int, remarks string) error {
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleInfoSet
		return s.expect(h, pat.IDNtcCircleInfoSet, &m, func() bool {
			e := listingOf(m.Info)
			return m.Index == h.party && e.quest == uint32(quest) && e.remarks == remarks
		})
	})
}

func (s *state) departs(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.Depart(); err != nil {
		return fmt.Errorf("%s departs: %w", name, err)
	}
	return nil
}

func (s *state) droppedFromParty(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	var m pat.NtcCircleKick
	if err := s.expect(h, pat.IDNtcCircleKick, &m, func() bool { return true }); err != nil {
		return err
	}
	h.party, h.slot = 0, 0
	return nil
}

func (s *state) seeLeaveParty(list, who string, slot int) error {
	o, err := s.hunter(who)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleLeave
		return s.expect(h, pat.IDNtcCircleLeave, &m, func() bool {
			return m.Index == h.party && string(m.CapcomID) == o.id && m.Slot == uint8(slot)
		})
	})
}

// getRoster: each hunter of list gets the quest roster naming exactly
// the hunters of roster, in their slots.
func (s *state) getRoster(list, roster string) error {
	want, err := s.named(roster)
	if err != nil {
		return err
	}
	var ids []string
	for _, w := range want {
		ids = append(ids, fmt.Sprintf("%d:%s", w.slot, w.id))
	}
	slices.Sort(ids)
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleMatchStart
		if err := s.expect(h, pat.IDNtcCircleMatchStart, &m, func() bool { return true }); err != nil {
			return err
		}
		var got []string
		for _, mb := range m.Members {
			got = append(got, fmt.Sprintf("%d:%s", mb.Slot, mb.CapcomID))
		}
		slices.Sort(got)
		if !slices.Equal(got, ids) {
			return fmt.Errorf("%s got the roster %v, want %v", h.name, got, ids)
		}
		return nil
	})
}

func (s *state) noRoster(list string) error {
	return s.noneOf(list, pat.IDNtcCircleMatchStart)
}

func (s *state) endsQuest(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.EndQuest()
}

func (s *state) leavesParty(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	if err := h.cl.LeaveQuest(h.party); err != nil {
		return fmt.Errorf("%s leaves the party: %w", name, err)
	}
	h.party, h.slot = 0, 0
	return nil
}

func (s *state) toldBrokeUp(list string) error {
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleBreak
		if err := s.expect(h, pat.IDNtcCircleBreak, &m, func() bool { return true }); err != nil {
			return err
		}
		h.party, h.slot = 0, 0
		return nil
	})
}

func (s *state) toldLeads(list, who string) error {
	o, err := s.hunter(who)
	if err != nil {
		return err
	}
	if err := s.each(list, func(h *hunter) error {
		var m pat.NtcCircleHost
		return s.expect(h, pat.IDNtcCircleHost, &m, func() bool {
			return string(m.CapcomID) == o.id && string(m.HunterName) == o.name && m.Slot == o.slot
		})
	}); err != nil {
		return err
	}
	s.world.parties[who] = o.party
	return nil
}

func (s *state) asksLeader(name, who string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(who)
	if err != nil {
		return err
	}
	slot, id, err := h.cl.QuestLeader(h.party)
	if err != nil {
		return err
	}
	if id != o.id || slot != o.slot {
		return fmt.Errorf("%s was told %s in slot %d leads, want %s (%s) in slot %d", name, id, slot, who, o.id, o.slot)
	}
	return nil
}

func (s *state) sendsToParty(name, text string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.PartyBinary(h.party, []byte(text))
}

func (s *state) sendsToPartner(name, text, partner string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	p, err := s.hunter(partner)
	if err != nil {
		return err
	}
	return h.cl.PartyBinaryTo(h.party, p.id, []byte(text))
}

func (s *state) getsFromParty(list, text, from string) error {
	o, err := s.hunter(from)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleBinary
		return s.expect(h, pat.IDNtcCircleBinary, &m, func() bool {
			return string(m.CapcomID) == o.id && string(m.Info.Bytes(pat.LayerBinaryCapcomID)) == o.id &&
				string(m.Info.Bytes(pat.LayerBinaryHunterName)) == o.name && string(m.Payload) == text
		})
	})
}

func (s *state) getsFromPartner(name, text, from string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	o, err := s.hunter(from)
	if err != nil {
		return err
	}
	var m pat.NtcCircleBinary2
	return s.expect(h, pat.IDNtcCircleBinary2, &m, func() bool {
		return string(m.CapcomID) == o.id && string(m.Info.Bytes(pat.LayerBinaryCapcomID)) == o.id &&
			string(m.Info.Bytes(pat.LayerBinaryHunterName)) == o.name && string(m.Payload) == text
	})
}

func (s *state) noPartyData(list string) error {
	return s.noneOf(list, pat.IDNtcCircleBinary, pat.IDNtcCircleBinary2)
}

func (s *state) saysToParty(name, text string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.PartyChat(text)
}

func (s *state) hearParty(list, from, text string) error {
	o, err := s.hunter(from)
	if err != nil {
		return err
	}
	return s.each(list, func(h *hunter) error {
		var m pat.NtcCircleChat
		return s.expect(h, pat.IDNtcCircleChat, &m, func() bool {
			return string(m.Info.Bytes(pat.MessageSenderID)) == o.id && string(m.Info.Bytes(pat.MessageSenderName)) == o.name && string(m.Text) == text
		})
	})
}

func (s *state) noPartyChat(list string) error {
	return s.noneOf(list, pat.IDNtcCircleChat)
}
