package handlers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/world"
)

// Session is what the server remembers about a player between packets and
// across the OPN → LMP → FMP hand-over. The edge holding the connection
// keeps it (bus.HeaderSession): it comes with every request and goes back
// with every answer that changed it, so reading it costs nothing and no
// two handlers can write it at once (the edge sends a connection's
// packets one at a time). Once a PAT ticket exists, the session is also
// written into the ticket's record at the hand-over points (a new ticket,
// a server chosen, the connection closing), from where the next
// connection takes it over.
type Session struct {
	SupportCode string `json:"support_code,omitempty"`
	Ticket      string `json:"ticket,omitempty"`
	CapcomID    string `json:"capcom_id,omitempty"`
	Slot        int    `json:"slot,omitempty"`
	HunterName  []byte `json:"hunter_name,omitempty"`
	// FmpServer is the 1-based index of the server (FMP list entry) the
	// player chose.
	FmpServer int `json:"fmp_server,omitempty"`
	// LeftServer is set by LayerEnd: the hunter left its server's world
	// (MH3SP's leave_server) and, still connected, is not counted in the
	// server's population until it enters a server again (LayerStart,
	// or FmpInfo2 to another).
	LeftServer bool `json:"left_server,omitempty"`
	// Reserved is the city this connection's LayerCreateHead reserved
	// last, until its LayerCreateFoot: a Head for another city ends that
	// reservation first (a city created meanwhile keeps its hunters).
	Reserved *world.Path `json:"reserved,omitempty"`
	// Reconnect is MH3SP's request_reconnection: the client is expected
	// back on another connection, so closing this one keeps the ticket.
	Reconnect bool `json:"reconnect,omitempty"`
	// TicketRev is the revision of the ticket record this connection
	// last wrote (compare-and-set on the next write).
	TicketRev uint64 `json:"ticket_rev,omitempty"`
	// OnlineRev is the revision of the presence this connection's
	// session last wrote (0: none yet). A close that finds the memo at
	// this revision knows the bucket holds what the session last wrote.
	OnlineRev uint64 `json:"online_rev,omitempty"`
	// NewConsole is set while SupportCode is a code made for this
	// session whose console is not stored yet: it has six free slots,
	// and its first profile is appended at version 0 without reading
	// first (a console stored meanwhile makes that append fail, and the
	// slot is then decided on what was stored).
	NewConsole bool `json:"new_console,omitempty"`
	// InWorld is set once the session put its hunter in the world (a
	// layer entered): before that, a close has no departure to make.
	InWorld bool `json:"in_world,omitempty"`
	// Query is the last list or search head of the connection; the Data
	// request after it recomputes from it (any handler may serve it).
	Query *Query `json:"query,omitempty"`
	// Began is when the game's first LMP connection began this session
	// (Unix ms; 0 once the login completed on FMP): the login duration
	// of the metrics.
	Began int64 `json:"began,omitempty"`
}

// Query is a list or search the game asked the head of.
type Query struct {
	Kind     string            `json:"kind"`
	Path     world.Path        `json:"path,omitempty"`
	First    uint32            `json:"first,omitempty"`
	Count    uint32            `json:"count,omitempty"`
	CapcomID string            `json:"capcom_id,omitempty"`
	Name     []byte            `json:"name,omitempty"`
	Search   []events.OptField `json:"search,omitempty"`
}

// Query kinds.
const (
	queryLayerUsers  = "layer-users"
	queryLayerSearch = "layer-search"
	queryCitySearch  = "city-search"
	queryUserSearch  = "user-search"
)

// ticketRecord is a PAT ticket's entry: the session it carries and the
// connection holding it. A hand-over is single-use: the connection that
// adopts the ticket becomes its holder, and a connection still holding
// it is closed.
type ticketRecord struct {
	Holder string `json:"holder"`
	// Transit is set when the holder closed, or was told to close,
	// expecting the game back on another connection: a ticket made on a
	// first contact, a server chosen, a server change.
	Transit bool      `json:"transit,omitempty"`
	Since   time.Time `json:"since"`
	Session Session   `json:"session"`
}

