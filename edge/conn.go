package edge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"golang.org/x/time/rate"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/fanout"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/pat"
)

var syscallEMFILE = syscall.EMFILE

// Messages shown to the player in an NtcShut when the edge itself closes.
const (
	msgTimeout     = "<LF=8><BODY><CENTER>Connection timed out.<END>"
	msgBadPacket   = "<LF=8><BODY><CENTER>The server received a broken packet.<END>"
	msgUnavailable = "<LF=8><BODY><CENTER>The server is not answering.<BR>Please try again later.<END>"
	msgShutdown    = "<LF=8><BODY><CENTER>The server is shutting down.<END>"
)

type conn struct {
	l      *Listener
	id     string
	edge   string // the edge's id when the connection was accepted
	remote string
	key    netip.Prefix // the address the gate counts it under

	net  net.Conn // the socket, or the TLS stream over it
	raw  net.Conn // the socket
	wmu  sync.Mutex
	done chan struct{}
	once sync.Once
	why  atomic.Pointer[string]

	// The read goroutine serves each request itself (serve), and a
	// writer runs only while frames wait to be written: an idle
	// connection has its read goroutine alone. busy counts the writers.
	ctx     context.Context
	writing bool
	busy    sync.WaitGroup
	// out are the frames waiting to be written, in order (under omu). A
	// slice, not a deep channel: an idle connection holds no buffer (a
	// 1 024-slot channel cost 40 KiB each).
	omu    sync.Mutex
	out    []outFrame
	oended bool // no writer starts any more
	// alive is the keep-alive timer: ReqConnection after the connection
	// delay, then a line check every interval (no goroutine per
	// connection waits for it).
	alive   atomic.Pointer[time.Timer]
	greeted atomic.Bool // alive's first firing is done
	lineOK  atomic.Bool
	reqN    atomic.Uint64

	// member is the membership handlers handed this connection (rooms it
	// is in, relay tag), by bus.MembershipHeaders position (an array: a
	// map cost every idle connection ~0.5 KiB).
	mmu    sync.Mutex
	member [len(bus.MembershipHeaders)]string
	// session is the connection's session as the handlers last handed it
	// (opaque here): sent with each request and with the close
	// announcement. Only the work goroutine touches it.
	session string
	// unsettled: a request ended without an answer that carried the
	// session (announced with the close, bus.HeaderUnsettled).
	unsettled atomic.Bool

	// For the close log line.
	opened                      time.Time
	framesIn, bytesIn, unknowns int64 // read loop only
	throttled                   int64 // read loop only: waits for a token
	eventWaits                  int64 // read loop only: waits while the address owes events
}

// logger is the connection's logger, made when something is logged: an
// idle connection logs nothing until it closes, and a logger kept per
// connection cost ~0.3 KiB each.
func (c *conn) logger() *slog.Logger {
	return c.l.log.With("edge", c.edge, "conn", c.id, "remote", c.remote)
}

// outFrame is bytes to write; closeAfter, when set, closes the connection
// once they are written (with that reason).
type outFrame struct {
	data       []byte
	closeAfter string
}

// outDepth is how many writes may wait for a slow client before it is
// dropped (room traffic must never wait on one socket).
const outDepth = 1024

