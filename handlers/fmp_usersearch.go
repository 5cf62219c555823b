package handlers

import (
	"bytes"
	"sort"
	"strings"

	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// The player search over the whole deployment ("Player Search > By Name /
// By Id"), and one player's details (the friend list asks them for each
// friend to show who is online and where). Online means in the FMP world
// on the connection the hunter's presence names (see reachable), on any
// server and behind any edge.

// ReqUserSearchHead: hunters whose Capcom ID contains the one given and
// whose name contains the one given (case-insensitively), as MH3SP
// matches; the query is kept in the session for the data request.
func (s *Service) ReqUserSearchHead(c *Call, m *pat.ReqUserSearchHead) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	q := &Query{Kind: queryUserSearch, First: m.Offset, Count: m.Limit, CapcomID: string(m.CapcomID), Name: m.HunterName}
	sess.Query = q
	c.Changed()
	return c.Answer(&pat.AnsUserSearchHead{Count: uint32(len(s.userSearch(q)))})
}

// found is a hunter a search found.
type found struct {
	CapcomID string
	Hunter   world.Hunter
	Name     []byte
}

// userSearch runs a player search over the online hunters (presences and
// the world view), by Capcom ID. An empty query finds nobody (MH3SP
// refuses it).
func (s *Service) userSearch(q *Query) []found {
	if q.CapcomID == "" && len(q.Name) == 0 {
		return nil
	}
	id := strings.ToUpper(q.CapcomID)
	name := bytes.ToLower(q.Name)
	pres, _ := s.presence.snapshot()
	var out []found
	for key, p := range pres {
		if !ids.ValidCapcomID(key) || !strings.Contains(key, id) {
			continue
		}
		h := s.view.Hunter(key)
		if !reachable(p, true, h) {
			continue
		}
		n := h.Name
		if len(n) == 0 {
			n = p.Name
		}
		if len(name) > 0 && !bytes.Contains(bytes.ToLower(n), name) {
			continue
		}
		out = append(out, found{CapcomID: key, Hunter: h, Name: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CapcomID < out[j].CapcomID })
	return window(out, q.First, q.Count)
}

// ReqUserSearchData: the hunters found, UserSearchInfo {id, name, display
// binary, where} and the player options each (MH3SP's fields).
func (s *Service) ReqUserSearchData(c *Call, m *pat.ReqUserSearchData) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	ans := &pat.AnsUserSearchData{}
	if q := sess.Query; q != nil && q.Kind == queryUserSearch {
		for _, f := range s.userSearch(q) {
			settings := s.settingsOf(f.CapcomID)
			var d pat.Data
			d.SetString(pat.SearchCapcomID, []byte(f.CapcomID)).
				SetString(pat.SearchHunterName, f.Name).
				SetBinary(pat.SearchStats, settings).
				SetBinary(pat.SearchHost, layerPath(f.Hunter.At).Bytes())
			ans.Users = append(ans.Users, pat.DataOpt{Data: d, Opt: pat.UserOpt(settings, false)})
		}
	}
	return c.Answer(ans)
}

func (s *Service) ReqUserSearchFoot(c *Call, m *pat.ReqUserSearchFoot) error {
	return c.Answer(&pat.AnsUserSearchFoot{})
}

// ReqUserSearchInfo: one hunter's details. Online: UserSearchInfo with
// MH3SP's fields, values and order, except that the city's capacity and
// size (0x0D, 0x0E; MH3SP always says 4 and 3) are the real ones of the
// city the hunter stands in (outside a city: the world's city capacity
// and 0), and the identity pair is mh3net's stable one. Offline (or an id
// nobody has): MH3SP's alert carrying {id, "OFFLINE"}, by which the
// friend list greys the friend out.
func (s *Service) ReqUserSearchInfo(c *Call, m *pat.ReqUserSearchInfo) error {
	if _, err := c.me(); err != nil {
		return err
	}
	id, err := ids.CapcomID(m.CapcomID)
	if err != nil {
		return c.Answer(pat.UserSearchInfoOffline(m.CapcomID))
	}
	_, h, ok, err := c.reach(id)
	if err != nil {
		return err
	}
	if !ok {
		return c.Answer(pat.UserSearchInfoOffline(m.CapcomID))
	}
	capacity, size := s.live().CityCapacity, 0
	if h.At.Depth() == 3 {
		city, err := c.city(h.At)
		if err != nil {
			return err
		}
		capacity, size = len(city.Members), city.Population()
	}
	a, b := identity(id)
	var d pat.Data
	d.SetString(pat.SearchCapcomID, []byte(id)).
		SetString(pat.SearchHunterName, s.nameOf(id, h.Name)).
		SetBinary(pat.SearchStats, s.settingsOf(id)).
		SetBinary(pat.SearchHost, layerPath(h.At).Bytes()).
		SetByte(pat.SearchUnknown07, 1).
		SetString(pat.SearchLocation, []byte(s.location(h.At))).
		SetByte(pat.SearchUnknown0B, 1).
		SetString(pat.SearchUnknown0C, []byte("StrC")).
		SetLong(pat.SearchCityCapacity, uint32(capacity)).
		SetLong(pat.SearchCitySize, uint32(size)).
		SetLong(pat.SearchMine0F, a).
		SetLong(pat.SearchMine10, b)
	return c.Answer(&pat.AnsUserSearchInfo{Info: pat.DataOpt{Data: d}})
}

// location is "server\tgate\tcity" with the names of where p is, always
// three parts, the missing ones empty (as MH3SP writes it).
func (s *Service) location(p world.Path) string {
	var parts [3]string
	if p.Depth() >= 1 {
		parts[0] = s.live().Name(world.Path{Server: p.Server})
	}
	if p.Depth() >= 2 {
		parts[1] = s.live().Name(world.Path{Server: p.Server, Gate: p.Gate})
	}
	if p.Depth() == 3 {
		parts[2] = s.live().Name(p)
	}
	return strings.Join(parts[:], "\t")
}
