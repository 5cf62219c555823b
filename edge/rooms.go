package edge

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
)

// rooms are the room subscriptions of one listener. Handlers decide who
// is in which room and hand that to the edge with a reply or a push
// (bus.HeaderLayer, bus.HeaderCircle); the edge keeps one subscription
// per room its connections are in and delivers each room message to
// those connections, skipping the one named in bus.HeaderSkip.
type rooms struct {
	l  *Listener
	mu sync.Mutex
	m  map[string]*room // by subject
}

type room struct {
	sub     *nats.Subscription
	members map[*conn]struct{}
}

func newRooms(l *Listener) *rooms { return &rooms{l: l, m: map[string]*room{}} }

// join adds c to the room with the given subject, subscribing first if
// c is the room's first member here. The subscription is flushed to the
// server before join returns, so a notification published after the
// handler's answer reaches c.
func (rs *rooms) join(c *conn, subject string) {
	rs.mu.Lock()
	r, ok := rs.m[subject]
	if !ok {
		r = &room{members: map[*conn]struct{}{}}
		sub, err := rs.l.nc.Subscribe(subject, rs.deliver)
		if err != nil {
			rs.mu.Unlock()
			c.logger().Warn("subscribe room", "room", subject, "err", err)
			return
		}
		sub.SetPendingLimits(-1, 64<<20)
		r.sub = sub
		rs.m[subject] = r
	}
	r.members[c] = struct{}{}
	rs.mu.Unlock()
	if !ok {
		if err := rs.l.nc.FlushTimeout(2 * time.Second); err != nil {
			c.logger().Warn("flush room subscription", "room", subject, "err", err)
		}
	}
}

// leave removes c from a room, unsubscribing when it was the last here.
func (rs *rooms) leave(c *conn, subject string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.m[subject]
	if !ok {
		return
	}
	delete(r.members, c)
	if len(r.members) == 0 {
		r.sub.Unsubscribe()
		delete(rs.m, subject)
	}
}

// deliver hands a room message to every member here but the skipped one.
func (rs *rooms) deliver(m *nats.Msg) {
	rs.deliverHere(m.Subject, m.Data, m.Header.Get(bus.HeaderSkip))
}

// deliverHere hands data to every member of the room with the given
// subject on this listener but the connection with id skip. An edge
// whose NATS connection does not echo (the servers' own) delivers its
// connections' relays this way, and NATS carries them to the other
// edges only.
func (rs *rooms) deliverHere(subject string, data []byte, skip string) {
	rs.mu.Lock()
	r, ok := rs.m[subject]
	var to []*conn
	if ok {
		to = make([]*conn, 0, len(r.members))
		for c := range r.members {
			if c.id != skip {
				to = append(to, c)
			}
		}
	}
	rs.mu.Unlock()
	rs.l.m.Fanout(len(to))
	for _, c := range to {
		c.enqueue(data)
	}
}

// count is the number of rooms subscribed (tests, metrics).
func (rs *rooms) count() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.m)
}