func (l *Listener) serveConn(ctx context.Context, raw net.Conn) {
	c := &conn{
		l:      l,
		id:     l.newConnID(),
		edge:   l.cfg.Identity.ID(),
		remote: raw.RemoteAddr().String(),
		key:    ipKey(raw.RemoteAddr()),
		net:    raw,
		raw:    raw,
		done:   make(chan struct{}),
		ctx:    ctx,
		opened: time.Now(),
	}
	l.track(c)
	defer l.untrack(c)
	defer c.recoverPanic("handshake") // past it, the stages guard themselves

	if l.cfg.TLS != nil {
		raw.SetDeadline(time.Now().Add(l.cfg.HandshakeTimeout))
		tc, err := wiitls.Server(raw, l.cfg.TLS)
		if err != nil {
			c.logger().Info("tls handshake failed", "err", err)
			c.close("tls handshake failed")
			return
		}
		raw.SetDeadline(time.Time{})
		c.net = tc
	}

	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		c.logger().Debug("connection open")
	}

	alive := time.AfterFunc(time.Hour, c.keepAlive)
	c.alive.Store(alive)
	alive.Reset(l.cfg.ConnectionDelay)

	c.readGuarded()

	c.close("")
	alive.Stop()
	// No writer starts from now on; wait for the running one (the last
	// request's answer, an NtcShut being written).
	c.omu.Lock()
	c.oended = true
	c.omu.Unlock()
	c.busy.Wait()
	c.leaveRooms()
	reason := *c.why.Load()
	if l.log.Enabled(context.Background(), slog.LevelInfo) {
		c.logger().Info("connection closed", "reason", reason, "duration", time.Since(c.opened).Round(time.Millisecond),
			"frames_in", c.framesIn, "bytes_in", c.bytesIn, "unknown_dropped", c.unknowns, "throttled", c.throttled, "event_waits", c.eventWaits)
	}
	if c.session == "" {
		// Nothing of it was stored (OPN and RFP keep no session): the
		// handlers have nothing to clean up.
		return
	}
	msg := nats.NewMsg(bus.ClosedSubject(l.cfg.Server))
	msg.Header.Set(bus.HeaderConn, c.id)
	msg.Header.Set(bus.HeaderEdge, c.edge)
	msg.Header.Set(bus.HeaderReason, reason)
	msg.Header.Set(bus.HeaderSession, c.session)
	if c.unsettled.Load() {
		msg.Header.Set(bus.HeaderUnsettled, "1")
	}
	if l.cfg.LocalClosed != nil && l.cfg.LocalClosed(msg) {
		return
	}
	if err := l.nc.PublishMsg(msg); err != nil {
		c.logger().Warn("announce closed connection", "err", err)
	}
}

// close closes the socket once, remembering the first reason given.
func (c *conn) close(reason string) {
	c.once.Do(func() {
		if reason == "" {
			reason = "client closed"
		}
		c.why.Store(&reason)
		close(c.done)
		c.net.Close()
	})
}

// recoverPanic, deferred by the code that serves one connection, turns a
// panic there into the close of that connection alone, logged with its
// stack: no client's bytes may end the process and everyone on it.
func (c *conn) recoverPanic(where string) {
	if v := recover(); v != nil {
		c.logger().Error("connection panicked, closing it", "in", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		c.unsettled.Store(true)
		c.close("internal error")
	}
}

// readGuarded is readLoop under recoverPanic.
func (c *conn) readGuarded() {
	defer c.recoverPanic("read")
	c.readLoop()
}

// pushGuarded is onPush under recoverPanic.
func (c *conn) pushGuarded(m *nats.Msg) {
	defer c.recoverPanic("push")
	c.onPush(m)
}

// closed reports whether the connection is closing.
func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// lingerAfterShut bounds how long a closed connection's socket stays
// open after its last frame (an NtcShut), and lingerBytes what is read
// from it meanwhile.
const (
	lingerAfterShut = time.Second
	lingerBytes     = 64 << 10
)

// closeAfterShut closes once the last frame is written: it half-closes
// (FIN after the data) and reads what the client still sends, a bounded
// amount for a bounded time, before closing. Closing with the client's
// bytes unread (a flood, say) would send a reset that can destroy the
// NtcShut in the client's receive buffer before the game reads it.
func (c *conn) closeAfterShut(reason string) {
	c.once.Do(func() {
		c.why.Store(&reason)
		close(c.done)
		tc, ok := c.raw.(*net.TCPConn)
		if !ok || tc.CloseWrite() != nil {
			c.net.Close()
			return
		}
		stop := time.AfterFunc(lingerAfterShut, func() { tc.Close() })
		go func() {
			tc.SetReadDeadline(time.Now().Add(lingerAfterShut))
			io.Copy(io.Discard, io.LimitReader(tc, lingerBytes))
			stop.Stop()
			tc.Close()
		}()
	})
}

// kick tells the player why (NtcShut) and closes once it is written.
func (c *conn) kick(reason, message string) {
	select {
	case <-c.done:
		return
	default:
	}
	frame, err := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(message)})
	if err != nil {
		c.close(reason)
		return
	}
	c.send(outFrame{data: frame, closeAfter: reason})
	// Wait until the writer has sent it and closed, so a caller that
	// returns (the reader) does not close the socket under it.
	t := time.NewTimer(c.l.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.close(reason)
	}
}

func (c *conn) shutdown(reason string) { c.kick(reason, msgShutdown) }

// enqueue queues frames for the client.
func (c *conn) enqueue(b []byte) { c.send(outFrame{data: b}) }

// send queues a write; a client too slow to take its traffic is dropped.
// It starts a writer when none runs.
func (c *conn) send(f outFrame) { c.sendFrom(f, false) }

