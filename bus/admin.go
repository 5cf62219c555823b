package bus

import (
	"encoding/json"
	"time"
)

// Admin actions: the last token of an admin subject (OpsAdminPrefix +
// action). Each is a request with a JSON body answered with JSON; a
// refusal is a micro error (Nats-Service-Error-Code: an HTTP status,
// Nats-Service-Error: the text).
const (
	AdminState       = "state"       // → AdminStatus
	AdminAnnounce    = "announce"    // AdminAnnouncement → AdminStatus
	AdminMaintenance = "maintenance" // AdminMaintenanceSet → AdminStatus
	AdminBroadcast   = "broadcast"   // AdminBroadcastReq → AdminBroadcastDone
	AdminKick        = "kick"        // AdminKickReq → AdminHunter
	AdminHunters     = "hunters"     // AdminHuntersQuery → AdminHunterList
	AdminLog         = "log"         // AdminLogQuery → AdminLogPage
	AdminReload      = "reload"      // (empty) → AdminStatus: audited; the reload itself is OpsReload
)

// AdminActions are every admin action, for the handlers' endpoints.
var AdminActions = []string{AdminState, AdminAnnounce, AdminMaintenance, AdminBroadcast, AdminKick, AdminHunters, AdminLog, AdminReload}

// AdminSubject is the subject of an admin action.
func AdminSubject(action string) string { return OpsAdminPrefix + action }

// HeaderAdminVia names the role of the process whose operator server
// forwarded an admin action (with HeaderRemote: the HTTP client), for the
// audit log.
const HeaderAdminVia = "Mh3-Admin-Via"

// Admin API limits (bytes of text as the game gets it).
const (
	// MaxAnnouncement bounds the announcement and maintenance texts.
	MaxAnnouncement = 2048
	// MaxBroadcast bounds a broadcast line (the game's own chat lines are
	// far shorter).
	MaxBroadcast = 200
	// MaxKickText bounds a kick's message (NtcShut carries at most
	// pat.MaxShutMessage bytes with the markup around it).
	MaxKickText = 300
	// MaxHunters bounds one hunters answer; DefaultHunters is the
	// default.
	MaxHunters     = 500
	DefaultHunters = 100
	// MaxAdminLog bounds one audit answer; DefaultAdminLog is the default.
	MaxAdminLog     = 1000
	DefaultAdminLog = 50
)

// AdminStatus is the announcement and maintenance state.
type AdminStatus struct {
	// Announcement is what ReqAnnounce answers now; Custom says it was
	// set through the API (false: the configured text).
	Announcement string `json:"announcement"`
	Custom       bool   `json:"custom"`
	Maintenance  bool   `json:"maintenance"`
	// MaintenanceText is what ReqMaintenance answers now.
	MaintenanceText  string     `json:"maintenance_text"`
	MaintenanceSince *time.Time `json:"maintenance_since,omitempty"`
	// Version is the audit stream's version this state includes.
	Version uint64 `json:"version"`
}

// AdminAnnouncement sets the announcement ("" = back to the configured one).
type AdminAnnouncement struct {
	Text string `json:"text"`
}

// AdminMaintenanceSet turns maintenance on (with an optional text) or off.
type AdminMaintenanceSet struct {
	On   bool   `json:"on"`
	Text string `json:"text,omitempty"`
}

// AdminBroadcastReq is a message to a server, gate (Gate > 0) or city
// (City > 0 too).
type AdminBroadcastReq struct {
	Server int    `json:"server"`
	Gate   int    `json:"gate,omitempty"`
	City   int    `json:"city,omitempty"`
	Text   string `json:"text"`
}

// AdminBroadcastDone says where a broadcast went.
type AdminBroadcastDone struct {
	Rooms   []string `json:"rooms"`   // layer rooms published to
	Hunters int      `json:"hunters"` // hunters standing there as the view knows
}

// AdminKickReq closes an online hunter's connection with NtcShut (Text:
// the message; empty: a default one).
type AdminKickReq struct {
	CapcomID string `json:"capcom_id"`
	Text     string `json:"text,omitempty"`
}

// AdminHuntersQuery searches the online hunters by Capcom ID or name
// substring (case-insensitive; empty: all).
type AdminHuntersQuery struct {
	Q     string `json:"q,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// AdminHunter is one online hunter.
type AdminHunter struct {
	CapcomID string    `json:"capcom_id"`
	Name     string    `json:"name"`
	Server   int       `json:"server,omitempty"`
	Gate     int       `json:"gate,omitempty"`
	City     int       `json:"city,omitempty"`
	Edge     string    `json:"edge"`
	Conn     string    `json:"conn"`
	Transit  bool      `json:"transit,omitempty"` // between servers
	Since    time.Time `json:"since"`
}

// AdminHunterList is an answer to AdminHuntersQuery: Total matched,
// Hunters the first Limit of them by Capcom ID.
type AdminHunterList struct {
	Total   int           `json:"total"`
	Hunters []AdminHunter `json:"hunters"`
}

// AdminLogQuery asks for the newest admin events.
type AdminLogQuery struct {
	Limit int `json:"limit,omitempty"`
}

// AdminLogEntry is one admin event as stored.
type AdminLogEntry struct {
	Version uint64          `json:"version"`
	Time    time.Time       `json:"time"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
}

// AdminLogPage is the newest admin events, newest first.
type AdminLogPage struct {
	Events []AdminLogEntry `json:"events"`
}
