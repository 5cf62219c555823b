package world

import "fmt"

// Path names a layer of the world: a server, a gate of it, or a city of
// that gate (1-based; 0 for none). The zero Path is outside the world.
type Path struct {
	Server, Gate, City int
}

// Depth is 1 for a server, 2 for a gate, 3 for a city, 0 for none.
func (p Path) Depth() int {
	switch {
	case p.City > 0:
		return 3
	case p.Gate > 0:
		return 2
	case p.Server > 0:
		return 1
	}
	return 0
}

// IsZero reports whether p is outside the world.
func (p Path) IsZero() bool { return p == Path{} }

// Parent is the layer one up (a city's gate, a gate's server).
func (p Path) Parent() Path {
	switch p.Depth() {
	case 3:
		return Path{Server: p.Server, Gate: p.Gate}
	case 2:
		return Path{Server: p.Server}
	}
	return Path{}
}

// Child is child n (1-based) of p.
func (p Path) Child(n int) Path {
	switch p.Depth() {
	case 1:
		return Path{Server: p.Server, Gate: n}
	case 2:
		return Path{Server: p.Server, Gate: p.Gate, City: n}
	}
	return Path{}
}

// Room is the layer's room name on the bus ("s3", "s3.g12", "s3.g12.c7").
func (p Path) Room() string {
	switch p.Depth() {
	case 3:
		return fmt.Sprintf("s%d.g%d.c%d", p.Server, p.Gate, p.City)
	case 2:
		return fmt.Sprintf("s%d.g%d", p.Server, p.Gate)
	case 1:
		return fmt.Sprintf("s%d", p.Server)
	}
	return ""
}

func (p Path) String() string { return fmt.Sprintf("%d/%d/%d", p.Server, p.Gate, p.City) }

// Valid reports whether p names a layer of w (or is zero).
func (w *World) Valid(p Path) bool {
	if p.IsZero() {
		return true
	}
	srv, ok := w.Server(p.Server)
	if !ok || p.Gate < 0 || p.Gate > srv.Gates || p.City < 0 || p.City > w.CitiesPerGate {
		return false
	}
	return p.City == 0 || p.Gate > 0
}

// Children is how many children a layer has (gates of a server, cities
// of a gate).
func (w *World) Children(p Path) int {
	switch p.Depth() {
	case 1:
		srv, _ := w.Server(p.Server)
		return srv.Gates
	case 2:
		return w.CitiesPerGate
	}
	return 0
}

// Capacity is how many hunters a layer holds.
func (w *World) Capacity(p Path) int {
	switch p.Depth() {
	case 1:
		srv, _ := w.Server(p.Server)
		return srv.Capacity
	case 2:
		return w.GateCapacity
	case 3:
		return w.CityCapacity
	}
	return 0
}

// Name is a layer's name as the game shows it ("Valor1", "City Gate3",
// "City7").
func (w *World) Name(p Path) string {
	switch p.Depth() {
	case 1:
		srv, _ := w.Server(p.Server)
		return srv.Name
	case 2:
		return fmt.Sprintf(w.GateName, p.Gate)
	case 3:
		return fmt.Sprintf(w.CityName, p.City)
	}
	return ""
}

// Pathname is "server\tgate\tcity" with the names of p's layers.
func (w *World) Pathname(p Path) string {
	s := w.Name(Path{Server: p.Server})
	if p.Gate > 0 {
		s += "\t" + w.Name(Path{Server: p.Server, Gate: p.Gate})
	}
	if p.City > 0 {
		s += "\t" + w.Name(p)
	}
	return s
}
