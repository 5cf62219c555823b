package events

import (
	"fmt"
	"time"
)

// Streams of the hunting world. A city owns its slots, its host and its
// reservation; a hunter owns where it stands.

// CityStream is the stream of one city (server, gate and city 1-based).
func CityStream(server, gate, city int) string {
	return fmt.Sprintf("city.%d.%d.%d", server, gate, city)
}

// HunterStream is the stream of one hunter (Capcom ID).
func HunterStream(capcomID string) string { return "hunter." + capcomID }

// OptField is one optional field (a city's HR limit, goal, seeking...).
type OptField struct {
	ID    uint8  `json:"id"`
	Has   bool   `json:"has"`
	Value uint32 `json:"value,omitempty"`
}

// CityReserved: a hunter reserved an empty city to create it
// (LayerCreateHead); the reservation holds until Until.
type CityReserved struct {
	By    string    `json:"by"`
	Until time.Time `json:"until"`
}

func (CityReserved) EventType() string  { return "CityReserved" }
func (CityReserved) SchemaVersion() int { return 1 }

// CityReservationEnded: the creator finished (LayerCreateFoot) or gave up.
type CityReservationEnded struct {
	By string `json:"by"`
}

func (CityReservationEnded) EventType() string  { return "CityReservationEnded" }
func (CityReservationEnded) SchemaVersion() int { return 1 }

// CityCreated: the city got its settings and its first host
// (LayerCreateSet).
type CityCreated struct {
	Leader   string     `json:"leader"`
	Opt      []OptField `json:"opt,omitempty"`
	Settings []byte     `json:"settings,omitempty"` // the LayerSet as sent
}

func (CityCreated) EventType() string  { return "CityCreated" }
func (CityCreated) SchemaVersion() int { return 1 }

// CityJoined: a hunter took slot Slot (1-based) of the city.
type CityJoined struct {
	CapcomID string `json:"capcom_id"`
	Name     []byte `json:"name"`
	Slot     int    `json:"slot"`
	Conn     string `json:"conn"`
	Edge     string `json:"edge"`
}

func (CityJoined) EventType() string  { return "CityJoined" }
func (CityJoined) SchemaVersion() int { return 1 }

// CityLeft: a hunter left the city (went up, ended, disconnected, swept).
type CityLeft struct {
	CapcomID string `json:"capcom_id"`
	Reason   string `json:"reason"`
}

func (CityLeft) EventType() string  { return "CityLeft" }
func (CityLeft) SchemaVersion() int { return 1 }

// CityHostChanged: another member hosts the city (the host left).
type CityHostChanged struct {
	CapcomID string `json:"capcom_id"`
}

func (CityHostChanged) EventType() string  { return "CityHostChanged" }
func (CityHostChanged) SchemaVersion() int { return 1 }

// CityReset: the last hunter left; the city is empty and free again.
type CityReset struct{}

func (CityReset) EventType() string  { return "CityReset" }
func (CityReset) SchemaVersion() int { return 1 }

// HunterLocated: where a hunter stands now: a server (standing at its gate
// list), a gate or a city; all zero when it left the world. Conn and Edge
// name the connection (so a dead edge's hunters can be swept).
type HunterLocated struct {
	Server int    `json:"server,omitempty"`
	Gate   int    `json:"gate,omitempty"`
	City   int    `json:"city,omitempty"`
	Conn   string `json:"conn,omitempty"`
	Edge   string `json:"edge,omitempty"`
	Name   []byte `json:"name,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Req is the request id of the packet that moved the hunter, so that
	// a retry of it finds its move made (handlers: Mh3-Req).
	Req string `json:"req,omitempty"`
}

func (HunterLocated) EventType() string  { return "HunterLocated" }
func (HunterLocated) SchemaVersion() int { return 1 }

func init() {
	Register(CityReserved{})
	Register(CityReservationEnded{})
	Register(CityCreated{})
	Register(CityJoined{})
	Register(CityLeft{})
	Register(CityHostChanged{})
	Register(CityReset{})
	Register(HunterLocated{})
}
