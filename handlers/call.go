package handlers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/projection"
)

// Call is one packet being handled: who sent it, what state the handler
// read, and what goes out. A handler reads state through the Call and
// states its result (answers, events to append, pushes to other
// connections, room broadcasts, membership changes); it never touches
// NATS or the store itself. The pipeline (handle) applies the result in
// one order: events, session, kept answer, pushes, reply.
type Call struct {
	ctx context.Context
	s   *Service
	// log is made on first use (logger): a logger with attributes costs
	// more to make than most packets cost to handle, and most log nothing.
	log    *slog.Logger
	Server string // opn, lmp, fmp, rfp
	Conn   string // connection id
	Edge   string // edge process holding the connection
	Req    string // request id (stable across retries)
	Remote string
	Seq    uint16
	ID     pat.ID
	// Membership the edge holds for the connection, sent with its
	// notifications (relays are stamped and routed with it).
	LayerRoom, CircleRoom, Tag string

	// sessionIn is the session the edge sent (bus.HeaderSession);
	// sessionOut, when set, is the changed one to hand back.
	sessionIn  string
	sessionOut *string

	payload []byte
	out     []byte
	close   bool
	pushes  []push
	appends []appendOp
	// appended counts the events this request stored, in every run
	// (bus.HeaderEvents): what one run stored stays stored.
	appended int
	sess     *sessionRef
	// Membership changes of the requesting connection, handed to its edge
	// with the reply (see bus.HeaderLayer).
	member map[string]string
	// loggedIn: this run completed a login that took loginTook (metrics).
	loggedIn  bool
	loginTook time.Duration
	// console is the console this run last read (Service.console), so
	// a packet that looks at it twice reads its stream once; cleared by
	// the run's own appends to it and when the run starts again.
	console *projection.Console
}

// push is frames for another connection, or for every member of a room.
type push struct {
	conn  string // a connection, or
	room  string // a room (bus.RoomSubject)
	skip  string // a connection of the room that must not get it
	data  []byte
	close bool
	// member: membership changes for the receiving connection.
	member map[string]string
}

// appendOp is events to append to one stream with an expected version.
type appendOp struct {
	stream   string
	expected uint64
	evs      []events.Envelope
}

// route is one packet's handler.
type route struct {
	// servers lists where the game sends the packet; elsewhere it is
	// ignored as an unsupported packet (routing by the listener's server,
	// as the game does, not by the id's category).
	servers []string
	// mutates marks handlers that change state: the request id is claimed
	// before any side effect and the answer is kept under it, so a
	// retried request gets the first attempt's answer.
	mutates bool
	// pure marks handlers that answer from memory alone (no KV, no store).
	pure bool
	fn   func(*Call, []byte) error
}

func (r route) servedOn(server string) bool {
	for _, s := range r.servers {
		if s == server {
			return true
		}
	}
	return false
}

// on adapts a typed handler: the payload is decoded into M first. A
// payload larger than the game ever sends for that packet
// (pat.MaxRequestPayload) is refused as malformed before any decoding.
func on[M any, P interface {
	*M
	pat.Message
}](fn func(*Call, P) error) func(*Call, []byte) error {
	return func(c *Call, payload []byte) error {
		if max := pat.MaxRequestPayload(c.ID); len(payload) > max {
			return fmt.Errorf("%w: %s payload of %d bytes, the game sends at most %d", errBadPacket, c.ID, len(payload), max)
		}
		var m M
		p := P(&m)
		if err := pat.Unmarshal(payload, p); err != nil {
			return fmt.Errorf("%w: %w", errBadPacket, err)
		}
		return fn(c, p)
	}
}

// errBadPacket marks client faults: a malformed packet or an identifier
// that cannot be one. The player is told the packet was bad; it is not
// logged as an outage.
var errBadPacket = errors.New("malformed packet")

// badID wraps an identifier validation error as a client fault.
func badID(err error) error {
	if errors.Is(err, ids.ErrInvalid) {
		return fmt.Errorf("%w: %w", errBadPacket, err)
	}
	return err
}

// Answer appends m to the answer, echoing the request's seq.
func (c *Call) Answer(m pat.Message) error {
	return c.send(c.Seq, m)
}

// Notify appends a server-initiated packet for the requester (seq 0, as
// MH3SP sends them).
func (c *Call) Notify(m pat.Message) error {
	return c.send(0, m)
}

func (c *Call) send(seq uint16, m pat.Message) error {
	out, err := pat.AppendMessage(c.out, seq, m)
	if err != nil {
		return err
	}
	c.out = out
	return nil
}

