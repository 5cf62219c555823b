// Package bus names the NATS subjects and headers that join edges and
// handlers (see docs/ARCHITECTURE.md). Both sides import it, so the
// contract is written once.
package bus

import (
	"github.com/mh3net/mh3net/world"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Servers are the four PAT servers an edge listens for.
var Servers = []string{"opn", "lmp", "fmp", "rfp"}

// Subjects.
const (
	// RequestPrefix + server: edge → handlers request/reply, one PAT frame
	// (requests, and the game's answers to server requests).
	RequestPrefix = "mh3.req."
	// NtcPrefix + server: edge → handlers, one PAT frame of a notification
	// the game sends (relays, chat, reports). Published, never answered.
	NtcPrefix = "mh3.ntc."
	// ConnPrefix + connection id: push frames to the edge owning the connection.
	ConnPrefix = "mh3.conn."
	// RoomPrefix + room: frames for every connection in a room (a server,
	// gate, city or circle); edges subscribe for the rooms their
	// connections are in and deliver to those members.
	RoomPrefix = "mh3.room."
	// ClosedPrefix + server: the edge announces a closed connection.
	ClosedPrefix = "mh3.closed."
	// QueueGroup is the queue group every handler instance joins.
	QueueGroup = "mh3-handlers"
)

// Headers.
const (
	HeaderConn     = "Mh3-Conn"     // connection id (NUID, globally unique)
	HeaderReq      = "Mh3-Req"      // request id; retries of one packet reuse it
	HeaderEdge     = "Mh3-Edge"     // id of the edge process
	HeaderRemote   = "Mh3-Remote"   // client address as the edge sees it
	HeaderDeadline = "Mh3-Deadline" // Unix ms when the edge stops waiting for this attempt
	HeaderClose    = "Mh3-Close"    // "1": close the connection after writing the frames
	HeaderError    = "Mh3-Error"    // handler failure text (frames carry the player's message)
	HeaderReason   = "Mh3-Reason"   // why a connection closed
	HeaderSkip     = "Mh3-Skip"     // room message: the connection that must not get it
	// HeaderUnsettled is "1" on a close announcement when a request of the
	// connection ended without the handlers' answer (no answer in time,
	// or a failure): what its handler wrote may be missing from the
	// session, so cleaning up reads the buckets instead of trusting it.
	HeaderUnsettled = "Mh3-Unsettled"
	// HeaderSession carries a connection's session, opaque to the edge:
	// handlers hand the latest in their reply, the edge keeps it with the
	// socket and sends it with the connection's next request and with its
	// close announcement. The edge serialises a connection's requests, so
	// no two handlers ever write it at once, and it dies with the socket.
	HeaderSession = "Mh3-Session"
	// HeaderEvents is, on a reply, how many events the request appended
	// to the event log (absent: none). The edge charges them to the
	// client's address (edge/eventbudget.go).
	HeaderEvents = "Mh3-Events"

	// Membership a handler hands an edge for one connection, in a reply
	// or a push; present = set (empty value = none). Edges subscribe to
	// the rooms and echo the values on the connection's notifications.
	HeaderLayer  = "Mh3-Layer"  // the room of the layer (server, gate, city) the player stands in
	HeaderCircle = "Mh3-Circle" // the room of the player's circle (quest party)
	HeaderTag    = "Mh3-Tag"    // opaque identity the handlers stamp relays with
)

// MembershipHeaders are the membership kinds an edge keeps per connection.
var MembershipHeaders = [...]string{HeaderLayer, HeaderCircle, HeaderTag}

// RequestSubject is the subject for packets arriving on a server.
func RequestSubject(server string) string { return RequestPrefix + server }

// NtcSubject is the subject for notifications arriving on a server.
func NtcSubject(server string) string { return NtcPrefix + server }

// ConnSubject is the push subject of one connection.
func ConnSubject(conn string) string { return ConnPrefix + conn }

// RoomSubject is the subject of a room.
func RoomSubject(room string) string { return RoomPrefix + room }

// ClosedSubject is where edges announce closed connections of a server.
func ClosedSubject(server string) string { return ClosedPrefix + server }

// ServerOf returns the server token of a request or closed subject.
func ServerOf(subject string) string {
	if i := strings.LastIndexByte(subject, '.'); i >= 0 {
		return subject[i+1:]
	}
	return subject
}

// EdgesBucket is the KV bucket of edge leases. Each edge process keeps
// one key (its id) holding its advertised addresses, refreshed every
// third of the bucket's TTL; handlers create the bucket. A key that is not
// refreshed expires with the bucket's TTL: the edge is then taken for
// dead, and handlers sweep everything that names it (presences, hunters
// in the world). An edge that cannot refresh its lease for a whole TTL
// closes its game connections itself.
const EdgesBucket = "mh3_edges"

// DefaultLease is the edge lease period.
const DefaultLease = 15 * time.Second

// EdgeLease is one edge's registration.
type EdgeLease struct {
	Edge  string              `json:"edge"`
	Addrs map[string]EdgeAddr `json:"addrs"` // by server (opn, lmp, fmp, rfp)
	Conns int                 `json:"conns"` // open game connections, for load spreading
	Since time.Time           `json:"since"`
	// Started is when the edge first took its lease: of two edges that
	// register the same server index, the earlier keeps it.
	Started time.Time `json:"started"`
	// Servers are the FMP servers an external FMP edge (--fmp-only)
	// registers from its own world file: every handler lists them while
	// the lease lives and sends their hunters to this edge's fmp address.
	// Ordinary edges register none and serve the central world's servers.
	Servers []world.Server `json:"servers,omitempty"`
	// Version is the edge binary's version (Version), for the status page.
	Version string `json:"version,omitempty"`
}

// EdgeAddr is where clients are sent to reach one of an edge's servers.
type EdgeAddr struct {
	Host string `json:"host"` // advertised address (dotted quad)
	Port int    `json:"port"`
}

// EdgesBucketConfig is the bucket's configuration (made by handlers).
func EdgesBucketConfig(lease time.Duration) jetstream.KeyValueConfig {
	if lease <= 0 {
		lease = DefaultLease
	}
	return jetstream.KeyValueConfig{
		Bucket:      EdgesBucket,
		Description: "edge leases and their advertised addresses",
		TTL:         lease,
		History:     1,
		Storage:     jetstream.MemoryStorage,
		// A lapsed lease leaves a delete marker, so watchers see the
		// edge go instead of missing it until their next resync.
		LimitMarkerTTL: lease,
	}
}

// EdgeInboxPrefix is where an edge-only process receives answers to its
// requests (nats.CustomInboxPrefix). The edge role may subscribe only
// below it, so edge credentials cannot read the answers other processes
// get (the handlers' KV reads of sessions and tickets).
const EdgeInboxPrefix = "_INBOX.edge"