// sendFrom queues f; inline, the calling goroutine writes it itself when
// no write is under way, instead of starting a writer. The read
// goroutine does so with a request's answer: it has nothing else to do
// until the answer is out (the next request waits for it anyway), and a
// login's ~26 answers then cost no writer goroutine each.
func (c *conn) sendFrom(f outFrame, inline bool) {
	if c.closed() && f.closeAfter == "" {
		return
	}
	c.omu.Lock()
	n := len(c.out)
	if n >= outDepth {
		c.omu.Unlock()
		c.logger().Warn("client too slow to read its traffic, closing", "queued", n)
		c.close("write queue full")
		return
	}
	c.out = append(c.out, f)
	start := !c.writing && !c.oended
	if start {
		c.writing = true
		c.busy.Add(1)
	}
	c.omu.Unlock()
	switch {
	case start && inline:
		c.writeOut()
	case start:
		go c.writeOut()
	}
}

// writeOut writes the queued frames in order until none is left. Frames
// queued together go out in one write (one syscall, and one TLS record
// on OPN), which matters for room traffic and multi-frame answers.
func (c *conn) writeOut() {
	defer c.busy.Done()
	defer c.recoverPanic("write")
	var buf []byte
	for {
		c.omu.Lock()
		batch := c.out
		c.out = nil
		if len(batch) == 0 {
			c.writing = false
			c.omu.Unlock()
			return
		}
		c.omu.Unlock()
		for len(batch) > 0 {
			buf = buf[:0]
			closeAfter := ""
			for len(batch) > 0 && closeAfter == "" && (len(buf) == 0 || len(buf)+len(batch[0].data) <= 64<<10) {
				buf = append(buf, batch[0].data...)
				closeAfter = batch[0].closeAfter
				batch = batch[1:]
			}
			if len(buf) > 0 && c.write(buf) != nil {
				c.omu.Lock()
				c.writing, c.out = false, nil
				c.omu.Unlock()
				return
			}
			if closeAfter != "" {
				c.closeAfterShut(closeAfter)
				c.omu.Lock()
				c.writing, c.out = false, nil
				c.omu.Unlock()
				return
			}
		}
		if cap(buf) > 256<<10 {
			buf = nil // do not keep a flood's buffer
		}
	}
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.net.SetWriteDeadline(time.Now().Add(c.l.cfg.WriteTimeout))
	_, err := c.net.Write(b)
	if err != nil {
		c.close(fmt.Sprintf("write failed: %v", err))
	}
	return err
}

// keepAlive sends ReqConnection after the start delay, then ReqLineCheck
// every interval, and drops a client that let a line check go unanswered.
// keepAlive runs on the alive timer: the first time (after the
// connection delay) it sends ReqConnection, then every line-check
// interval a ReqLineCheck, closing a client that did not answer the last.
func (c *conn) keepAlive() {
	if c.closed() {
		return
	}
	cfg := c.l.cfg
	if !c.greeted.Swap(true) {
		frame, _ := pat.AppendMessage(nil, 0, &pat.ReqConnection{})
		c.lineOK.Store(true)
		c.enqueue(frame)
		c.alive.Load().Reset(cfg.LineCheckInterval)
		return
	}
	if !c.lineOK.Swap(false) {
		c.logger().Info("client missed a line check")
		c.kick("line check timeout", msgTimeout)
		return
	}
	frame, _ := pat.AppendMessage(nil, 0, &pat.ReqLineCheck{})
	c.enqueue(frame)
	c.alive.Load().Reset(cfg.LineCheckInterval)
}

// readBuffer is each connection's read buffer: a few position updates,
// small enough for tens of thousands of idle connections.
const readBuffer = 256