// Alert answers with an AnsAlert message box for the request's answer id;
// the client stays usable.
func (c *Call) Alert(text string) error {
	return c.Answer(&pat.AnsAlert{Answer: c.ID.Answer(), Message: []byte(text)})
}

// CloseAfter makes the edge close the connection after writing the answer.
func (c *Call) CloseAfter() { c.close = true }

// Kick sends NtcShut with a message to another connection, on any edge,
// and has that edge close it.
func (c *Call) Kick(conn, text string) error {
	frame, err := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(text)})
	if err != nil {
		return err
	}
	c.pushes = append(c.pushes, push{conn: conn, data: frame, close: true})
	return nil
}

// PushTo sends m to another connection, wherever it is.
func (c *Call) PushTo(conn string, seq uint16, m pat.Message) error {
	frame, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		return err
	}
	c.pushes = append(c.pushes, push{conn: conn, data: frame})
	return nil
}

// Broadcast sends m to every member of a room; with skipSelf the
// requesting connection does not get it.
func (c *Call) Broadcast(room string, skipSelf bool, seq uint16, m pat.Message) error {
	frame, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		return err
	}
	p := push{room: room, data: frame}
	if skipSelf {
		p.skip = c.Conn
	}
	c.pushes = append(c.pushes, p)
	return nil
}

// Append queues events for a stream, expected at version expected. The
// pipeline appends them after the handler returns, in the order queued;
// if any stream moved meanwhile, the handler runs again on fresh state.
// No events is nothing to do (a decision that changed nothing, such as a
// retry that finds its first attempt applied).
func (c *Call) Append(stream string, expected uint64, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	op := appendOp{stream: stream, expected: expected}
	for _, e := range evs {
		env, err := events.Encode(c.eventID(fmt.Sprintf("%s@%d/%d", stream, expected, len(op.evs))), e)
		if err != nil {
			return err
		}
		op.evs = append(op.evs, env)
	}
	c.appends = append(c.appends, op)
	return nil
}

// SetMembership tells the requester's edge which room the connection is
// in for a kind of membership (bus.HeaderLayer, bus.HeaderCircle, ...);
// "" leaves it.
func (c *Call) SetMembership(header, value string) {
	if c.member == nil {
		c.member = map[string]string{}
	}
	c.member[header] = value
}

// reset drops what a run of the handler produced, before it runs again.
func (c *Call) reset() {
	c.out, c.close, c.pushes, c.appends, c.sess, c.member, c.sessionOut = nil, false, nil, nil, nil, nil, nil
	c.loggedIn, c.loginTook = false, 0
	c.console = nil
}

// logger is the call's logger, with the packet's attributes.
func (c *Call) logger() *slog.Logger {
	if c.log == nil {
		c.log = c.s.log.With("server", c.Server, "conn", c.Conn, "packet", c.ID.String(), "seq", c.Seq)
	}
	return c.log
}

// debug logs at debug level, making the call's logger only when that
// level is on: most packets log nothing, and the logger's attributes
// cost more than the rest of a small packet's handling.
func (c *Call) debug(msg string, args ...any) { c.logAt(slog.LevelDebug, msg, args...) }

// info logs at info level, the same way (a busy server often runs at
// warn).
func (c *Call) info(msg string, args ...any) { c.logAt(slog.LevelInfo, msg, args...) }

func (c *Call) logAt(level slog.Level, msg string, args ...any) {
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if c.s.log.Enabled(ctx, level) {
		c.logger().Log(ctx, level, msg, args...)
	}
}

// maxRuns bounds how often a handler runs again after a conflict.
const maxRuns = 8

// handlerTimeout bounds a handler when the edge sent no deadline.
const handlerTimeout = 10 * time.Second

// testHookAfterRun, when set, runs after a handler decided and before its
// result is applied (tests slow a handler down with it).
var testHookAfterRun func(c *Call)

// testHookPanic, when set, runs before each handler: tests make it panic.
var testHookPanic func(c *Call)

