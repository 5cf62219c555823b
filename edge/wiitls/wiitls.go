// Package wiitls is the OPN server's TLS: what Dolphin and real Wii
// consoles can both talk to.
//
// Dolphin sends a modern ClientHello; crypto/tls serves it, with TLS 1.0
// and the Wii's RSA-key-exchange suites explicitly enabled. A real console
// sends an SSLv2-format (backward-compatible) CLIENT-HELLO, which
// crypto/tls rejects; for that one case this package runs its own TLS 1.0
// server handshake (RSA key exchange; AES-128/256-CBC-SHA, RC4-128-SHA,
// RC4-128-MD5), then a TLS 1.0 record layer. The RSA decryption is
// crypto/rsa's Bleichenbacher-safe DecryptPKCS1v15SessionKey.
package wiitls

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
)

// Config is the server's certificate.
type Config struct {
	Certificate tls.Certificate
}

// modern is the crypto/tls configuration for modern-format hellos.
func (c *Config) modern() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.Certificate},
		MinVersion:   tls.VersionTLS10,
		// Listing the suites enables the RSA-key-exchange and 3DES ones
		// Go leaves out by default; the Wii has nothing newer.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_RSA_WITH_AES_256_CBC_SHA,
			tls.TLS_RSA_WITH_RC4_128_SHA,
			tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		},
	}
}

// Server runs the server side of the handshake on an accepted connection
// and returns the connection carrying the decrypted stream. The caller
// bounds it with a deadline on conn (set before, cleared after): every
// read and write of the handshake fails once the deadline passes.
func Server(conn net.Conn, cfg *Config) (net.Conn, error) {
	var first [1]byte
	if _, err := io.ReadFull(conn, first[:]); err != nil {
		return nil, fmt.Errorf("wiitls: waiting for a client hello: %w", err)
	}
	pc := &prefixConn{Conn: conn, prefix: first[:]}
	switch {
	case first[0] == recordHandshake:
		tc := tls.Server(pc, cfg.modern())
		if err := tc.Handshake(); err != nil {
			return nil, fmt.Errorf("wiitls: handshake (modern hello): %w", err)
		}
		return tc, nil
	case first[0]&0x80 != 0:
		c, err := serverSSLv2Hello(pc, cfg)
		if err != nil {
			return nil, fmt.Errorf("wiitls: handshake (SSLv2-format hello): %w", err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("wiitls: not a TLS client hello: first byte 0x%02x", first[0])
}

// prefixConn replays bytes already read before reading from the socket.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