// readLoop reads frames until the connection ends. Waiting for the first
// byte of a frame is bounded by three line-check intervals (a half-open
// peer); the rest of a frame must follow within BodyTimeout. Every frame
// takes a token from the connection's bucket first: while it is empty
// the socket is not read. A frame whose id is not in the packet table is
// read past and dropped here, as MH3SP ignores it; line-check answers are
// noted. Everything else joins the queue for the handlers.
func (c *conn) readLoop() {
	cfg := c.l.cfg
	idle := 3*cfg.LineCheckInterval + cfg.ConnectionDelay
	lim := rate.NewLimiter(rate.Limit(cfg.RequestRate), cfg.RequestBurst)
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	var hdr [pat.HeaderSize]byte
	// One read takes what the socket holds (often a whole frame, or
	// several), instead of three reads per frame; a deadline is set only
	// before a read that may block.
	br := bufio.NewReaderSize(c.net, readBuffer)
	need := func(n int, d time.Duration) {
		if br.Buffered() < n {
			c.net.SetReadDeadline(time.Now().Add(d))
		}
	}
	for {
		if !c.throttle(lim, wait) || !c.repayEvents(wait) {
			return
		}
		need(1, idle)
		b, err := br.ReadByte()
		if err != nil {
			c.readFailed(err, "waiting for a packet")
			return
		}
		hdr[0] = b
		need(pat.HeaderSize-1, cfg.BodyTimeout)
		if _, err := io.ReadFull(br, hdr[1:]); err != nil {
			c.readFailed(err, "reading a header")
			return
		}
		h, err := pat.ParseHeader(hdr[:], cfg.MaxPayload)
		if err != nil {
			c.logger().Warn("bad frame", "err", err)
			c.kick("frame over the size limit", msgBadPacket)
			return
		}
		c.framesIn++
		c.bytesIn += pat.HeaderSize + int64(h.Size)
		need(int(h.Size), cfg.BodyTimeout)
		if h.ID == pat.IDAnsLineCheck || !h.ID.Known() {
			if _, err := br.Discard(int(h.Size)); err != nil {
				c.readFailed(err, "reading the body of "+h.ID.String())
				return
			}
			if h.ID == pat.IDAnsLineCheck {
				c.lineOK.Store(true)
			} else {
				c.unknowns++
				c.l.m.UnknownFrame()
				if c.l.log.Enabled(context.Background(), slog.LevelDebug) {
					c.logger().Debug("unknown packet id, dropped", "packet", h.ID.String(), "seq", h.Seq, "size", h.Size)
				}
			}
			continue
		}
		frame := make([]byte, pat.HeaderSize+int(h.Size))
		copy(frame, hdr[:])
		if _, err := io.ReadFull(br, frame[pat.HeaderSize:]); err != nil {
			c.readFailed(err, "reading the body of "+h.ID.String())
			return
		}
		if c.closed() {
			return // kicked meanwhile: nothing more goes to the handlers
		}
		if h.ID.IsNotification() {
			// Relays and reports need no answer: straight to the layer
			// (positions, layer binaries) or to the handlers (the rate
			// limit above bounds them).
			if c.l.cfg.Server == "fmp" && fanout.Local(h.ID) {
				if !c.relay(frame, h.ID) {
					return
				}
				continue
			}
			c.publishNtc(frame)
			continue
		}
		// The game sends its next request only after this one's answer,
		// so this goroutine serves it before reading on, as MH3SP serves
		// a connection: no hand-off to another goroutine per packet, and
		// what a client sends meanwhile waits in its socket (TCP slows
		// it), never in the edge's memory.
		c.serve(frame)
	}
}

// throttle takes a token for the next frame, waiting without reading the
// socket while the bucket is empty. It is false once the connection is
// closed.
func (c *conn) throttle(lim *rate.Limiter, wait *time.Timer) bool {
	d := lim.Reserve().Delay()
	if d <= 0 {
		return true
	}
	c.throttled++
	wait.Reset(d)
	select {
	case <-wait.C:
		return true
	case <-c.done:
		wait.Stop()
		return false
	}
}

// repayEvents waits, without reading the socket, while the connection's
// address owes events (eventbudget.go), a second at a time; the wait
// counts as an answered line check, since the edge is what does not
// read. It is false once the connection is closed.
func (c *conn) repayEvents(wait *time.Timer) bool {
	for {
		d := c.l.gate.eventDebt(c.key, time.Now())
		if d <= 0 {
			return true
		}
		c.eventWaits++
		c.lineOK.Store(true)
		wait.Reset(min(d, time.Second))
		select {
		case <-wait.C:
		case <-c.done:
			wait.Stop()
			return false
		}
	}
}

func (c *conn) readFailed(err error, doing string) {
	select {
	case <-c.done:
		return // closed on purpose
	default:
	}
	switch {
	case errors.Is(err, io.EOF) && doing == "waiting for a packet":
		c.close("client closed")
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.logger().Info("read timed out", "while", doing)
		c.kick("read timeout while "+doing, msgTimeout)
	default:
		c.logger().Info("read failed", "while", doing, "err", err)
		c.kick("read failed while "+doing, msgBadPacket)
	}
}

