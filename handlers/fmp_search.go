package handlers

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// Searches inside a server, over the world view (hunters on every edge).
// The head request states the search and answers the count; the data
// request after it (on any handler) recomputes from the query kept in the
// session.

// ReqLayerUserSearchHead: hunters at a gate and in its cities ("Player
// Search > Gate Search"), optionally by Capcom ID or name (substring;
// MH3SP lists everyone there).
func (s *Service) ReqLayerUserSearchHead(c *Call, m *pat.ReqLayerUserSearchHead) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	lp, err := m.Path()
	if err != nil {
		return fmt.Errorf("%w: %w", errBadPacket, err)
	}
	p := pathOf(lp)
	if p.Depth() < 2 || !s.live().Valid(p) {
		return fmt.Errorf("%w: no gate %v", errBadPacket, p)
	}
	q := &Query{Kind: queryLayerSearch, Path: p, First: m.Offset, Count: m.Limit, CapcomID: string(m.CapcomID), Name: m.HunterName}
	sess.Query = q
	c.Changed()
	return c.Answer(&pat.AnsLayerUserSearchHead{Count: uint32(len(s.layerSearch(q)))})
}

// layerSearch runs a gate search. The hunters come in MH3SP's order: those
// standing at the gate first, then each city's members, cities in order
// and members in slot order. Searched with a city's path, MH3SP lists the
// gate's own hunters and that city's only; so does this.
func (s *Service) layerSearch(q *Query) []huntersAt {
	gate, only := q.Path, 0
	if gate.Depth() == 3 {
		gate, only = gate.Parent(), gate.City
	}
	var all []huntersAt
	for _, h := range s.view.At(gate) {
		all = append(all, huntersAt{CapcomID: h.CapcomID, At: h.At, Name: h.Name})
	}
	cities := s.view.Cities(gate.Server, gate.Gate)
	for n := 1; n <= s.live().Children(gate); n++ {
		if only != 0 && n != only {
			continue
		}
		for _, mb := range cities[n].Members {
			if mb.CapcomID != "" {
				all = append(all, huntersAt{CapcomID: mb.CapcomID, At: gate.Child(n), Name: mb.Name})
			}
		}
	}
	var out []huntersAt
	for _, h := range all {
		if q.CapcomID != "" && !strings.Contains(h.CapcomID, q.CapcomID) {
			continue
		}
		if len(q.Name) > 0 && !bytes.Contains(bytes.ToLower(h.Name), bytes.ToLower(q.Name)) {
			continue
		}
		out = append(out, h)
	}
	return window(out, q.First, q.Count)
}

func (s *Service) ReqLayerUserSearchData(c *Call, m *pat.ReqLayerUserSearchData) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	var found []huntersAt
	if q := sess.Query; q != nil && q.Kind == queryLayerSearch {
		found = s.layerSearch(q)
	}
	return c.Answer(&pat.AnsLayerUserSearchData{Users: s.userEntries(found)})
}

func (s *Service) ReqLayerUserSearchFoot(c *Call, m *pat.ReqLayerUserSearchFoot) error {
	return c.Answer(&pat.AnsLayerUserSearchFoot{})
}

// ReqLayerDetailSearchHead: cities by their options (HR limit, goal,
// seeking) on servers of the searcher's type. Unlike MH3SP, empty cities
// are not found.
func (s *Service) ReqLayerDetailSearchHead(c *Call, m *pat.ReqLayerDetailSearchHead) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	q := &Query{Kind: queryCitySearch, First: m.Offset, Count: m.Limit}
	for _, f := range m.Search.Fields {
		q.Search = append(q.Search, events.OptField{ID: f.ID, Has: f.Has, Value: f.Value})
	}
	q.Path = world.Path{Server: sess.FmpServer}
	sess.Query = q
	c.Changed()
	return c.Answer(&pat.AnsLayerDetailSearchHead{Count: uint32(len(s.citySearch(q)))})
}

// cityFound is a city a detail search found.
type cityFound struct {
	Path world.Path
	City world.City
}

func (s *Service) citySearch(q *Query) []cityFound {
	srv, ok := s.live().Server(q.Path.Server)
	if !ok {
		return nil
	}
	var out []cityFound
	s.view.AllCities(func(p world.Path, city world.City) {
		other, ok := s.live().Server(p.Server)
		if !ok || other.Type != srv.Type || city.Population() == 0 {
			return
		}
		for _, want := range q.Search {
			if !hasOpt(city.Opt, want) {
				return
			}
		}
		out = append(out, cityFound{p, city})
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Path, out[j].Path
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		if a.Gate != b.Gate {
			return a.Gate < b.Gate
		}
		return a.City < b.City
	})
	return window(out, q.First, q.Count)
}

// hasOpt reports whether a city's options hold a searched (id, value).
func hasOpt(opt []events.OptField, want events.OptField) bool {
	for _, o := range opt {
		if o.ID == want.ID && o.Has == want.Has && (!o.Has || o.Value == want.Value) {
			return true
		}
	}
	return false
}

// ReqLayerDetailSearchData: each city found with its members. As on
// MH3SP the entry's index is its place in the result (from 0) and its
// host path says where it is.
func (s *Service) ReqLayerDetailSearchData(c *Call, m *pat.ReqLayerDetailSearchData) error {
	sess, err := c.me()
	if err != nil {
		return err
	}
	ans := &pat.AnsLayerDetailSearchData{}
	if q := sess.Query; q != nil && q.Kind == queryCitySearch {
		now := s.cfg.Now()
		for i, f := range s.citySearch(q) {
			entry := s.cityEntry(f.Path, f.City, now)
			entry.Data.SetLong(pat.LayerIndex, uint32(i)).SetWord(pat.LayerNumber, uint16(i))
			match := pat.CityMatch{Layer: entry}
			for _, mb := range f.City.Members {
				if mb.CapcomID == "" {
					continue
				}
				var d pat.Data
				d.SetString(pat.LayerUserCapcomID, []byte(mb.CapcomID)).SetString(pat.LayerUserHunterName, mb.Name)
				match.Users = append(match.Users, pat.DataOpt{Data: d, Opt: pat.UserOpt(s.settingsOf(mb.CapcomID), f.City.HunterInQuest(mb.CapcomID))})
			}
			ans.Cities = append(ans.Cities, match)
		}
	}
	return c.Answer(ans)
}

func (s *Service) ReqLayerDetailSearchFoot(c *Call, m *pat.ReqLayerDetailSearchFoot) error {
	return c.Answer(&pat.AnsLayerDetailSearchFoot{})
}
