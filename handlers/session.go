package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// Session is what the server remembers about a player between packets and
// across the OPN → LMP → FMP hand-over. It is stored per connection and,
// once a PAT ticket exists, under the ticket too.
type Session struct {
	SupportCode string `json:"support_code,omitempty"`
	Ticket      string `json:"ticket,omitempty"`
	CapcomID    string `json:"capcom_id,omitempty"`
	Slot        int    `json:"slot,omitempty"`
	HunterName  []byte `json:"hunter_name,omitempty"`
	// FmpServer is the 1-based index of the server (FMP list entry) the
	// player chose.
	FmpServer int `json:"fmp_server,omitempty"`
	// Reconnect is MH3SP's request_reconnection: the client is expected
	// back on another connection, so closing this one keeps the ticket.
	Reconnect bool `json:"reconnect,omitempty"`
}

type sessionRef struct {
	s     Session
	dirty bool
}

// Session returns the connection's session, loading it once per packet.
func (c *Call) Session() (*Session, error) {
	if c.sess != nil {
		return &c.sess.s, nil
	}
	c.sess = &sessionRef{}
	if _, _, err := getJSON(c.ctx, c.s.kv.conns, kvKey(c.Conn), &c.sess.s); err != nil {
		c.sess = nil
		return nil, err
	}
	return &c.sess.s, nil
}

// Changed marks the session to be saved when the packet is done.
func (c *Call) Changed() { c.sess.dirty = true }

// adopt replaces the connection's session with the one a ticket carries.
func (c *Call) adopt(ticket string) (bool, error) {
	var s Session
	_, found, err := getJSON(c.ctx, c.s.kv.tickets, kvKey(ticket), &s)
	if err != nil || !found {
		return false, err
	}
	c.sess = &sessionRef{s: s, dirty: true}
	return true, nil
}

func (c *Call) commitSession() error {
	if c.sess == nil || !c.sess.dirty {
		return nil
	}
	if err := putJSON(c.ctx, c.s.kv.conns, kvKey(c.Conn), c.sess.s); err != nil {
		return err
	}
	if t := c.sess.s.Ticket; t != "" {
		if err := putJSON(c.ctx, c.s.kv.tickets, kvKey(t), c.sess.s); err != nil {
			return err
		}
	}
	return nil
}

// Presence is who is online with a Capcom ID, and where.
type Presence struct {
	Conn      string `json:"conn"`
	Ticket    string `json:"ticket,omitempty"`
	Name      []byte `json:"name,omitempty"`
	FmpServer int    `json:"fmp_server,omitempty"`
	// Transit is set when the connection closed with a reconnection
	// expected (server change); Since says when.
	Transit bool      `json:"transit,omitempty"`
	Since   time.Time `json:"since"`
}

// transitGrace is how long a player moving between servers still counts.
const transitGrace = 60 * time.Second