// serve sends one request to the handlers and delivers its answer.
func (c *conn) serve(frame []byte) {
	defer c.recoverPanic("request")
	id := pat.ID(beUint32(frame[4:8]))
	start := time.Now()
	reply, err := c.request(c.ctx, frame)
	c.l.m.Request(id, requestOutcome(reply, err), time.Since(start))
	if err != nil {
		c.unsettled.Store(true)
		c.logger().Error("no handler answered", "packet", id.String(), "err", err)
		c.kick("handlers unavailable", msgUnavailable)
		return
	}
	if reply.Header.Get(bus.HeaderError) != "" {
		c.unsettled.Store(true)
	}
	if v, ok := reply.Header[bus.HeaderSession]; ok && len(v) > 0 {
		c.session = v[0]
	}
	if v := reply.Header.Get(bus.HeaderEvents); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			c.l.gate.chargeEvents(c.key, n, time.Now())
		}
	}
	c.deliverFrom(reply, true)
}

// requestOutcome classifies a request's end for the metrics.
func requestOutcome(reply *nats.Msg, err error) metrics.Outcome {
	switch {
	case err == nil && reply.Header.Get(bus.HeaderError) != "":
		return metrics.Error
	case err == nil:
		return metrics.OK
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return metrics.Timeout
	}
	return metrics.Unavailable
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// request sends one frame to the handlers, retrying with the same request
// id when no handler answers in time (a handler may have died mid-request).
func (c *conn) request(ctx context.Context, frame []byte) (*nats.Msg, error) {
	cfg := c.l.cfg
	reqID := c.id + "." + strconv.FormatUint(c.reqN.Add(1), 10)
	var last error
	backoff := 50 * time.Millisecond
	for attempt := 1; attempt <= cfg.RequestAttempts; attempt++ {
		msg := nats.NewMsg(bus.RequestSubject(cfg.Server))
		msg.Data = frame
		msg.Header.Set(bus.HeaderConn, c.id)
		msg.Header.Set(bus.HeaderReq, reqID)
		msg.Header.Set(bus.HeaderEdge, c.edge)
		msg.Header.Set(bus.HeaderRemote, c.remote)
		if c.session != "" {
			msg.Header.Set(bus.HeaderSession, c.session)
		}
		msg.Header.Set(bus.HeaderDeadline, strconv.FormatInt(time.Now().Add(cfg.RequestTimeout).UnixMilli(), 10))
		if cfg.Local != nil && attempt == 1 {
			if data, hdr, ok := cfg.Local(cfg.Server, msg.Header, frame); ok {
				return &nats.Msg{Data: data, Header: hdr}, nil
			}
			// Declined, perhaps after working until the deadline: the
			// bus's attempt gets a deadline of its own.
			msg.Header.Set(bus.HeaderDeadline, strconv.FormatInt(time.Now().Add(cfg.RequestTimeout).UnixMilli(), 10))
		}
		rctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
		reply, err := c.l.nc.RequestMsgWithContext(rctx, msg)
		cancel()
		if err == nil {
			return reply, nil
		}
		last = err
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if attempt < cfg.RequestAttempts {
			c.l.m.Retry()
		}
		c.logger().Warn("handler request failed, retrying", "req", reqID, "attempt", attempt, "err", err)
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionReconnecting) {
			select {
			case <-time.After(backoff):
			case <-c.done:
				return nil, errors.New("connection closed")
			}
			backoff = min(2*backoff, time.Second)
		}
	}
	return nil, fmt.Errorf("request %s: %d attempts: %w", reqID, cfg.RequestAttempts, last)
}

// deliver applies the membership a handler's answer or push hands this
// connection, then queues its frames, closing after them when asked to.
func (c *conn) deliver(m *nats.Msg) { c.deliverFrom(m, false) }

// deliverFrom is deliver, writing in the calling goroutine when inline
// (see sendFrom).
func (c *conn) deliverFrom(m *nats.Msg, inline bool) {
	if e := m.Header.Get(bus.HeaderError); e != "" {
		c.logger().Warn("handler reported an error", "err", e)
	}
	c.applyMembership(m.Header)
	f := outFrame{data: m.Data}
	if m.Header.Get(bus.HeaderClose) == "1" {
		f.closeAfter = m.Header.Get(bus.HeaderReason)
		if f.closeAfter == "" {
			f.closeAfter = "closed by handler"
		}
	}
	if len(f.data) > 0 || f.closeAfter != "" {
		c.sendFrom(f, inline)
	}
}

