package world

import "github.com/mh3net/mh3net/events"

// Hunter is where one hunter stands, folded from its stream.
type Hunter struct {
	Version uint64
	At      Path
	Conn    string
	Edge    string
	Name    []byte
	// Social: friends, friend requests received, blacklist.
	Social Social
	// Req is the request that made the last move.
	Req string
}

// Apply folds one event of the hunter's stream.
func (h *Hunter) Apply(version uint64, e events.Event) {
	h.Version = version
	if e, ok := e.(events.HunterLocated); ok {
		h.At = Path{Server: e.Server, Gate: e.Gate, City: e.City}
		h.Conn, h.Edge, h.Req = e.Conn, e.Edge, e.Req
		if e.Name != nil {
			h.Name = e.Name
		}
	}
	h.Social.Apply(e)
}

// Locate is the event that puts the hunter at p on a connection, moved
// by request req (nothing when it stands there already on that
// connection).
func (h Hunter) Locate(p Path, conn, edge string, name []byte, reason, req string) []events.Event {
	if h.At == p && h.Conn == conn && h.Edge == edge {
		return nil
	}
	return []events.Event{events.HunterLocated{Server: p.Server, Gate: p.Gate, City: p.City, Conn: conn, Edge: edge, Name: name, Reason: reason, Req: req}}
}

// MovedBy reports whether request req made the hunter's last move: a
// retry of a move whose first attempt was applied but never answered.
func (h Hunter) MovedBy(req string) bool { return req != "" && h.Req == req }