type sessionRef struct {
	s     Session
	dirty bool
	// handOver marks a change the next connection must find in the
	// ticket's record (a new ticket, an adoption, a server chosen).
	handOver bool
	// replaced is a ticket this connection held before a new ReqTicket:
	// deleted once the new session is saved.
	replaced string
	// adoptedFrom is the holder of the ticket this run adopted.
	adoptedFrom string
	// leaving: the game was told where to reconnect (FmpInfo), or got
	// its ticket on a first contact; the ticket's record is written in
	// transit at once, so the close that follows has nothing left to
	// write.
	leaving bool
}

// errSessionMoved means the connection's session or ticket changed while
// the packet was handled; the handler runs again on the fresh state.
var errSessionMoved = errors.New("session changed meanwhile")

// errTakenOver means another connection took the session's ticket over.
var errTakenOver = errors.New("the session was taken over by another connection")

// Session returns the connection's session, decoded once per run from
// what the edge sent.
func (c *Call) Session() (*Session, error) {
	if c.sess != nil {
		return &c.sess.s, nil
	}
	ref := &sessionRef{}
	if err := c.s.sessions.decode(c.sessionIn, &ref.s); err != nil {
		return nil, err
	}
	c.sess = ref
	return &c.sess.s, nil
}

// encodeSession is a session as the edge keeps it.
func encodeSession(s Session) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(b), nil
}

// decodeSession reads what the edge sent ("" is a new connection).
func decodeSession(v string, s *Session) error {
	if v == "" {
		return nil
	}
	b, err := base64.RawStdEncoding.DecodeString(v)
	if err == nil {
		err = json.Unmarshal(b, s)
	}
	if err != nil {
		return fmt.Errorf("the edge sent a bad session: %w", err)
	}
	return nil
}

// sessionCache keeps sessions decoded by their encoding: the edge sends a
// connection's session with each of its packets, and on one box this
// process encoded it. Sessions handed out are shallow copies; handlers
// replace a session's slices and query, never write into them.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]Session
}

// The cache is bounded: it starts again when it holds sessionCacheMax
// sessions, and a session whose encoding is longer than
// sessionCacheMaxLen (one carrying a large search) is not kept.
const (
	sessionCacheMax    = 4096
	sessionCacheMaxLen = 2048
)

// decode is decodeSession through the cache.
func (sc *sessionCache) decode(v string, s *Session) error {
	if v == "" {
		*s = Session{}
		return nil
	}
	sc.mu.Lock()
	cached, ok := sc.m[v]
	sc.mu.Unlock()
	if ok {
		*s = cached
		return nil
	}
	if err := decodeSession(v, s); err != nil {
		return err
	}
	sc.put(v, *s)
	return nil
}