// handle serves one packet and returns the answer's frames and headers
// (nil headers: no answer, the edge retries). inProcess is set when the
// edge called from this process and waits for the return (Local): the
// answer cannot be lost on its way, and a retry can only start once this
// attempt ended, so the reply cache is not used; a retry of a failed
// attempt recomputes its answer from the request id as after a crash.
func (s *Service) handle(ctx context.Context, server string, h nats.Header, frame []byte, inProcess bool) (data []byte, hdr nats.Header) {
	defer func() {
		// Handlers recover their own panics (Call.runOnce); this catches
		// one in what surrounds them, so that it too ends one connection
		// and not the process.
		if v := recover(); v != nil {
			c := &Call{s: s, Server: server, Conn: h.Get(bus.HeaderConn)}
			if len(frame) >= pat.HeaderSize {
				c.ID = pat.ID(binary.BigEndian.Uint32(frame[4:8]))
			}
			c.logger().Error("packet handling panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			data, hdr = s.failed(c, fmt.Errorf("%w: %v", errPanic, v))
		}
	}()
	out := nats.Header{}
	pkts, err := pat.SplitFrames(frame)
	if err != nil || len(pkts) != 1 {
		s.log.Warn("request is not one frame", "err", err, "frames", len(pkts))
		s.m.Request(server, 0, metrics.Error, 0)
		return nil, out
	}
	p := pkts[0]
	outcome := metrics.OK
	if s.m != nil {
		start := time.Now()
		defer func() { s.m.Request(server, p.ID, outcome, time.Since(start)) }()
	}
	c := &Call{
		s:      s,
		Server: server,
		Conn:   h.Get(bus.HeaderConn),
		Edge:   h.Get(bus.HeaderEdge),
		Req:    h.Get(bus.HeaderReq),
		Remote: h.Get(bus.HeaderRemote),
		Seq:    p.Seq,
		ID:     p.ID,

		sessionIn:  h.Get(bus.HeaderSession),
		LayerRoom:  h.Get(bus.HeaderLayer),
		CircleRoom: h.Get(bus.HeaderCircle),
		Tag:        h.Get(bus.HeaderTag),
		payload:    p.Payload,
	}
	// The edge gives up on the request at its deadline and may retry it:
	// the handler must stop working on this attempt by then too.
	deadline := time.Now().Add(handlerTimeout)
	if ms, err := strconv.ParseInt(h.Get(bus.HeaderDeadline), 10, 64); err == nil {
		if d := time.UnixMilli(ms); d.Before(deadline) {
			deadline = d
		}
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c.ctx = ctx

	r, ok := s.routes[uint32(p.ID)]
	if !ok || !r.servedOn(server) {
		switch {
		case ok:
			c.logger().Info("packet not served on this server, ignored", "size", len(p.Payload))
		case p.ID.Known():
			c.logger().Info("unsupported packet, ignored", "size", len(p.Payload))
		default:
			c.logger().Warn("unknown packet id, ignored", "size", len(p.Payload))
		}
		outcome = metrics.Ignored
		return nil, out
	}
	cached := r.mutates && c.Req != "" && !inProcess
	if cached {
		kept, err := s.replies.claim(ctx, c.Req, deadline)
		if err != nil {
			// Without the reply cache a retry recomputes the answer
			// (identifiers and event ids come from the request id): go on.
			c.logger().Warn("request id not claimed", "err", err)
		}
		if kept != nil {
			c.debug("answering a retried request with the first attempt's answer", "req", c.Req)
			kept.header(out)
			return kept.Data, out
		}
	}
	c.debug("handling")
	if err := s.runPatiently(c, r, deadline); err != nil {
		if cached {
			s.replies.release(context.WithoutCancel(ctx), c.Req)
		}
		outcome = errOutcome(err)
		if transient(err) && h.Get(bus.HeaderDeadline) != "" {
			// The edge retries the packet when this attempt's deadline
			// passes without an answer (and tells the player only when
			// its attempts are spent): a dependency that is back by then
			// (a NATS node lost, its streams electing new leaders) costs
			// the player a wait, not the connection.
			c.logger().Warn("dependency unavailable, leaving the packet to the edge's retry", "err", err)
			return nil, nil
		}
		return s.failed(c, err)
	}
	// Pushes go out before the answer is kept: a retry that finds the
	// kept answer does not run the handler again, so its pushes must be
	// out by then. They share the connection with the keep's KV write,
	// which NATS gets after them.
	for _, ps := range c.pushes {
		s.publish(c, ps)
	}
	if cached {
		s.replies.keep(ctx, c.Req, reply{Data: c.out, Close: c.close, Member: c.member, Session: c.sessionOut, Events: c.appended})
	}
	(&reply{Close: c.close, Member: c.member, Session: c.sessionOut, Events: c.appended}).header(out)
	if c.loggedIn {
		s.m.Login(c.loginTook)
	}
	return c.out, out
}

// errOutcome classifies a failed packet for the metrics.
func errOutcome(err error) metrics.Outcome {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return metrics.Timeout
	case errors.Is(err, errUnavailable):
		return metrics.Unavailable
	}
	return metrics.Error
}

// transient reports whether err is a dependency that may be back soon:
// the store or a bucket unavailable, or the attempt's time run out.
func transient(err error) bool {
	return errors.Is(err, errUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

// runPatiently is run, tried again after a pause while a dependency is
// unavailable and the attempt's deadline has not come.
func (s *Service) runPatiently(c *Call, r route, deadline time.Time) error {
	pause := 50 * time.Millisecond
	for {
		err := s.run(c, r)
		if err == nil || !transient(err) || c.ctx.Err() != nil || time.Until(deadline) < 2*pause {
			return err
		}
		c.debug("dependency unavailable, trying again", "err", err, "in", pause)
		t := time.NewTimer(pause)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, 400*time.Millisecond)
	}
}

// run runs the handler and applies its events and session, running it
// again on fresh state when a stream or the session moved meanwhile.
func (s *Service) run(c *Call, r route) error {
	for n := 1; ; n++ {
		c.reset()
		if n == 2 {
			// What this run lost to may be a follower's stale answer:
			// decide again on what the leaders hold.
			c.ctx = withLeaderReads(c.ctx, s.nc)
		}
		err := c.runOnce(r)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, errSessionMoved) {
			return err
		}
		if n == maxRuns {
			return fmt.Errorf("%w: state keeps changing under %s: %w", errUnavailable, c.ID, err)
		}
		c.debug("state moved meanwhile, deciding again", "err", err, "run", n)
	}
}

// errPanic marks a handler that panicked. The connection that sent the
// packet is closed as after any failed request; no other player notices
// (one hostile packet must not end the process and everyone on it).
var errPanic = errors.New("handler panicked")

// runOnce runs r's handler once and applies its result. A panic in
// either is recovered and reported as errPanic, with the stack in the
// log: what it left half done is what a handler process killed at that
// moment would leave, which the pipeline tolerates (a retry, a sweep).
func (c *Call) runOnce(r route) (err error) {
	defer func() {
		if v := recover(); v != nil {
			c.logger().Error("handler panicked", "panic", fmt.Sprint(v), "size", len(c.payload), "stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	if testHookPanic != nil {
		testHookPanic(c)
	}
	if err := r.fn(c, c.payload); err != nil {
		return err
	}
	if testHookAfterRun != nil {
		testHookAfterRun(c)
	}
	return c.apply()
}

// apply appends the queued events in order, then saves the session.
func (c *Call) apply() error {
	for _, op := range c.appends {
		if _, err := c.s.store.Append(c.ctx, op.stream, op.expected, op.evs); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return err
			}
			return fmt.Errorf("%w: append to %s: %w", errUnavailable, op.stream, err)
		}
		c.appended += len(op.evs)
	}
	return c.commitSession()
}

func (s *Service) publish(c *Call, ps push) {
	subject := bus.ConnSubject(ps.conn)
	if ps.room != "" {
		subject = bus.RoomSubject(ps.room)
	}
	m := nats.NewMsg(subject)
	m.Data = ps.data
	if ps.skip != "" {
		m.Header.Set(bus.HeaderSkip, ps.skip)
	}
	(&reply{Close: ps.close, Member: ps.member}).header(m.Header)
	if ps.close {
		m.Header.Set(bus.HeaderReason, "kicked by "+c.Conn)
	}
	if err := s.nc.PublishMsg(m); err != nil {
		c.logger().Warn("push", "to", subject, "err", err)
	}
}

// Texts shown to the player when a packet cannot be served.
const (
	textUnavailable = "<LF=2><BODY><CENTER>The server is temporarily unavailable.<BR><BODY>Please try again in a few minutes.<END>"
)

// failed ends the connection the way MH3SP does when a handler raises: an
// NtcShut (seq 0) with the error text, then close. Client faults are
// reported as such; only failures of the parts handlers depend on are
// logged as outages and told as "temporarily unavailable".
func (s *Service) failed(c *Call, err error) ([]byte, nats.Header) {
	out := nats.Header{}
	out.Set(bus.HeaderClose, "1")
	out.Set(bus.HeaderError, err.Error())
	var text string
	switch {
	case errors.Is(err, errBadPacket):
		c.logger().Info("client sent a bad packet", "err", err)
		text = pat.ErrorShutText(err.Error())
	case errors.Is(err, errUnavailable) || errors.Is(err, context.DeadlineExceeded):
		c.logger().Error("dependency unavailable", "err", err)
		text = textUnavailable
	case errors.Is(err, errPanic):
		// Logged with its stack where it was recovered; the player is
		// told no more than that the request could not be handled.
		text = pat.ErrorShutText(c.ID.String())
	default:
		c.logger().Warn("packet failed", "err", err)
		text = pat.ErrorShutText(err.Error())
	}
	if len(text) > pat.MaxShutMessage {
		text = text[:pat.MaxShutMessage]
	}
	frame, ferr := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(text)})
	if ferr != nil {
		return nil, out
	}
	return frame, out
}
