// Package gameclient is a PAT client that behaves like the game on the
// wire: it answers ReqConnection and ReqLineCheck, numbers its requests
// and matches answers by seq. The features, the load tool and the
// benchmarks drive servers with it.
package gameclient

import (
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
}

// New wraps an established connection (plain or TLS).
func New(conn net.Conn) *Client {
	return &Client{conn: conn, Timeout: 10 * time.Second}
}

// Dial opens a plain TCP connection.
func Dial(addr string) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

// DialTLS opens a TLS connection the way Dolphin does (modern hello),
// forced to TLS 1.0 with a Wii cipher suite when legacy is set.
func DialTLS(addr string, legacy bool) (*Client, error) {
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: "mh.capcom.co.jp"}
	if legacy {
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
		cfg.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	return New(c), nil
}

// DialWii opens a TLS connection the way a real console does: an
// SSLv2-format hello offering the Wii's suites.
func DialWii(addr string) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
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
	for {
		p, err := c.read()
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

func (c *Client) read() (pat.Packet, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.Timeout))
	var hdr [pat.HeaderSize]byte
	if _, err := io.ReadFull(c.conn, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return pat.Packet{}, ErrClosed
		}
		return pat.Packet{}, err
	}
	h, err := pat.ParseHeader(hdr[:], pat.MaxPayload)
	if err != nil {
		return pat.Packet{}, err
	}
	p := pat.Packet{Seq: h.Seq, ID: h.ID, Payload: make([]byte, h.Size)}
	if _, err := io.ReadFull(c.conn, p.Payload); err != nil {
		return p, err
	}
	c.mu.Lock()
	c.Seen = append(c.Seen, h.ID)
	c.mu.Unlock()
	return p, nil
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
			return p, fmt.Errorf("waiting for %s: got %s: %q", id, p.ID, a.Message)
		}
		// Anything else (notifications) is skipped, as the game would.
	}
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
	Waiting pat.ID
}

func (e *ShutError) Error() string {
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
