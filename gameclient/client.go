// Package gameclient is a PAT client that behaves like the game on the
// wire: it answers ReqConnection and ReqLineCheck, numbers its requests
// and matches answers by seq. The features, the load tool and the
// benchmarks drive servers with it.
package gameclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/mh3net/mh3net/edge/wiitls"
	"github.com/mh3net/mh3net/pat"
)

// Client is one game connection.
type Client struct {
	conn    net.Conn
	seq     uint16
	Timeout time.Duration // per expected packet (default 10 s)
	// Seen records every packet id received, in order (for assertions).
	mu   sync.Mutex
	Seen []pat.ID
	buf  []pat.Packet // received but not yet consumed
	// notes are packets that arrived while waiting for something else
	// (notifications, mostly), in order, for Notice to find.
	notes []pat.Packet
}

// New wraps an established connection (plain or TLS).
func New(conn net.Conn) *Client {
	return &Client{conn: conn, Timeout: 10 * time.Second}
}

// Dialer opens the game's connections; LocalIP, when set, is the source
// address (Linux routes all of 127.0.0.0/8 to lo, so tests of
// per-address limits can play different consoles from one machine).
// The package-level Dial, DialTLS, DialWii and logins use the zero Dialer.
type Dialer struct {
	LocalIP string
}

func (d Dialer) tcp(addr string) (net.Conn, error) {
	nd := &net.Dialer{Timeout: 5 * time.Second}
	if d.LocalIP != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(d.LocalIP)}
	}
	return nd.Dial("tcp", addr)
}

// Dial opens a plain TCP connection.
func Dial(addr string) (*Client, error) { return Dialer{}.Dial(addr) }

// DialTLS opens a TLS connection the way Dolphin does (modern hello),
// forced to TLS 1.0 with a Wii cipher suite when legacy is set.
func DialTLS(addr string, legacy bool) (*Client, error) { return Dialer{}.DialTLS(addr, legacy) }

// DialWii opens a TLS connection the way a real console does: an
// SSLv2-format hello offering the Wii's suites.
func DialWii(addr string) (*Client, error) { return Dialer{}.DialWii(addr) }

// Dial opens a plain TCP connection.
func (d Dialer) Dial(addr string) (*Client, error) {
	c, err := d.tcp(addr)
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

// DialTLS opens a TLS connection the way Dolphin does (modern hello),
// forced to TLS 1.0 with a Wii cipher suite when legacy is set.
func (d Dialer) DialTLS(addr string, legacy bool) (*Client, error) {
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: "mh.capcom.co.jp"}
	if legacy {
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
		cfg.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}
	}
	c, err := d.tcp(addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, cfg)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return New(tc), nil
}

// DialWii opens a TLS connection the way a real console does: an
// SSLv2-format hello offering the Wii's suites.
func (d Dialer) DialWii(addr string) (*Client, error) {
	c, err := d.tcp(addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc, err := wiitls.Client(c, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return New(tc), nil
}

// SeenIDs returns a copy of the ids received so far, in order.
func (c *Client) SeenIDs() []pat.ID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pat.ID(nil), c.Seen...)
}

// Conn is the underlying connection.
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// WriteRaw writes bytes as they are (for malformed-input tests).
func (c *Client) WriteRaw(b []byte) error {
	_, err := c.conn.Write(b)
	return err
}

// Send sends a request with the next seq and returns that seq.
func (c *Client) Send(m pat.Message) (uint16, error) {
	c.seq++
	if c.seq == 0 {
		c.seq = 1 // the game never uses seq 0 for its requests
	}
	return c.seq, c.SendSeq(c.seq, m)
}

// SendSeq sends a packet with a given seq (answers to server requests).
func (c *Client) SendSeq(seq uint16, m pat.Message) error {
	b, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		return err
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	_, err = c.conn.Write(b)
	return err
}

// ErrClosed is returned once the server closed the connection.
var ErrClosed = errors.New("gameclient: connection closed by server")

// Next reads the next packet, answering ReqLineCheck on the way.
func (c *Client) Next() (pat.Packet, error) {
	if len(c.buf) > 0 {
		p := c.buf[0]
		c.buf = c.buf[1:]
		return p, nil
	}
	return c.nextBy(time.Now().Add(c.Timeout), nil)
}