// claimOnline binds a Capcom ID to this connection. If another login holds
// it (a different ticket), that connection is sent NtcShut and closed, on
// whatever edge it lives. The same ticket arriving on a new connection is
// a hand-over and takes the binding silently.
func (c *Call) claimOnline(s *Session) error {
	key := kvKey(s.CapcomID)
	for attempt := 0; attempt < 8; attempt++ {
		var cur Presence
		rev, found, err := getJSON(c.ctx, c.s.kv.online, key, &cur)
		if err != nil {
			return err
		}
		p := Presence{Conn: c.Conn, Ticket: s.Ticket, Name: s.HunterName, FmpServer: s.FmpServer, Since: c.s.cfg.Now()}
		b, _ := json.Marshal(p)
		if !found {
			_, err = c.s.kv.online.Create(c.ctx, key, b)
		} else {
			if cur.Conn != c.Conn && !(cur.Ticket != "" && cur.Ticket == s.Ticket) {
				c.log.Info("Capcom ID logged in again, closing the older connection", "capcom_id", s.CapcomID, "old_conn", cur.Conn)
				if err := c.Kick(cur.Conn, textLoggedInElsewhere); err != nil {
					return err
				}
			}
			_, err = c.s.kv.online.Update(c.ctx, key, b, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSequence(err) {
			return fmt.Errorf("%w: claim Capcom ID %s: %w", errUnavailable, s.CapcomID, err)
		}
	}
	return fmt.Errorf("%w: claim Capcom ID %s: too much contention", errUnavailable, s.CapcomID)
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

const textLoggedInElsewhere = "<LF=8><BODY><CENTER>This Capcom ID logged in<BR><BODY><CENTER>from another place.<END>"

// connClosed cleans up after a connection an edge announced closed.
func (s *Service) connClosed(ctx context.Context, m *nats.Msg) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn := m.Header.Get(bus.HeaderConn)
	if conn == "" {
		return
	}
	var sess Session
	_, found, err := getJSON(ctx, s.kv.conns, kvKey(conn), &sess)
	if err != nil || !found {
		return
	}
	log := s.log.With("conn", conn, "capcom_id", sess.CapcomID)
	if sess.CapcomID != "" {
		key := kvKey(sess.CapcomID)
		var cur Presence
		rev, found, err := getJSON(ctx, s.kv.online, key, &cur)
		if err == nil && found && cur.Conn == conn {
			if sess.Reconnect {
				cur.Transit, cur.Since = true, s.cfg.Now()
				b, _ := json.Marshal(cur)
				_, err = s.kv.online.Update(ctx, key, b, rev)
			} else {
				err = s.kv.online.Delete(ctx, key, jetstream.LastRevision(rev))
			}
			if err != nil {
				log.Debug("presence changed meanwhile", "err", err)
			}
		}
	}
	if sess.Ticket != "" && !sess.Reconnect {
		s.kv.tickets.Delete(ctx, kvKey(sess.Ticket))
	}
	s.kv.conns.Delete(ctx, kvKey(conn))
	log.Debug("connection cleaned up", "reason", m.Header.Get(bus.HeaderReason))
}

// presence is this instance's live view of the online bucket, used for
// population counts (display only, so eventual consistency is fine). A KV
// watcher does not survive a NATS restart, so the view is rebuilt from a
// fresh watcher every presenceResync, and at once when a watcher ends.
type presence struct {
	mu      sync.Mutex
	entries map[string]Presence
	cancel  context.CancelFunc
	done    chan struct{}
}

// presenceResync is how often the view is rebuilt (a variable for tests).
var presenceResync = 15 * time.Second

func watchPresence(ctx context.Context, kv jetstream.KeyValue, log *slog.Logger) (*presence, error) {
	// The first watch is made here, so a bucket that cannot be watched
	// fails the start.
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: watch %s: %w", errUnavailable, kv.Bucket(), err)
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &presence{entries: map[string]Presence{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			if w == nil {
				if w, err = kv.WatchAll(ctx); err != nil {
					log.Warn("presence watch failed, retrying", "err", err)
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
					continue
				}
			}
			p.follow(ctx, w, log)
			w.Stop()
			w = nil
		}
	}()
	return p, nil
}

// follow applies one watcher's updates until it ends or the resync time
// comes; the view is swapped in once the watcher's initial values are in.
func (p *presence) follow(ctx context.Context, w jetstream.KeyWatcher, log *slog.Logger) {
	fresh := map[string]Presence{}
	live := false
	resync := time.NewTimer(presenceResync)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-resync.C:
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil { // end of the initial values
				p.mu.Lock()
				p.entries, live = fresh, true
				p.mu.Unlock()
				continue
			}
			p.mu.Lock()
			if e.Operation() != jetstream.KeyValuePut {
				delete(fresh, e.Key())
			} else {
				var v Presence
				if err := json.Unmarshal(e.Value(), &v); err != nil {
					log.Warn("bad presence entry", "key", e.Key(), "err", err)
				} else {
					fresh[e.Key()] = v
				}
			}
			if live {
				p.entries = fresh
			}
			p.mu.Unlock()
		}
	}
}

func (p *presence) stop() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

// population counts players on each FMP server (1-based index).
func (p *presence) population(now time.Time) map[int]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[int]int{}
	for _, e := range p.entries {
		if e.FmpServer == 0 || e.Transit && now.Sub(e.Since) > transitGrace {
			continue
		}
		out[e.FmpServer]++
	}
	return out
}
