// Package wiitls is the OPN server's TLS: what Dolphin and real Wii
// consoles can both talk to.
//
// Dolphin sends a modern ClientHello; crypto/tls serves it, with TLS 1.0
// and the Wii's RSA-key-exchange suites (and 3DES and RC4-SHA) enabled by
// listing them in tls.Config.CipherSuites and setting MinVersion. That is
// enough in Go 1.26: no GODEBUG setting (tlsrsakex, tls3des, tls10server)
// is needed, since those only change the defaults used when a Config
// leaves CipherSuites or MinVersion unset.
//
// A real console sends an SSLv2-format (backward-compatible) CLIENT-HELLO
// (RFC 2246 appendix E.2), which crypto/tls rejects. For that one case this
// package runs its own TLS 1.0 server handshake (RSA key exchange with
// AES-128-CBC-SHA, preferred as the reference server does, AES-256-CBC-SHA,
// RC4-128-SHA or RC4-128-MD5) and a TLS 1.0 record layer. The premaster
// secret is decrypted with crypto/rsa's Bleichenbacher-safe
// DecryptPKCS1v15SessionKey; a bad padding or version only shows as a
// Finished that does not verify. CBC padding is checked without branching
// on secret data, but the MAC is computed over the unpadded length as in
// classic TLS 1.0 stacks, so this path is not hardened against Lucky13-style
// timing: TLS 1.0 with CBC is what the console speaks and nothing better
// can be offered to it.
package wiitls

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
)

// Config is what Server needs. Set it up once and share it between
// connections; do not copy it after first use.
type Config struct {
	// Certificate is the server's chain (leaf first) and its RSA private
	// key; the SSLv2-hello path only does RSA key exchange.
	Certificate tls.Certificate

	once   sync.Once
	modern *tls.Config
}

// modernSuites are the suites offered to modern-format hellos. Listing them
// explicitly is what enables the RSA-key-exchange, 3DES and RC4 ones Go
// leaves out of its defaults; the Wii's SSL library has nothing newer.
var modernSuites = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	tls.TLS_RSA_WITH_RC4_128_SHA,
}

func (c *Config) tlsConfig() *tls.Config {
	c.once.Do(func() {
		c.modern = &tls.Config{
			Certificates: []tls.Certificate{c.Certificate},
			MinVersion:   tls.VersionTLS10,
			CipherSuites: modernSuites,
			// Classic curves only: the post-quantum hybrid Go offers by
			// default (X25519MLKEM768) costs a third of a handshake here
			// and protects nothing a Wii game needs.
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
		}
	})
	return c.modern
}

// State describes a connection returned by Server or Client.
type State struct {
	// SSLv2Hello is true when the client opened with an SSLv2-format
	// hello, as a real Wii does.
	SSLv2Hello  bool
	Version     uint16 // tls.VersionTLS10 and so on
	CipherSuite uint16 // a TLS cipher suite ID; tls.CipherSuiteName names most
}

// StateOf returns the state of a connection made by this package (false
// for any other net.Conn).
func StateOf(c net.Conn) (State, bool) {
	switch c := c.(type) {
	case *conn:
		return State{SSLv2Hello: true, Version: versionTLS10, CipherSuite: c.suite}, true
	case *tls.Conn:
		s := c.ConnectionState()
		return State{Version: s.Version, CipherSuite: s.CipherSuite}, true
	}
	return State{}, false
}

// ErrNotTLS is wrapped by the error Server returns when the first bytes are
// not a TLS client hello of either format.
var ErrNotTLS = errors.New("not a TLS client hello")

// Server runs the server side of the handshake on an accepted connection
// and returns a connection carrying the decrypted application data.
//
// The caller bounds the handshake: set a deadline on conn before calling,
// and every read and write of the handshake fails once it passes, so
// Server returns. Server changes no deadline; clear it after a successful
// return if the connection should then live on. On error the caller
// closes conn. The returned connection's Close, deadlines and addresses
// act on conn.
//
// The first byte decides the path: 0x16 (a TLS handshake record) goes to
// crypto/tls; a set high bit followed by an SSLv2 CLIENT-HELLO for TLS 1.0
// or later goes to this package's TLS 1.0 handshake. Anything else is an
// error wrapping ErrNotTLS that shows the first bytes that arrived.
func Server(conn net.Conn, cfg *Config) (net.Conn, error) {
	if cfg == nil || len(cfg.Certificate.Certificate) == 0 || cfg.Certificate.PrivateKey == nil {
		return nil, errors.New("wiitls: no server certificate configured")
	}
	c := newConn(conn)
	// One read takes whatever the client has sent so far (at least a byte).
	if err := c.fill(1); err != nil {
		return nil, fmt.Errorf("wiitls: waiting for a client hello: %w", err)
	}
	switch first := c.buffered()[0]; {
	case first == recordHandshake:
		tc := tls.Server(&replayConn{Conn: conn, buf: c.buffered()}, cfg.tlsConfig())
		if err := tc.Handshake(); err != nil {
			return nil, fmt.Errorf("wiitls: handshake (modern hello): %w", err)
		}
		return tc, nil
	case first&0x80 != 0:
		if err := c.fill(sslv2Peek); err != nil {
			return nil, fmt.Errorf("wiitls: reading an SSLv2-format hello (got % x): %w", c.buffered(), err)
		}
		if err := checkSSLv2Start(c.buffered()); err != nil {
			return nil, fmt.Errorf("wiitls: %w: %w (first bytes % x)", ErrNotTLS, err, head(c.buffered()))
		}
		if err := c.serverHandshake(cfg); err != nil {
			return nil, fmt.Errorf("wiitls: handshake (SSLv2-format hello): %w", err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("wiitls: %w: first bytes % x", ErrNotTLS, head(c.buffered()))
}

// head is at most the first 16 bytes of b, for error messages.
func head(b []byte) []byte { return b[:min(len(b), 16)] }

// replayConn returns bytes already read from Conn before reading on.
type replayConn struct {
	net.Conn
	buf []byte
}

func (c *replayConn) Read(b []byte) (int, error) {
	if len(c.buf) > 0 {
		n := copy(b, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