func (c *conn) onPush(m *nats.Msg) {
	select {
	case <-c.done:
		return
	default:
	}
	c.deliver(m)
}

// applyMembership follows the rooms and tag a handler set for this
// connection: it leaves the room it was in for a kind and joins the new
// one. The edge never decides membership; it only applies it.
func (c *conn) applyMembership(h nats.Header) {
	for i, k := range bus.MembershipHeaders {
		vs, ok := h[k]
		if !ok {
			continue
		}
		v := ""
		if len(vs) > 0 {
			v = vs[0]
		}
		c.mmu.Lock()
		old := c.member[i]
		c.member[i] = v
		c.mmu.Unlock()
		if k == bus.HeaderTag || old == v {
			continue
		}
		if old != "" {
			c.l.rooms.leave(c, bus.RoomSubject(old))
		}
		if v != "" {
			c.l.rooms.join(c, bus.RoomSubject(v))
		}
	}
}

// leaveRooms drops the connection from every room it is in.
func (c *conn) leaveRooms() {
	c.mmu.Lock()
	defer c.mmu.Unlock()
	for i, k := range bus.MembershipHeaders {
		if r := c.member[i]; r != "" && k != bus.HeaderTag {
			c.l.rooms.leave(c, bus.RoomSubject(r))
		}
	}
	c.member = [len(bus.MembershipHeaders)]string{}
}

// relay stamps a position or layer binary with the tag the handlers gave
// the connection and publishes it to the connection's layer room, which
// every edge with members there delivers, skipping this connection. It
// is false when the frame was malformed and the connection is closed.
func (c *conn) relay(frame []byte, id pat.ID) bool {
	c.mmu.Lock()
	room, tag := c.member[memberLayer], c.member[memberTag]
	c.mmu.Unlock()
	if room == "" || tag == "" {
		if c.l.log.Enabled(context.Background(), slog.LevelDebug) {
			c.logger().Debug("relay from a connection outside the layer system, dropped", "packet", id.String())
		}
		c.l.m.Notification(id, metrics.OK)
		return true
	}
	out, err := fanout.Stamp(frame, tag)
	if err != nil {
		c.l.m.Notification(id, metrics.Error)
		c.logger().Info("client sent a bad relay", "packet", id.String(), "err", err)
		c.kick("malformed "+id.String(), pat.ErrorShutText("malformed packet: "+err.Error()))
		return false
	}
	subject := bus.RoomSubject(room)
	msg := nats.NewMsg(subject)
	msg.Data = out
	msg.Header.Set(bus.HeaderSkip, c.id)
	err = c.l.nc.PublishMsg(msg)
	if c.l.nc.Opts.NoEcho {
		// NATS does not hand this edge its own publications: its own
		// members of the room get the relay from here, at once.
		c.l.rooms.deliverHere(subject, out, c.id)
	}
	if err != nil {
		c.l.m.Notification(id, metrics.Unavailable)
		c.logger().Warn("publish relay", "err", err)
		return true
	}
	c.l.m.Notification(id, metrics.OK)
	return true
}

// Positions of the membership kinds in conn.member.
const (
	memberLayer = iota
	memberCircle
	memberTag
)

func init() {
	if bus.MembershipHeaders[memberLayer] != bus.HeaderLayer || bus.MembershipHeaders[memberCircle] != bus.HeaderCircle || bus.MembershipHeaders[memberTag] != bus.HeaderTag {
		panic("edge: membership positions out of step with bus.MembershipHeaders")
	}
}

// publishNtc hands a notification the game sent (a relay, chat, a
// report) to the handlers, with the connection's membership, without
// waiting for an answer: the game expects none.
func (c *conn) publishNtc(frame []byte) {
	msg := nats.NewMsg(bus.NtcSubject(c.l.cfg.Server))
	msg.Data = frame
	msg.Header.Set(bus.HeaderConn, c.id)
	msg.Header.Set(bus.HeaderEdge, c.edge)
	c.mmu.Lock()
	for i, v := range c.member {
		if v != "" {
			msg.Header.Set(bus.MembershipHeaders[i], v)
		}
	}
	c.mmu.Unlock()
	if err := c.l.nc.PublishMsg(msg); err != nil {
		c.l.m.Notification(pat.ID(beUint32(frame[4:8])), metrics.Unavailable)
		c.logger().Warn("publish notification", "err", err)
		return
	}
	c.l.m.Notification(pat.ID(beUint32(frame[4:8])), metrics.OK)
}