// nextBy reads the next packet that is not a line check (answered on the
// way), waiting for its first byte until deadline or until interrupted
// reports true (checked after each deadline is set, so a deadline moved
// to the past by whoever interrupts is never overwritten unseen).
func (c *Client) nextBy(deadline time.Time, interrupted func() bool) (pat.Packet, error) {
	for {
		p, err := c.readFrame(deadline, interrupted)
		if err != nil {
			return p, err
		}
		if p.ID == pat.IDReqLineCheck {
			if err := c.SendSeq(p.Seq, &pat.AnsLineCheck{}); err != nil {
				return p, err
			}
			continue
		}
		return p, nil
	}
}

// errInterrupted ends a wait whose interrupted func reported true.
var errInterrupted = errors.New("gameclient: wait interrupted")

// readFrame waits for a frame's first byte until deadline; once it has
// one, it reads the rest of the frame within Timeout whatever happens to
// the deadline meanwhile, so an interrupted wait never leaves half a
// frame unread (which would desynchronise the connection).
func (c *Client) readFrame(deadline time.Time, interrupted func() bool) (pat.Packet, error) {
	c.conn.SetReadDeadline(deadline)
	if interrupted != nil && interrupted() {
		return pat.Packet{}, errInterrupted
	}
	var hdr [pat.HeaderSize]byte
	n, err := c.conn.Read(hdr[:])
	if n == 0 {
		if err == nil {
			err = io.ErrNoProgress
		}
		if errors.Is(err, io.EOF) {
			return pat.Packet{}, ErrClosed
		}
		return pat.Packet{}, err
	}
	start := time.Now()
	if err := c.rest(hdr[n:], start); err != nil {
		return pat.Packet{}, err
	}
	h, err := pat.ParseHeader(hdr[:], pat.MaxPayload)
	if err != nil {
		return pat.Packet{}, err
	}
	p := pat.Packet{Seq: h.Seq, ID: h.ID, Payload: make([]byte, h.Size)}
	if err := c.rest(p.Payload, start); err != nil {
		return p, err
	}
	c.mu.Lock()
	c.Seen = append(c.Seen, h.ID)
	c.mu.Unlock()
	return p, nil
}

// rest fills b, the rest of a frame begun at start, within Timeout of
// start; a deadline set meanwhile by an interruption is set back.
func (c *Client) rest(b []byte, start time.Time) error {
	end := start.Add(c.Timeout)
	for len(b) > 0 {
		c.conn.SetReadDeadline(end)
		n, err := c.conn.Read(b)
		b = b[n:]
		if err == nil || len(b) == 0 {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && time.Now().Before(end) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// Listen is what a player does between actions: it reads whatever
// arrives for d, or until ctx ends, answering ReqLineCheck and handing
// every other packet to fn (the packets kept from earlier calls first)
// until fn returns true; nothing is kept. It returns nil once d has
// passed or fn returned true, ctx's error when ctx ended first, a
// *ShutError when the server sent NtcShut (handed to fn too), or the read
// error.
func (c *Client) Listen(ctx context.Context, d time.Duration, fn func(pat.Packet) bool) error {
	for len(c.notes) > 0 {
		p := c.notes[0]
		c.notes = c.notes[1:]
		if fn(p) {
			return nil
		}
	}
	until := time.Now().Add(d)
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		c.conn.SetReadDeadline(time.Now())
	})
	defer func() {
		if !stop() {
			<-done // its deadline must not land on the next read
		}
	}()
	interrupted := func() bool { return ctx.Err() != nil }
	for {
		p, err := c.nextBy(until, interrupted)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(until) {
				return nil
			}
			return err
		}
		enough := fn(p)
		if p.ID == pat.IDNtcShut {
			var s pat.NtcShut
			pat.Unmarshal(p.Payload, &s)
			return &ShutError{Message: string(s.Message), Waiting: 0}
		}
		if enough {
			return nil
		}
	}
}

