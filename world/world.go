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
	Name     string `json:"name"`
	Type     int    `json:"type"`
	Capacity int    `json:"capacity,omitempty"` // default: World.ServerCapacity
	Gates    int    `json:"gates,omitempty"`    // default: World.GatesPerServer
}

// World is the whole tree.
type World struct {
	GatesPerServer int      `json:"gates_per_server"`
	CitiesPerGate  int      `json:"cities_per_gate"`
	ServerCapacity int      `json:"server_capacity"`
	GateCapacity   int      `json:"gate_capacity"`
	CityCapacity   int      `json:"city_capacity"`
	GateName       string   `json:"gate_name"`
	CityName       string   `json:"city_name"`
	Servers        []Server `json:"servers"`
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
	for i := range w.Servers {
		s := &w.Servers[i]
		if s.Name == "" || len(s.Name) >= 0x20 {
			return nil, fmt.Errorf("server %d: name must be 1 to 31 bytes", i+1)
		}
		if s.Type < TypeOpen || s.Type > TypeRecruiting {
			return nil, fmt.Errorf("server %q: type %d is not 1..4", s.Name, s.Type)
		}
		if s.Capacity == 0 {
			s.Capacity = w.ServerCapacity
		}
		if s.Gates == 0 {
			s.Gates = w.GatesPerServer
		}
	}
	return &w, nil
}

// Server returns the server with a 1-based index as the game counts.
func (w *World) Server(index int) (Server, bool) {
	if index < 1 || index > len(w.Servers) {
		return Server{}, false
	}
	return w.Servers[index-1], true
}
