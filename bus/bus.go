// Package bus names the NATS subjects and headers that join edges and
// handlers (see docs/ARCHITECTURE.md). Both sides import it, so the
// contract is written once.
package bus

import (
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Servers are the four PAT servers an edge listens for.
var Servers = []string{"opn", "lmp", "fmp", "rfp"}

// Subjects.
const (
	// RequestPrefix + server: edge → handlers request/reply, one PAT frame.
	RequestPrefix = "mh3.req."
	// ConnPrefix + connection id: push frames to the edge owning the connection.
	ConnPrefix = "mh3.conn."
	// ClosedPrefix + server: the edge announces a closed connection.
	ClosedPrefix = "mh3.closed."
	// QueueGroup is the queue group every handler instance joins.
	QueueGroup = "mh3-handlers"
)

// Headers.
const (
	HeaderConn   = "Mh3-Conn"   // connection id (NUID, globally unique)
	HeaderReq    = "Mh3-Req"    // request id; retries of one packet reuse it
	HeaderEdge   = "Mh3-Edge"   // id of the edge process
	HeaderRemote = "Mh3-Remote" // client address as the edge sees it
	HeaderClose  = "Mh3-Close"  // "1": close the connection after writing the frames
	HeaderError  = "Mh3-Error"  // handler failure text (frames carry the player's message)
	HeaderReason = "Mh3-Reason" // why a connection closed
)

// RequestSubject is the subject for packets arriving on a server.
func RequestSubject(server string) string { return RequestPrefix + server }

// ConnSubject is the push subject of one connection.
func ConnSubject(conn string) string { return ConnPrefix + conn }

// ClosedSubject is where edges announce closed connections of a server.
func ClosedSubject(server string) string { return ClosedPrefix + server }

// ServerOf returns the server token of a request or closed subject.
func ServerOf(subject string) string {
	if i := strings.LastIndexByte(subject, '.'); i >= 0 {
		return subject[i+1:]
	}
	return subject
}

// EdgesBucket is the KV bucket where edges register the address clients
// should be sent to for each server they listen for (key
// "<server>.<edge id>"). Entries expire unless refreshed, so a dead edge
// drops out of the redirects by itself.
const EdgesBucket = "mh3_edges"

// EdgeTTL is how long a registration lives without a refresh; edges
// refresh every EdgeTTL/3.
const EdgeTTL = 30 * time.Second

// EdgeAddr is one edge's registration for one server.
type EdgeAddr struct {
	Server string `json:"server"`
	Edge   string `json:"edge"`
	Host   string `json:"host"` // advertised address (dotted quad)
	Port   int    `json:"port"`
	Conns  int    `json:"conns"` // open game connections, for load spreading
}

// EdgesBucketConfig is the configuration both sides use to open the bucket.
func EdgesBucketConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      EdgesBucket,
		Description: "edge listeners and their advertised addresses",
		TTL:         EdgeTTL,
		Storage:     jetstream.MemoryStorage,
	}
}
