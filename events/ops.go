package events

// OpsStream is the stream of the operators' admin actions (the admin
// API, `mh3net admin`): one stream for all of them, so their order is
// the audit log's, and the current announcement and maintenance state
// are a fold of it that survives restarts.
const OpsStream = "ops.admin"

// AdminActor says who made an admin action: the HTTP client's address as
// the operator server saw it, and that server's role (up, edge, handlers).
type AdminActor struct {
	Remote string `json:"remote,omitempty"`
	Via    string `json:"via,omitempty"`
}

// AnnouncementSet: the announcement every login shows from now on
// (ReqAnnounce). Empty text: back to the configured one.
type AnnouncementSet struct {
	Text string     `json:"text"`
	By   AdminActor `json:"by"`
}

func (AnnouncementSet) EventType() string  { return "AnnouncementSet" }
func (AnnouncementSet) SchemaVersion() int { return 1 }

// MaintenanceSet: maintenance turned on (new logins are turned away with
// Text, or the configured text when empty) or off.
type MaintenanceSet struct {
	On   bool       `json:"on"`
	Text string     `json:"text,omitempty"`
	By   AdminActor `json:"by"`
}

func (MaintenanceSet) EventType() string  { return "MaintenanceSet" }
func (MaintenanceSet) SchemaVersion() int { return 1 }

// BroadcastSent: a message shown to every hunter in a server, gate or
// city (Gate and City 0: the whole server or gate). Rooms counts the
// layer rooms it was published to.
type BroadcastSent struct {
	Server int        `json:"server"`
	Gate   int        `json:"gate,omitempty"`
	City   int        `json:"city,omitempty"`
	Text   string     `json:"text"`
	Rooms  int        `json:"rooms,omitempty"`
	By     AdminActor `json:"by"`
}

func (BroadcastSent) EventType() string  { return "BroadcastSent" }
func (BroadcastSent) SchemaVersion() int { return 1 }

// HunterKicked: an online hunter's connection was sent NtcShut with Text
// and closed.
type HunterKicked struct {
	CapcomID string     `json:"capcom_id"`
	Conn     string     `json:"conn"`
	Edge     string     `json:"edge,omitempty"`
	Text     string     `json:"text,omitempty"`
	By       AdminActor `json:"by"`
}

func (HunterKicked) EventType() string  { return "HunterKicked" }
func (HunterKicked) SchemaVersion() int { return 1 }

// ReloadRequested: an operator asked every handler process to reload its
// quest directory and world file now (each answers what it did; a
// refused file leaves the old set served).
type ReloadRequested struct {
	By AdminActor `json:"by"`
}

func (ReloadRequested) EventType() string  { return "ReloadRequested" }
func (ReloadRequested) SchemaVersion() int { return 1 }

func init() {
	Register(ReloadRequested{})
	Register(AnnouncementSet{})
	Register(MaintenanceSet{})
	Register(BroadcastSent{})
	Register(HunterKicked{})
}
