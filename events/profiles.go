package events

// Streams of the login part of the game.

// ConsoleStream is the stream of one console (online support code).
func ConsoleStream(supportCode string) string { return "console." + supportCode }

// CapcomIDStream is the stream of one Capcom ID. Its first event is
// appended with expected version 0, which makes Capcom IDs unique.
func CapcomIDStream(capcomID string) string { return "capcomid." + capcomID }

// ConsoleCreated: a console got its online support code.
type ConsoleCreated struct {
	SupportCode string `json:"support_code"`
}

func (ConsoleCreated) EventType() string  { return "ConsoleCreated" }
func (ConsoleCreated) SchemaVersion() int { return 1 }

// ProfileCreated: a console's empty slot got a new Capcom ID.
type ProfileCreated struct {
	Slot     int    `json:"slot"`
	CapcomID string `json:"capcom_id"`
	Name     []byte `json:"name"` // raw bytes from the game (base64 in JSON)
}

func (ProfileCreated) EventType() string  { return "ProfileCreated" }
func (ProfileCreated) SchemaVersion() int { return 1 }

// HunterNamed: the hunter in a slot has a new name.
type HunterNamed struct {
	Slot     int    `json:"slot"`
	CapcomID string `json:"capcom_id"`
	Name     []byte `json:"name"`
}

func (HunterNamed) EventType() string  { return "HunterNamed" }
func (HunterNamed) SchemaVersion() int { return 1 }

// CapcomIDClaimed: a Capcom ID was reserved for a console's slot.
type CapcomIDClaimed struct {
	CapcomID    string `json:"capcom_id"`
	SupportCode string `json:"support_code"`
	Slot        int    `json:"slot"`
}

func (CapcomIDClaimed) EventType() string  { return "CapcomIDClaimed" }
func (CapcomIDClaimed) SchemaVersion() int { return 1 }

func init() {
	Register(ConsoleCreated{})
	Register(ProfileCreated{})
	Register(HunterNamed{})
	Register(CapcomIDClaimed{})
}