func (sc *sessionCache) put(v string, s Session) {
	if len(v) > sessionCacheMaxLen {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil || len(sc.m) >= sessionCacheMax {
		sc.m = make(map[string]Session, 256)
	}
	sc.m[v] = s
}

// Changed marks the session to be saved when the packet is done.
func (c *Call) Changed() { c.sess.dirty = true }

// adopt replaces the connection's session with the one a ticket carries
// and makes this connection the ticket's holder. A connection still
// holding the ticket (a replayed or doubled hand-over) is sent NtcShut
// and closed, as a second login with one Capcom ID is.
//
// The record may come from this process's memo (on one box the process
// that wrote the hand-over is the one that adopts it), but nothing of it
// is acted on before this connection's hold is written by compare-and-set
// at the revision read: a memo gone stale (the session ended or moved on
// elsewhere) loses that write, and the adoption is decided again on the
// bucket, so an ended session never comes back. Closing a holder is
// decided on the bucket's word only.
func (c *Call) adopt(ticket string) (bool, error) {
	if _, err := c.Session(); err != nil {
		return false, err
	}
	key := kvKey(ticket)
	memo := c.s.ticketMemo
	for attempt := 0; attempt < 2; attempt++ {
		var rec ticketRecord
		var rev uint64
		var found, cached bool
		var err error
		if attempt == 0 {
			rev, found, cached, err = memo.get(c.ctx, key, &rec)
		} else {
			rev, found, err = memo.fresh(c.ctx, key, &rec)
		}
		if err == nil && !found {
			// The hand-over was written by another process moments ago;
			// a lagging replica may not hold it yet.
			rev, found, err = memo.fresh(withLeaderReads(c.ctx, c.s.nc), key, &rec)
		}
		if err != nil || !found {
			return false, err
		}
		if rec.Holder != "" && rec.Holder != c.Conn && !rec.Transit {
			if cached {
				continue // not on the memo's word: read the bucket
			}
			c.logger().Info("PAT ticket presented again while its holder is connected, closing the holder", "old_conn", rec.Holder)
			if err := c.Kick(rec.Holder, textLoggedInElsewhere); err != nil {
				return false, err
			}
		}
		s := rec.Session
		s.TicketRev = 0
		held, err := memo.update(c.ctx, key, ticketRecord{Holder: c.Conn, Since: c.s.cfg.Now(), Session: s}, rev)
		if isConflict(err) {
			continue // moved since it was read: decide on the bucket
		}
		if err != nil {
			return false, fmt.Errorf("%w: kv %s put %s: %w", errUnavailable, c.s.kv.tickets.Bucket(), key, err)
		}
		s.TicketRev = held
		c.sess.s, c.sess.dirty, c.sess.adoptedFrom = s, true, rec.Holder
		return true, nil
	}
	return false, fmt.Errorf("%w: ticket %s of connection %s", errSessionMoved, key, c.Conn)
}

// newTicket gives the session a fresh ticket; the one it replaces is
// deleted when the session is saved.
func (c *Call) newTicket(sess *Session, ticket string) {
	if sess.Ticket != "" && sess.Ticket != ticket && c.sess.replaced == "" {
		c.sess.replaced = sess.Ticket
	}
	sess.Ticket, sess.TicketRev = ticket, 0
	c.Changed()
	c.sess.handOver = true
}

// handOver marks the session to be written into its ticket's record: the
// game is expected back on another connection with the ticket.
func (c *Call) handOver() {
	c.Changed()
	c.sess.handOver = true
}

// commitSession saves a changed session: into the ticket's record (by
// compare-and-set) at a hand-over point, and back to the edge with the
// answer.
func (c *Call) commitSession() error {
	ref := c.sess
	if ref == nil || !ref.dirty {
		return nil
	}
	s := ref.s
	if s.Ticket != "" && ref.handOver {
		rev, err := c.writeTicket(s)
		if err != nil {
			return err
		}
		s.TicketRev = rev
	}
	v, err := encodeSession(s)
	if err != nil {
		return err
	}
	c.s.sessions.put(v, s)
	c.sessionOut = &v
	if ref.replaced != "" {
		c.dropTicket(ref.replaced)
	}
	return nil
}

// writeTicket writes the ticket record held by this connection and
// returns its new revision.
func (c *Call) writeTicket(s Session) (uint64, error) {
	key := kvKey(s.Ticket)
	rec := ticketRecord{Holder: c.Conn, Since: c.s.cfg.Now(), Session: s, Transit: c.sess != nil && c.sess.leaving}
	rec.Session.TicketRev = 0
	memo := c.s.ticketMemo
	var rev uint64
	var err error
	if s.TicketRev == 0 {
		rev, err = memo.create(c.ctx, key, rec)
	} else {
		rev, err = memo.update(c.ctx, key, rec, s.TicketRev)
	}
	if err == nil {
		return rev, nil
	}
	if !isConflict(err) {
		return 0, fmt.Errorf("%w: kv %s put %s: %w", errUnavailable, c.s.kv.tickets.Bucket(), key, err)
	}
	// The record moved: our own earlier write (a run that did not finish)
	// may be overwritten; another holder's may not.
	var cur ticketRecord
	curRev, found, gerr := memo.fresh(c.ctx, key, &cur)
	if gerr != nil {
		return 0, gerr
	}
	if found && cur.Holder != c.Conn {
		if c.sess != nil && c.sess.adoptedFrom == cur.Holder {
			// The holder we took over from wrote last (its close was
			// recorded): adopt again from the fresh record.
			return 0, fmt.Errorf("%w: ticket of connection %s", errSessionMoved, c.Conn)
		}
		return 0, fmt.Errorf("%w: ticket of connection %s now held by %s", errTakenOver, c.Conn, cur.Holder)
	}
	if !found {
		rev, err = memo.create(c.ctx, key, rec)
	} else {
		rev, err = memo.update(c.ctx, key, rec, curRev)
	}
	if isConflict(err) {
		return 0, fmt.Errorf("%w: ticket of connection %s", errSessionMoved, c.Conn)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: kv %s put %s: %w", errUnavailable, c.s.kv.tickets.Bucket(), key, err)
	}
	return rev, nil
}

// dropTicket deletes a ticket record this connection holds.
func (c *Call) dropTicket(ticket string) {
	ifMine(c.ctx, c.s.ticketMemo, kvKey(ticket), func(rec *ticketRecord) bool { return rec.Holder == c.Conn },
		func(rev uint64, _ *ticketRecord, _ bool) error {
			return c.s.ticketMemo.delete(c.ctx, kvKey(ticket), rev)
		})
}

// errAskBucket is what a write callback of ifMine returns when it would
// leave the entry as it is on the memo's word alone: ifMine reads the
// bucket and calls it again.
var errAskBucket = errors.New("decide on what the bucket holds")

// ifMine calls write with key's entry and revision when mine says the
// entry is the caller's. The entry is read through the memo first (write
// is told so with cached); a memo entry that says it is not the
// caller's, a write that loses its compare-and-set, and a write that
// answers errAskBucket are decided again on a fresh read. It returns
// write's last error (nil when nothing was the caller's).
func ifMine[T any](ctx context.Context, memo *kvMemo[T], key string, mine func(*T) bool, write func(rev uint64, cur *T, cached bool) error) error {
	for attempt := 0; attempt < 2; attempt++ {
		var cur T
		var rev uint64
		var found, cached bool
		var err error
		if attempt == 0 {
			rev, found, cached, err = memo.get(ctx, key, &cur)
		} else {
			rev, found, err = memo.fresh(ctx, key, &cur)
		}
		if err != nil || !found {
			return err
		}
		if !mine(&cur) {
			if cached {
				continue
			}
			return nil
		}
		err = write(rev, &cur, cached)
		if err == nil || (!isConflict(err) && !errors.Is(err, errAskBucket)) || attempt == 1 {
			return err
		}
	}
	return nil
}

// Presence is who is online with a Capcom ID, and where.
type Presence struct {
	Conn      string `json:"conn"`
	Edge      string `json:"edge"`
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

// claimOnline binds a Capcom ID to this connection. If another connection
// holds it, that connection is sent NtcShut and closed, on whatever edge
// it lives — unless it already closed expecting this hand-over (transit
// with the same ticket).
func (c *Call) claimOnline(s *Session) error {
	return c.claimOnlineAs(s, false)
}

// claimOnlineAs is claimOnline; leaving writes the presence in transit at
// once (the game was told where to reconnect), so the close that follows
// has nothing left to write.
func (c *Call) claimOnlineAs(s *Session, leaving bool) error {
	key := kvKey(s.CapcomID)
	ctx := c.ctx
	memo := c.s.onlineMemo
	p := Presence{Conn: c.Conn, Edge: c.Edge, Ticket: s.Ticket, Name: s.HunterName, FmpServer: s.FmpServer, Transit: leaving, Since: c.s.cfg.Now()}
	if s.LeftServer {
		p.FmpServer = 0
	}
	if s.OnlineRev == 0 && !memo.holds(key) {
		// The session never wrote a presence and this process knows of
		// none: most likely there is none (a first login, or the last
		// one ended), so create it without reading first. One that
		// exists makes the create fail, and the loop below reads it.
		rev, err := memo.create(c.ctx, key, p)
		if err == nil {
			s.OnlineRev = rev
			return nil
		}
		if !isConflict(err) {
			return fmt.Errorf("%w: claim Capcom ID %s: %w", errUnavailable, s.CapcomID, err)
		}
	}
	for attempt := 0; attempt < 8; attempt++ {
		if attempt == 1 {
			ctx = withLeaderReads(ctx, c.s.nc)
		}
		var cur Presence
		rev, found, _, err := memo.get(ctx, key, &cur)
		if err != nil {
			return err
		}
		if !found {
			rev, err = memo.create(c.ctx, key, p)
		} else {
			handOver := cur.Transit && cur.Ticket != "" && cur.Ticket == s.Ticket
			if cur.Conn != c.Conn && !handOver {
				c.logger().Info("Capcom ID logged in again, closing the older connection", "capcom_id", s.CapcomID, "old_conn", cur.Conn)
				if err := c.Kick(cur.Conn, textLoggedInElsewhere); err != nil {
					return err
				}
			}
			rev, err = memo.update(c.ctx, key, p, rev)
		}
		if err == nil {
			s.OnlineRev = rev
			return nil
		}
		if !isConflict(err) {
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

// connClosed cleans up after a connection an edge announced closed; the
// announcement carries the connection's last session.
func (s *Service) connClosed(ctx context.Context, m *nats.Msg) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn := m.Header.Get(bus.HeaderConn)
	var sess Session
	if conn == "" || s.sessions.decode(m.Header.Get(bus.HeaderSession), &sess) != nil {
		return
	}
	log := func() *slog.Logger { return s.log.With("conn", conn, "capcom_id", sess.CapcomID) }
	// An entry this process remembers at the revision the session last
	// wrote is what the bucket holds, unless a request ended without its
	// answer (its write may be newer than the session): then only the
	// bucket is believed.
	settled := m.Header.Get(bus.HeaderUnsettled) == ""
	wroteLast := func(rev, sessionRev uint64) bool { return settled && sessionRev != 0 && rev == sessionRev }
	cleanTicket := func() {
		if sess.Ticket == "" {
			return
		}
		key := kvKey(sess.Ticket)
		err := ifMine(ctx, s.ticketMemo, key, func(rec *ticketRecord) bool { return rec.Holder == conn }, func(rev uint64, rec *ticketRecord, cached bool) error {
			if sess.Reconnect {
				// The game comes back with the ticket: the next
				// connection takes the session as this one left it
				// (already there when it was written in transit and
				// nothing changed since).
				left := sess
				left.TicketRev = 0
				if rec.Transit && reflect.DeepEqual(rec.Session, left) {
					if cached && !wroteLast(rev, sess.TicketRev) {
						return errAskBucket
					}
					return nil
				}
				rec.Transit, rec.Since, rec.Session = true, s.cfg.Now(), left
				_, err := s.ticketMemo.update(ctx, key, *rec, rev)
				return err
			}
			return s.ticketMemo.delete(ctx, key, rev)
		})
		if err != nil {
			log().Debug("ticket changed meanwhile", "err", err)
		}
	}
	// A logout deletes ticket and presence: two writes that wait on
	// nothing of each other, made at once.
	var wg sync.WaitGroup
	atOnce := sess.CapcomID != "" && !sess.Reconnect
	if atOnce {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cleanTicket()
		}()
	}
	if sess.CapcomID != "" {
		// Out of the world as MH3SP's departure does; a server change
		// keeps the new server until the game arrives there. Only an FMP
		// connection can have put its hunter in the world, and only one
		// whose session says so (or that left a request unanswered).
		if m.Subject == bus.ClosedSubject("fmp") && (sess.InWorld || !settled) {
			if err := s.depart(ctx, sess.CapcomID, conn, "disconnected", sess.Reconnect); err != nil {
				log().Warn("departure of a closed connection", "err", err)
			}
		}
		key := kvKey(sess.CapcomID)
		err := ifMine(ctx, s.onlineMemo, key, func(p *Presence) bool { return p.Conn == conn }, func(rev uint64, cur *Presence, cached bool) error {
			if sess.Reconnect {
				if cur.Transit && cached && !wroteLast(rev, sess.OnlineRev) {
					return errAskBucket
				}
				if cur.Transit {
					return nil // written so when the game was sent on
				}
				cur.Transit, cur.Since = true, s.cfg.Now()
				_, err := s.onlineMemo.update(ctx, key, *cur, rev)
				return err
			}
			return s.onlineMemo.delete(ctx, key, rev)
		})
		if err != nil {
			log().Debug("presence changed meanwhile", "err", err)
		}
	}
	if atOnce {
		wg.Wait()
	} else {
		cleanTicket()
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		log().Debug("connection cleaned up", "reason", m.Header.Get(bus.HeaderReason))
	}
}
