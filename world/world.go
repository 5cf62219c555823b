// Package world describes the game world a server offers: its servers
// (what the game lists as "servers"), their types, gates, cities and
// capacities. It is data, read from a JSON file; MH3SP's world is embedded
// as the default.
package world

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

//go:embed default.json
var defaultJSON []byte

// Server types as the game numbers them (binary 0x01 describes them).
const (
	TypeOpen       = 1
	TypeRookie     = 2
	TypeExpert     = 3
	TypeRecruiting = 4
)

// Server is one entry of the game's server list.
type Server struct {
	// Index is the server's number as the game counts it (1-based): the
	// FmpIndex of the list, the index of FmpInfo, the first part of every
	// layer path. Default: the position in the file. An external FMP
	// server's world file names its servers' indices explicitly, after
	// the central world's (docs/SCALING.md).
	Index    int    `json:"index,omitempty"`
	Name     string `json:"name"`
	Type     int    `json:"type"`
	Capacity int    `json:"capacity,omitempty"` // default: World.ServerCapacity
	Gates    int    `json:"gates,omitempty"`    // default: World.GatesPerServer
}

// World is the whole tree.
type World struct {
	GatesPerServer int    `json:"gates_per_server"`
	CitiesPerGate  int    `json:"cities_per_gate"`
	ServerCapacity int    `json:"server_capacity"`
	GateCapacity   int    `json:"gate_capacity"`
	CityCapacity   int    `json:"city_capacity"`
	GateName       string `json:"gate_name"` // a format with one %d
	CityName       string `json:"city_name"`
	// Types gives each server type's Hunter Rank bounds: binary 0x01
	// tells the game, and the server refuses a hunter outside them.
	Types   map[int]TypeBounds `json:"types,omitempty"`
	Servers []Server           `json:"servers"`
}

// TypeBounds are the Hunter Ranks a server type admits.
type TypeBounds struct {
	HRMin int `json:"hr_min"`
	HRMax int `json:"hr_max"`
}

// defaultTypes are MH3SP's: Open and Recruiting for all, Rookie up to HR
// 30, Expert from HR 31.
var defaultTypes = map[int]TypeBounds{
	TypeOpen:       {0, 999},
	TypeRookie:     {0, 30},
	TypeExpert:     {31, 999},
	TypeRecruiting: {0, 999},
}

// Bounds returns a server type's Hunter Rank bounds.
func (w *World) Bounds(serverType int) TypeBounds {
	if b, ok := w.Types[serverType]; ok {
		return b
	}
	return defaultTypes[serverType]
}

// Admits reports whether a hunter of rank hr may enter server index.
func (w *World) Admits(index, hr int) bool {
	srv, ok := w.Server(index)
	if !ok {
		return false
	}
	b := w.Bounds(srv.Type)
	return hr >= b.HRMin && hr <= b.HRMax
}

// Default is MH3SP's world.
func Default() *World {
	w, err := Parse(defaultJSON)
	if err != nil {
		panic("world: embedded default: " + err.Error())
	}
	return w
}

// Load reads a world file.
func Load(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	w, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("world %s: %w", path, err)
	}
	return w, nil
}

// Parse decodes and checks a world description.
func Parse(b []byte) (*World, error) {
	var w World
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if len(w.Servers) == 0 {
		return nil, fmt.Errorf("no servers")
	}
	if w.GatesPerServer <= 0 || w.CitiesPerGate <= 0 || w.ServerCapacity <= 0 || w.GateCapacity <= 0 || w.CityCapacity <= 0 {
		return nil, fmt.Errorf("counts and capacities must be positive")
	}
	if strings.Count(w.GateName, "%d") != 1 || strings.Count(w.CityName, "%d") != 1 || strings.Count(w.GateName, "%") != 1 || strings.Count(w.CityName, "%") != 1 {
		return nil, fmt.Errorf("gate_name and city_name must each hold one %%d")
	}
	for t, b := range w.Types {
		if t < TypeOpen || t > TypeRecruiting || b.HRMin < 0 || b.HRMax > 999 || b.HRMin > b.HRMax {
			return nil, fmt.Errorf("types: %d: bounds %d..%d (types 1..4, ranks 0..999)", t, b.HRMin, b.HRMax)
		}
	}
	seen := map[int]bool{}
	for i := range w.Servers {
		s := &w.Servers[i]
		if s.Index == 0 {
			s.Index = i + 1
		}
		if s.Index < 1 || s.Index > MaxServerIndex || seen[s.Index] {
			return nil, fmt.Errorf("server %d: index %d is taken or not within 1..%d", i+1, s.Index, MaxServerIndex)
		}
		seen[s.Index] = true
		if s.Capacity == 0 {
			s.Capacity = w.ServerCapacity
		}
		if s.Gates == 0 {
			s.Gates = w.GatesPerServer
		}
		if err := s.Check(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(w.Servers, func(i, j int) bool { return w.Servers[i].Index < w.Servers[j].Index })
	return &w, nil
}

// MaxServerIndex bounds server indices: they become parts of subjects,
// stream names and keys, and the game lists a few dozen servers at most.
const MaxServerIndex = 999

// Check validates a server registered by an external FMP edge (from its
// own world file) as Parse validates the servers of a file.
func (s Server) Check() error {
	switch {
	case s.Index < 1 || s.Index > MaxServerIndex:
		return fmt.Errorf("server %q: index %d is not within 1..%d", s.Name, s.Index, MaxServerIndex)
	case s.Name == "" || len(s.Name) >= 0x20:
		return fmt.Errorf("server %d: name must be 1 to 31 bytes", s.Index)
	case s.Type < TypeOpen || s.Type > TypeRecruiting:
		return fmt.Errorf("server %q: type %d is not 1..4", s.Name, s.Type)
	case s.Capacity < 1 || s.Capacity > 65535 || s.Gates < 1 || s.Gates > 255:
		return fmt.Errorf("server %q: capacity %d or gates %d out of range", s.Name, s.Capacity, s.Gates)
	}
	return nil
}

// With is w with extra servers added (those registered by external FMP
// edges), in index order. A server whose index w already has, or an
// earlier extra took, is left out and returned in dropped.
func (w *World) With(extra []Server) (merged *World, dropped []Server) {
	if len(extra) == 0 {
		return w, nil
	}
	out := *w
	out.Servers = append([]Server(nil), w.Servers...)
	taken := map[int]bool{}
	for _, s := range w.Servers {
		taken[s.Index] = true
	}
	for _, s := range extra {
		if taken[s.Index] || s.Check() != nil {
			dropped = append(dropped, s)
			continue
		}
		taken[s.Index] = true
		out.Servers = append(out.Servers, s)
	}
	sort.SliceStable(out.Servers, func(i, j int) bool { return out.Servers[i].Index < out.Servers[j].Index })
	return &out, dropped
}

// Server returns the server with a 1-based index as the game counts.
func (w *World) Server(index int) (Server, bool) {
	for _, s := range w.Servers {
		if s.Index == index {
			return s, true
		}
	}
	return Server{}, false
}

// BinaryBounds are the four server types' Hunter Rank bounds in the form
// binary 0x01 carries them.
func (w *World) BinaryBounds() [4][2]uint16 {
	var out [4][2]uint16
	for t := TypeOpen; t <= TypeRecruiting; t++ {
		b := w.Bounds(t)
		out[t-1] = [2]uint16{uint16(b.HRMin), uint16(b.HRMax)}
	}
	return out
}
