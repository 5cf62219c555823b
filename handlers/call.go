package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/pat"
)

// Call is one packet being handled: who sent it, and what goes back.
// Handlers append answers with Answer/Alert and never touch NATS.
type Call struct {
	ctx    context.Context
	s      *Service
	log    *slog.Logger
	Server string // opn, lmp, fmp, rfp
	Conn   string // connection id
	Req    string // request id (stable across retries)
	Remote string
	Seq    uint16
	ID     pat.ID

	out    []byte
	close  bool
	pushes []push
	sess   *sessionRef
}

type push struct {
	conn  string
	data  []byte
	close bool
}

// route is one packet's handler.
type route struct {
	// mutates marks handlers that change state: their answers are kept
	// under the request id, so a retried request gets the same answer.
	mutates bool
	// pure marks handlers that answer from memory alone (no KV, no store).
	pure bool
	fn   func(*Call, []byte) error
}

// on adapts a typed handler: the payload is decoded into M first.
func on[M any, P interface {
	*M
	pat.Message
}](fn func(*Call, P) error) func(*Call, []byte) error {
	return func(c *Call, payload []byte) error {
		var m M
		p := P(&m)
		if err := pat.Unmarshal(payload, p); err != nil {
			return fmt.Errorf("%w: %w", errBadPacket, err)
		}
		return fn(c, p)
	}
}

var errBadPacket = errors.New("malformed packet")

// Answer appends m to the answer, echoing the request's seq.
func (c *Call) Answer(m pat.Message) error {
	return c.send(c.Seq, m)
}

// Notify appends a server-initiated packet (seq 0, as MH3SP sends them).
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

func (s *Service) handle(ctx context.Context, server string, h nats.Header, frame []byte) ([]byte, nats.Header) {
	out := nats.Header{}
	pkts, err := pat.SplitFrames(frame)
	if err != nil || len(pkts) != 1 {
		s.log.Warn("request is not one frame", "err", err, "frames", len(pkts))
		return nil, out
	}
	p := pkts[0]
	c := &Call{
		ctx:    ctx,
		s:      s,
		Server: server,
		Conn:   h.Get(bus.HeaderConn),
		Req:    h.Get(bus.HeaderReq),
		Remote: h.Get(bus.HeaderRemote),
		Seq:    p.Seq,
		ID:     p.ID,
	}
	c.log = s.log.With("server", server, "conn", c.Conn, "packet", p.ID.String(), "seq", p.Seq)
	r, ok := s.routes[uint32(p.ID)]
	if !ok {
		if p.ID.Known() {
			c.log.Info("unsupported packet, ignored", "size", len(p.Payload))
		} else {
			c.log.Warn("unknown packet id, ignored", "size", len(p.Payload))
		}
		return nil, out
	}
	if r.mutates && c.Req != "" {
		if data, closeAfter, ok := s.kv.cachedReply(ctx, c.Req); ok {
			c.log.Debug("answering a retried request from the reply cache", "req", c.Req)
			if closeAfter {
				out.Set(bus.HeaderClose, "1")
			}
			return data, out
		}
	}
	c.log.Debug("handling")
	if err := r.fn(c, p.Payload); err != nil {
		return s.failed(c, err)
	}
	if err := c.commitSession(); err != nil {
		return s.failed(c, err)
	}
	for _, ps := range c.pushes {
		m := nats.NewMsg(bus.ConnSubject(ps.conn))
		m.Data = ps.data
		if ps.close {
			m.Header.Set(bus.HeaderClose, "1")
			m.Header.Set(bus.HeaderReason, "kicked by "+c.Conn)
		}
		if err := s.nc.PublishMsg(m); err != nil {
			c.log.Warn("push to connection", "to", ps.conn, "err", err)
		}
	}
	if r.mutates && c.Req != "" {
		s.kv.keepReply(ctx, c.Req, c.out, c.close)
	}
	if c.close {
		out.Set(bus.HeaderClose, "1")
	}
	return c.out, out
}

// Texts shown to the player when a packet cannot be served.
const (
	textError       = "<LF=2><BODY><CENTER>A communication error occurred.<BR><BODY>The server could not handle a request.<BR><LEFT>%s<END>"
	textUnavailable = "<LF=2><BODY><CENTER>The server is temporarily unavailable.<BR><BODY>Please try again in a few minutes.<END>"
)

// failed ends the connection the way MH3SP does when a handler raises: an
// NtcShut (seq 0) with the error text, then close.
func (s *Service) failed(c *Call, err error) ([]byte, nats.Header) {
	out := nats.Header{}
	out.Set(bus.HeaderClose, "1")
	out.Set(bus.HeaderError, err.Error())
	text := textUnavailable
	if errors.Is(err, errUnavailable) {
		c.log.Error("dependency unavailable", "err", err)
	} else {
		c.log.Warn("packet failed", "err", err)
		text = fmt.Sprintf(textError, wrap(err.Error(), 55, 6))
	}
	if len(text) > 0x1FF {
		text = text[:0x1FF]
	}
	frame, ferr := pat.AppendMessage(nil, 0, &pat.NtcShut{Message: []byte(text)})
	if ferr != nil {
		return nil, out
	}
	return frame, out
}

// wrap cuts s into lines of at most width bytes, at most lines of them,
// joined by the game's line-break tag.
func wrap(s string, width, lines int) string {
	var parts []string
	for len(s) > 0 && len(parts) < lines {
		n := min(width, len(s))
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(parts, "<BR>")
}
