package events

// Circles (quest parties) live in their city's stream: a city owns its 4
// circles and their slots, as it owns its own.

// CircleCreated: a hunter posted a quest in circle Index (1-based) and
// leads it, in slot 1.
type CircleCreated struct {
	Index       int    `json:"index"`
	Leader      string `json:"leader"`
	Name        []byte `json:"name"`
	Conn        string `json:"conn"`
	WeaponType  uint8  `json:"weapon_type,omitempty"`
	Capacity    int    `json:"capacity"`
	QuestID     uint32 `json:"quest_id,omitempty"`
	HasPassword bool   `json:"has_password,omitempty"`
	Password    []byte `json:"password,omitempty"`
	HasRemarks  bool   `json:"has_remarks,omitempty"`
	Remarks     []byte `json:"remarks,omitempty"`
	Unknown0E   uint8  `json:"unknown_0e,omitempty"`
}

func (CircleCreated) EventType() string  { return "CircleCreated" }
func (CircleCreated) SchemaVersion() int { return 1 }

// CircleJoined: a hunter took slot Slot (1-based) of circle Index.
type CircleJoined struct {
	Index      int    `json:"index"`
	CapcomID   string `json:"capcom_id"`
	Name       []byte `json:"name"`
	Conn       string `json:"conn"`
	WeaponType uint8  `json:"weapon_type,omitempty"`
	Slot       int    `json:"slot"`
}

func (CircleJoined) EventType() string  { return "CircleJoined" }
func (CircleJoined) SchemaVersion() int { return 1 }

// CircleLeft: a member left circle Index (or was dropped at departure).
type CircleLeft struct {
	Index    int    `json:"index"`
	CapcomID string `json:"capcom_id"`
	Reason   string `json:"reason"`
}

func (CircleLeft) EventType() string  { return "CircleLeft" }
func (CircleLeft) SchemaVersion() int { return 1 }

// CircleHostChanged: another member leads circle Index (its leader left
// after departing).
type CircleHostChanged struct {
	Index    int    `json:"index"`
	CapcomID string `json:"capcom_id"`
}

func (CircleHostChanged) EventType() string  { return "CircleHostChanged" }
func (CircleHostChanged) SchemaVersion() int { return 1 }

// CircleBroken: circle Index is disbanded and free again (its leader left
// before departing, or its last member left).
type CircleBroken struct {
	Index int `json:"index"`
}

func (CircleBroken) EventType() string  { return "CircleBroken" }
func (CircleBroken) SchemaVersion() int { return 1 }

// CircleStandby: a member is (not) ready to depart.
type CircleStandby struct {
	Index    int    `json:"index"`
	CapcomID string `json:"capcom_id"`
	Standby  bool   `json:"standby"`
}

func (CircleStandby) EventType() string  { return "CircleStandby" }
func (CircleStandby) SchemaVersion() int { return 1 }

// CircleDeparted: circle Index left on its quest with the members who
// were ready (the others left it with CircleLeft before).
type CircleDeparted struct {
	Index int `json:"index"`
}

func (CircleDeparted) EventType() string  { return "CircleDeparted" }
func (CircleDeparted) SchemaVersion() int { return 1 }

// CircleSettingsChanged: the leader changed circle Index's settings
// (CircleInfoSet); absent fields keep their values.
type CircleSettingsChanged struct {
	Index       int     `json:"index"`
	Capacity    int     `json:"capacity,omitempty"`
	QuestID     *uint32 `json:"quest_id,omitempty"`
	HasPassword *bool   `json:"has_password,omitempty"`
	Password    []byte  `json:"password,omitempty"`
	HasRemarks  bool    `json:"has_remarks,omitempty"`
	Remarks     []byte  `json:"remarks,omitempty"`
}

func (CircleSettingsChanged) EventType() string  { return "CircleSettingsChanged" }
func (CircleSettingsChanged) SchemaVersion() int { return 1 }

func init() {
	Register(CircleCreated{})
	Register(CircleJoined{})
	Register(CircleLeft{})
	Register(CircleHostChanged{})
	Register(CircleBroken{})
	Register(CircleStandby{})
	Register(CircleDeparted{})
	Register(CircleSettingsChanged{})
}
