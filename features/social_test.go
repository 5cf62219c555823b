package features

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/cucumber/godog"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// Tells, friends, the blacklist and the player search (social.feature),
// between hunters on different servers and edges.

func (s *state) socialSteps(sc *godog.ScenarioContext) {
	sc.Step(`^"([^"]*)" tells "([^"]*)" "([^"]*)"$`, s.tells)
	sc.Step(`^"([^"]*)" gets the tell "([^"]*)" from "([^"]*)"$`, s.getsTell)
	sc.Step(`^"([^"]*)" gets no other tell$`, s.noOtherTell)
	sc.Step(`^"([^"]*)" goes offline$`, s.goesOffline)
	sc.Step(`^"([^"]*)" sees "([^"]*)" offline$`, s.seesOffline)
	sc.Step(`^hunter "([^"]*)" comes back on server (\d+) through edge (\d+)$`, s.comesBack)
	sc.Step(`^"([^"]*)" asks "([^"]*)" to be friends saying "([^"]*)"$`, s.asksFriend)
	sc.Step(`^"([^"]*)" gets the friend request of "([^"]*)" saying "([^"]*)"$`, s.getsFriendRequest)
	sc.Step(`^"([^"]*)" gets no friend request$`, s.noFriendRequest)
	sc.Step(`^"([^"]*)" accepts the friend request of "([^"]*)"$`, s.acceptsFriend)
	sc.Step(`^"([^"]*)" and "([^"]*)" are told they are friends$`, s.toldFriends)
	sc.Step(`^the friend list of "([^"]*)" shows "([^"]*)" (online|offline)$`, s.friendListShows)
	sc.Step(`^"([^"]*)" blacklists "([^"]*)"$`, s.blacklists)
	sc.Step(`^"([^"]*)" takes "([^"]*)" off the blacklist$`, s.unblacklists)
	sc.Step(`^"([^"]*)" searching for "([^"]*)" finds (.+) where (?:they stand|she stands|he stands)$`, s.searchByName)
	sc.Step(`^"([^"]*)" searching for the Capcom ID of "([^"]*)" finds (.+) where (?:they stand|she stands|he stands)$`, s.searchByID)
	sc.Step(`^"([^"]*)" searching for the Capcom ID of "([^"]*)" finds nobody$`, s.searchFindsNobody)
}

// pair returns two hunters.
func (s *state) pair(a, b string) (*hunter, *hunter, error) {
	x, err := s.hunter(a)
	if err != nil {
		return nil, nil, err
	}
	y, err := s.hunter(b)
	return x, y, err
}

// poll retries fn until it holds, for views that follow the log and the
// presence bucket, or 5 s passed.
func poll(fn func() error) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *state) tells(from, to, text string) error {
	h, o, err := s.pair(from, to)
	if err != nil {
		return err
	}
	if err := h.cl.Tell(o.id, text); err != nil {
		return fmt.Errorf("%s tells %s: %w", from, to, err)
	}
	return nil
}

func (s *state) getsTell(name, text, from string) error {
	h, o, err := s.pair(name, from)
	if err != nil {
		return err
	}
	var m pat.NtcTell
	return s.expect(h, pat.IDNtcTell, &m, func() bool {
		return string(m.CapcomID) == h.id && string(m.Info.Bytes(pat.MessageSenderID)) == o.id &&
			string(m.Info.Bytes(pat.MessageSenderName)) == o.name && string(m.Text) == text
	})
}

func (s *state) noOtherTell(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.none(pat.IDNtcTell)
}

func (s *state) goesOffline(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.cl.Close()
}

// offline: the friend list's UserSearchInfo of id is MH3SP's OFFLINE
// alert, carrying the id.
func offline(h *hunter, id string) error {
	return poll(func() error {
		info, online, err := h.cl.SearchInfo(id)
		if err != nil {
			return err
		}
		if online {
			return fmt.Errorf("%s still sees %s online", h.name, id)
		}
		if string(info.Data.Bytes(pat.SearchCapcomID)) != id || string(info.Data.Bytes(pat.SearchHunterName)) != "OFFLINE" {
			return fmt.Errorf("%s was told %v of %s, want OFFLINE", h.name, info.Data, id)
		}
		return nil
	})
}

func (s *state) seesOffline(name, other string) error {
	h, o, err := s.pair(name, other)
	if err != nil {
		return err
	}
	return offline(h, o.id)
}

// comesBack logs the hunter's console in again through edge n and plays
// the arrival on server; it must be the same hunter.
func (s *state) comesBack(name string, server, n int) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	e, err := s.world.c.edge(n)
	if err != nil {
		return err
	}
	h.cl.Close()
	cl, id, err := gameclient.LoginFromLMP(e.addr(e.lmp), e.addr(e.fmp), h.con, name, server)
	if err != nil {
		return fmt.Errorf("%s logs in again through edge %d: %w", name, n, err)
	}
	h.cl, h.kept, h.refused = cl, nil, nil
	if id != h.id {
		return fmt.Errorf("%s came back as %s, was %s", name, id, h.id)
	}
	if _, _, err := cl.Arrive(50); err != nil {
		return fmt.Errorf("%s arrives again: %w", name, err)
	}
	h.edge, h.server, h.gate, h.city, h.party, h.slot = n, server, 0, 0, 0, 0
	return nil
}

func (s *state) asksFriend(from, to, text string) error {
	h, o, err := s.pair(from, to)
	if err != nil {
		return err
	}
	if err := h.cl.FriendAdd(o.id, text); err != nil {
		return fmt.Errorf("%s asks %s to be friends: %w", from, to, err)
	}
	return nil
}