// Expect reads packets until one with the given id arrives, decodes it
// into m (when not nil) and returns it. An NtcShut or an Alert/Ng answer
// arriving instead is returned as an error carrying its message.
func (c *Client) Expect(id pat.ID, m pat.Message) (pat.Packet, error) {
	for {
		p, err := c.Next()
		if err != nil {
			return p, fmt.Errorf("waiting for %s: %w", id, err)
		}
		if p.ID == id {
			if m != nil {
				if err := pat.Unmarshal(p.Payload, m); err != nil {
					return p, err
				}
			}
			return p, nil
		}
		if p.ID == pat.IDNtcShut {
			var s pat.NtcShut
			pat.Unmarshal(p.Payload, &s)
			return p, &ShutError{Message: string(s.Message), Waiting: id}
		}
		if p.ID.Base() == id.Base() && p.ID != id {
			var a pat.AnsAlert
			pat.Unmarshal(p.Payload, &a)
			return p, &ErrAlert{ID: p.ID, Message: string(a.Message)}
		}
		// Anything else (notifications) is kept for Notice.
		c.notes = append(c.notes, p)
	}
}

// Notice returns the first packet with id received so far or arriving
// within the client's Timeout (a notification, typically), decoding it
// into m when not nil. Other packets read meanwhile are kept.
func (c *Client) Notice(id pat.ID, m pat.Message) (pat.Packet, error) {
	for i, p := range c.notes {
		if p.ID == id {
			c.notes = append(c.notes[:i:i], c.notes[i+1:]...)
			return p, decodeInto(p, m)
		}
	}
	for {
		p, err := c.Next()
		if err != nil {
			return p, fmt.Errorf("waiting for %s: %w", id, err)
		}
		if p.ID == id {
			return p, decodeInto(p, m)
		}
		c.notes = append(c.notes, p)
	}
}

// Notices returns and forgets every kept packet with id.
func (c *Client) Notices(id pat.ID) []pat.Packet {
	var out, rest []pat.Packet
	for _, p := range c.notes {
		if p.ID == id {
			out = append(out, p)
		} else {
			rest = append(rest, p)
		}
	}
	c.notes = rest
	return out
}

// Pending returns and forgets every kept packet.
func (c *Client) Pending() []pat.Packet {
	out := c.notes
	c.notes = nil
	return out
}

// Drain reads whatever arrives within d and keeps it for Notice.
func (c *Client) Drain(d time.Duration) {
	old := c.Timeout
	c.Timeout = d
	defer func() { c.Timeout = old }()
	for {
		p, err := c.Next()
		if err != nil {
			return
		}
		c.notes = append(c.notes, p)
	}
}

func decodeInto(p pat.Packet, m pat.Message) error {
	if m == nil {
		return nil
	}
	return pat.Unmarshal(p.Payload, m)
}

// ExpectShut reads until the server sends NtcShut and returns its text.
func (c *Client) ExpectShut() (string, error) {
	for {
		p, err := c.Next()
		if err != nil {
			return "", fmt.Errorf("waiting for NtcShut: %w", err)
		}
		if p.ID == pat.IDNtcShut {
			var s pat.NtcShut
			if err := pat.Unmarshal(p.Payload, &s); err != nil {
				return "", err
			}
			return string(s.Message), nil
		}
	}
}

// ShutError is an NtcShut received while waiting for something else.
type ShutError struct {
	Message string
	Waiting pat.ID // 0 when it came while listening
}

func (e *ShutError) Error() string {
	if e.Waiting == 0 {
		return fmt.Sprintf("server sent NtcShut: %q", e.Message)
	}
	return fmt.Sprintf("server sent NtcShut while waiting for %s: %q", e.Waiting, e.Message)
}

// Call sends a request and waits for its answer (same seq), decoding it
// into ans.
func (c *Client) Call(req pat.Message, ans pat.Message) error {
	seq, err := c.Send(req)
	if err != nil {
		return err
	}
	p, err := c.Expect(ans.PacketID(), ans)
	if err != nil {
		return err
	}
	if p.Seq != seq {
		return fmt.Errorf("%s: answer seq %d, request seq %d", ans.PacketID(), p.Seq, seq)
	}
	return nil
}
