package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/pat"
)

var syscallEMFILE = syscall.EMFILE

// Messages shown to the player in an NtcShut when the edge itself closes.
const (
	msgTimeout     = "<LF=8><BODY><CENTER>Connection timed out.<END>"
	msgBadPacket   = "<LF=8><BODY><CENTER>The server received a broken packet.<END>"
	msgFlood       = "<LF=8><BODY><CENTER>Too many packets at once.<END>"
	msgUnavailable = "<LF=8><BODY><CENTER>The server is not answering.<BR>Please try again later.<END>"
	msgShutdown    = "<LF=8><BODY><CENTER>The server is shutting down.<END>"
)

type conn struct {
	l      *Listener
	id     string
	remote string
	log    *slog.Logger

	net  net.Conn // the socket, or the TLS stream over it
	wmu  sync.Mutex
	done chan struct{}
	once sync.Once
	why  atomic.Pointer[string]

	queue  chan []byte // whole frames waiting for their turn, in order
	lineOK atomic.Bool
	reqN   atomic.Uint64
}

func (l *Listener) serveConn(ctx context.Context, raw net.Conn) {
	c := &conn{
		l:      l,
		id:     nuid.Next(),
		remote: raw.RemoteAddr().String(),
		net:    raw,
		done:   make(chan struct{}),
		queue:  make(chan []byte, l.cfg.QueueDepth),
	}
	c.log = l.log.With("conn", c.id, "remote", c.remote)
	l.track(c)
	defer l.untrack(c)

	if l.cfg.TLS != nil {
		raw.SetDeadline(time.Now().Add(l.cfg.HandshakeTimeout))
		tc, err := wiitls.Server(raw, l.cfg.TLS)
		if err != nil {
			c.log.Info("tls handshake failed", "err", err)
			c.close("tls handshake failed")
			return
		}
		raw.SetDeadline(time.Time{})
		c.net = tc
	}

	sub, err := l.nc.Subscribe(bus.ConnSubject(c.id), c.onPush)
	if err != nil {
		c.log.Error("subscribe push subject", "err", err)
		c.close("nats unavailable")
		return
	}
	c.log.Debug("connection open")

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.keepAlive() }()
	go func() { defer wg.Done(); c.work(ctx) }()

	c.readLoop()

	c.close("")
	close(c.queue)
	wg.Wait()
	sub.Unsubscribe()
	reason := *c.why.Load()
	c.log.Info("connection closed", "reason", reason)
	msg := nats.NewMsg(bus.ClosedSubject(l.cfg.Server))
	msg.Header.Set(bus.HeaderConn, c.id)
	msg.Header.Set(bus.HeaderEdge, l.cfg.EdgeID)
	msg.Header.Set(bus.HeaderReason, reason)
	if err := l.nc.PublishMsg(msg); err != nil {
		c.log.Warn("announce closed connection", "err", err)
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

// kick tells the player why (NtcShut) and closes.
func (c *conn) kick(reason, message string) {
	select {
	case <-c.done:
		return
	default:
	}
	frame, err := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(message)})
	if err == nil {
		c.write(frame)
	}
	c.close(reason)
}

func (c *conn) shutdown(reason string) { c.kick(reason, msgShutdown) }

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
func (c *conn) keepAlive() {
	cfg := c.l.cfg
	t := time.NewTimer(cfg.ConnectionDelay)
	defer t.Stop()
	select {
	case <-c.done:
		return
	case <-t.C:
	}
	frame, _ := pat.AppendMessage(nil, 0, &pat.ReqConnection{})
	c.lineOK.Store(true)
	if c.write(frame) != nil {
		return
	}
	tick := time.NewTicker(cfg.LineCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		if !c.lineOK.Swap(false) {
			c.log.Info("client missed a line check")
			c.kick("line check timeout", msgTimeout)
			return
		}
		frame, _ := pat.AppendMessage(nil, 0, &pat.ReqLineCheck{})
		if c.write(frame) != nil {
			return
		}
	}
}

// readLoop reads frames until the connection ends. Waiting for the first
// byte of a frame is bounded by three line-check intervals (a half-open
// peer); the rest of a frame must follow within BodyTimeout.
func (c *conn) readLoop() {
	cfg := c.l.cfg
	idle := 3*cfg.LineCheckInterval + cfg.ConnectionDelay
	var hdr [pat.HeaderSize]byte
	for {
		c.net.SetReadDeadline(time.Now().Add(idle))
		if _, err := io.ReadFull(c.net, hdr[:1]); err != nil {
			c.readFailed(err, "waiting for a packet")
			return
		}
		c.net.SetReadDeadline(time.Now().Add(cfg.BodyTimeout))
		if _, err := io.ReadFull(c.net, hdr[1:]); err != nil {
			c.readFailed(err, "reading a header")
			return
		}
		h, err := pat.ParseHeader(hdr[:], cfg.MaxPayload)
		if err != nil {
			c.log.Warn("bad frame", "err", err)
			c.kick("frame over the size limit", msgBadPacket)
			return
		}
		frame := make([]byte, pat.HeaderSize+int(h.Size))
		copy(frame, hdr[:])
		if _, err := io.ReadFull(c.net, frame[pat.HeaderSize:]); err != nil {
			c.readFailed(err, "reading the body of "+h.ID.String())
			return
		}
		if h.ID == pat.IDAnsLineCheck {
			c.lineOK.Store(true)
			continue
		}
		select {
		case c.queue <- frame:
		default:
			c.log.Warn("request queue full", "depth", cfg.QueueDepth)
			c.kick("request queue full", msgFlood)
			return
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
		c.log.Info("read timed out", "while", doing)
		c.kick("read timeout while "+doing, msgTimeout)
	default:
		c.log.Info("read failed", "while", doing, "err", err)
		c.kick("read failed while "+doing, msgBadPacket)
	}
}

// work sends the connection's packets to the handlers one at a time, in
// the order they arrived, and writes each answer before the next request.
func (c *conn) work(ctx context.Context) {
	for frame := range c.queue {
		select {
		case <-c.done:
			continue // drain
		default:
		}
		reply, err := c.request(ctx, frame)
		if err != nil {
			c.log.Error("no handler answered", "packet", pat.ID(beUint32(frame[4:8])).String(), "err", err)
			c.kick("handlers unavailable", msgUnavailable)
			continue
		}
		c.deliver(reply)
	}
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
		msg.Header.Set(bus.HeaderEdge, cfg.EdgeID)
		msg.Header.Set(bus.HeaderRemote, c.remote)
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
		c.log.Warn("handler request failed, retrying", "req", reqID, "attempt", attempt, "err", err)
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

// deliver writes the frames of a handler's answer or push and closes the
// connection when asked to.
func (c *conn) deliver(m *nats.Msg) {
	if e := m.Header.Get(bus.HeaderError); e != "" {
		c.log.Warn("handler reported an error", "err", e)
	}
	if len(m.Data) > 0 {
		if c.write(m.Data) != nil {
			return
		}
	}
	if m.Header.Get(bus.HeaderClose) == "1" {
		reason := m.Header.Get(bus.HeaderReason)
		if reason == "" {
			reason = "closed by handler"
		}
		c.close(reason)
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