func (s *state) getsFriendRequest(name, from, text string) error {
	h, o, err := s.pair(name, from)
	if err != nil {
		return err
	}
	var m pat.NtcFriendAccept
	return s.expect(h, pat.IDNtcFriendAccept, &m, func() bool {
		return string(m.CapcomID) == h.id && string(m.Info.Bytes(pat.MessageSenderID)) == o.id &&
			string(m.Info.Bytes(pat.MessageSenderName)) == o.name && string(m.Text) == text
	})
}

func (s *state) noFriendRequest(name string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	return h.none(pat.IDNtcFriendAccept)
}

func (s *state) acceptsFriend(name, from string) error {
	h, o, err := s.pair(name, from)
	if err != nil {
		return err
	}
	if err := h.cl.FriendAccept(o.id, true); err != nil {
		return fmt.Errorf("%s accepts %s: %w", name, from, err)
	}
	return nil
}

// toldFriends: each gets NtcFriendAdd with its own id and the other as
// the new friend.
func (s *state) toldFriends(a, b string) error {
	x, y, err := s.pair(a, b)
	if err != nil {
		return err
	}
	for _, p := range [][2]*hunter{{x, y}, {y, x}} {
		var m pat.NtcFriendAdd
		if err := s.expect(p[0], pat.IDNtcFriendAdd, &m, func() bool {
			return string(m.CapcomID) == p[0].id && string(m.Friend.Bytes(pat.FriendCapcomID)) == p[1].id &&
				string(m.Friend.Bytes(pat.FriendHunterName)) == p[1].name
		}); err != nil {
			return err
		}
	}
	return nil
}

// where is the layer path a hunter stands at, as searches show it.
func (h *hunter) where() []byte {
	return pat.LayerPath{Server: uint32(h.server), Gate: uint16(h.gate), City: uint16(h.city)}.Bytes()
}

// friendListShows: the friend is on the list, and the UserSearchInfo the
// game asks for each friend says where it stands, or OFFLINE.
func (s *state) friendListShows(name, friend, status string) error {
	h, o, err := s.pair(name, friend)
	if err != nil {
		return err
	}
	fs, err := h.cl.Friends()
	if err != nil {
		return fmt.Errorf("friend list of %s: %w", name, err)
	}
	if !slices.ContainsFunc(fs, func(f gameclient.Friend) bool { return f.CapcomID == o.id && f.Name == o.name }) {
		return fmt.Errorf("the friend list of %s holds %v, no %s (%s)", name, fs, friend, o.id)
	}
	if status == "offline" {
		return offline(h, o.id)
	}
	return poll(func() error {
		info, online, err := h.cl.SearchInfo(o.id)
		if err != nil {
			return err
		}
		d := info.Data
		if !online || string(d.Bytes(pat.SearchHunterName)) != o.name || !bytes.Equal(d.Bytes(pat.SearchHost), o.where()) ||
			len(d.Bytes(pat.SearchLocation)) == 0 {
			return fmt.Errorf("%s sees %s: online %v, %v; want online at %x", name, friend, online, d, o.where())
		}
		return nil
	})
}

func (s *state) blacklists(name, other string) error {
	h, o, err := s.pair(name, other)
	if err != nil {
		return err
	}
	if err := h.cl.BlackAdd(o.id, o.name); err != nil {
		return err
	}
	list, err := h.cl.BlackList()
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].CapcomID != o.id {
		return fmt.Errorf("the blacklist of %s holds %v", name, list)
	}
	return nil
}

func (s *state) unblacklists(name, other string) error {
	h, o, err := s.pair(name, other)
	if err != nil {
		return err
	}
	return h.cl.BlackDelete(o.id)
}

// found checks a search's result against the hunters of list, each
// where it stands.
func (s *state) found(name, id, text, list string) error {
	h, err := s.hunter(name)
	if err != nil {
		return err
	}
	want, err := s.named(list)
	if err != nil {
		return err
	}
	return poll(func() error {
		users, err := h.cl.SearchUsers(id, text)
		if err != nil {
			return err
		}
		var got []string
		for _, u := range users {
			got = append(got, string(u.Data.Bytes(pat.SearchCapcomID)))
		}
		if !sameHunters(got, want) {
			return fmt.Errorf("%s found %v, want %s", name, got, list)
		}
		for _, u := range users {
			for _, w := range want {
				if string(u.Data.Bytes(pat.SearchCapcomID)) == w.id &&
					(string(u.Data.Bytes(pat.SearchHunterName)) != w.name || !bytes.Equal(u.Data.Bytes(pat.SearchHost), w.where())) {
					return fmt.Errorf("%s found %s as %v, want at %x", name, w.name, u.Data, w.where())
				}
			}
		}
		return nil
	})
}

func (s *state) searchByName(name, text, list string) error {
	return s.found(name, "", text, list)
}

func (s *state) searchByID(name, other, list string) error {
	o, err := s.hunter(other)
	if err != nil {
		return err
	}
	return s.found(name, o.id, "", list)
}

func (s *state) searchFindsNobody(name, other string) error {
	h, o, err := s.pair(name, other)
	if err != nil {
		return err
	}
	// Searches read every handler's copy of who is online, which follows
	// the presence bucket.
	return poll(func() error {
		users, err := h.cl.SearchUsers(o.id, "")
		if err != nil {
			return err
		}
		if len(users) != 0 {
			return fmt.Errorf("%s found %d hunters by the id of %s", name, len(users), other)
		}
		return nil
	})
}
