package wiitls

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/certs"
)

var testCert = sync.OnceValues(certs.SelfSigned)

func testConfig(tb testing.TB) *Config {
	tb.Helper()
	cert, err := testCert()
	if err != nil {
		tb.Fatal(err)
	}
	return &Config{Certificate: cert}
}

// serverResult is what the echo server saw of one connection.
type serverResult struct {
	state State
	err   error      // from Server
	done  chan error // the echo loop's end: nil after a clean EOF
}

// echoServer listens on 127.0.0.1, runs Server on every connection (with
// a deadline on the handshake) and echoes what it reads.
func echoServer(t *testing.T) (addr string, results chan serverResult) {
	t.Helper()
	cfg := testConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	results = make(chan serverResult, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveEcho(c, cfg, results)
		}
	}()
	return ln.Addr().String(), results
}

func serveEcho(c net.Conn, cfg *Config, results chan<- serverResult) {
	defer c.Close()
	// A deadline, not a threshold: it only keeps a broken client from
	// holding the goroutine forever.
	c.SetDeadline(time.Now().Add(20 * time.Second))
	tc, err := Server(c, cfg)
	if err != nil {
		results <- serverResult{err: err}
		return
	}
	c.SetDeadline(time.Time{})
	st, _ := StateOf(tc)
	r := serverResult{state: st, done: make(chan error, 1)}
	results <- r
	_, err = io.Copy(tc, tc)
	r.done <- err
	tc.Close()
}

func handshakeResult(t *testing.T, results chan serverResult) serverResult {
	t.Helper()
	r := <-results
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	return r
}

// exchange sends a PAT-like message (8-byte header, payload) and expects
// it back.
func exchange(t *testing.T, c net.Conn, payloadLen int) {
	t.Helper()
	msg := make([]byte, 8+payloadLen)
	binary.BigEndian.PutUint16(msg, uint16(payloadLen))
	binary.BigEndian.PutUint32(msg[2:], 0x61010200)
	rand.Read(msg[8:])
	errc := make(chan error, 1)
	go func() { _, err := c.Write(msg); errc <- err }()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("the echo differs from what was sent")
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// wiiHelloStart is what a Wii sends before its 16-byte random challenge.
var wiiHelloStart = mustHex("802b 0103 01 0012 0000 0010 000035 00002f 00000a 000009 000005 000004")

func TestClientSendsTheWiisHello(t *testing.T) {
	cs, ss := net.Pipe()
	defer cs.Close()
	go Client(cs, nil)
	got := make([]byte, 45)
	if _, err := io.ReadFull(ss, got); err != nil {
		t.Fatal(err)
	}
	ss.Close()
	if !bytes.Equal(got[:29], wiiHelloStart) {
		t.Fatalf("hello % x, want % x and a challenge", got[:29], wiiHelloStart)
	}
}

func TestParseWiiHello(t *testing.T) {
	challenge := mustHex("0102030405060708090a0b0c0d0e0f10")
	msg := append(append([]byte(nil), wiiHelloStart[2:]...), challenge...)
	h, err := parseSSLv2Hello(msg)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.suites) != fmt.Sprint(WiiSuites) || h.version != 0x0301 || !bytes.Equal(h.challenge, challenge) {
		t.Fatalf("parsed %+v", h)
	}
	if r := h.clientRandom(); !bytes.Equal(r, append(make([]byte, 16), challenge...)) {
		t.Errorf("client random %x: the challenge goes right-aligned", r)
	}
	if s := chooseSuite(h.suites); s.id != suiteAES128SHA {
		t.Errorf("chose %04x from the Wii's list, the reference picks AES128-SHA", s.id)
	}
}

func TestSSLv2HelloEverySuite(t *testing.T) {
	addr, results := echoServer(t)
	for _, tc := range []struct {
		offer []uint16
		want  uint16
	}{
		{nil, suiteAES128SHA}, // the Wii's own list
		{[]uint16{suiteAES128SHA}, suiteAES128SHA},
		{[]uint16{suiteAES256SHA}, suiteAES256SHA},
		{[]uint16{suiteRC4SHA}, suiteRC4SHA},
		{[]uint16{suiteRC4MD5}, suiteRC4MD5},
	} {
		t.Run(fmt.Sprintf("%04x", tc.offer), func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			c, err := Client(nc, tc.offer)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := handshakeResult(t, results)
			want := State{SSLv2Hello: true, Version: tls.VersionTLS10, CipherSuite: tc.want}
			if got, _ := StateOf(c); r.state != want || got != want {
				t.Fatalf("server state %+v, client state %+v, want %+v", r.state, got, want)
			}
			exchange(t, c, 0)
			exchange(t, c, 8)
			exchange(t, c, 40000) // several records each way
		})
	}
}

func TestSSLv2HelloNoSharedSuite(t *testing.T) {
	addr, results := echoServer(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_, err = Client(nc, []uint16{0x000A})
	var alert alertError
	if !errors.As(err, &alert) || alert != alertHandshakeFailure {
		t.Errorf("client: %v, want a handshake_failure alert", err)
	}
	if r := <-results; r.err == nil || !strings.Contains(r.err.Error(), "no cipher suite in common") {
		t.Errorf("server: %v", r.err)
	}
}

func TestClientKeyExchangeForms(t *testing.T) {
	addr, results := echoServer(t)
	dial := func(o clientOptions) (*conn, error) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return clientHandshake(nc, o)
	}
	t.Run("without length prefix", func(t *testing.T) {
		c, err := dial(clientOptions{noLengthPrefix: true})
		if err != nil {
			t.Fatal(err)
		}
		handshakeResult(t, results)
		exchange(t, c, 8)
	})
	t.Run("wrong Finished", func(t *testing.T) {
		_, err := dial(clientOptions{badFinished: true})
		var alert alertError
		if !errors.As(err, &alert) || alert != alertDecryptError {
			t.Errorf("client: %v, want a decrypt_error alert", err)
		}
		if r := <-results; r.err == nil || !strings.Contains(r.err.Error(), "Finished does not verify") {
			t.Errorf("server: %v", r.err)
		}
	})
	t.Run("wrong premaster version", func(t *testing.T) {
		// The server goes on with a random premaster, so the client's
		// Finished record fails its MAC check.
		_, err := dial(clientOptions{premasterVer: 0x0300})
		var alert alertError
		if !errors.As(err, &alert) || alert != alertBadRecordMAC {
			t.Errorf("client: %v, want a bad_record_mac alert", err)
		}
		if r := <-results; r.err == nil || !strings.Contains(r.err.Error(), "client's Finished") {
			t.Errorf("server: %v, want a failure at the client's Finished", r.err)
		}
	})
}

// pipePair handshakes over net.Pipe and returns the client's conn and the
// server's.
func pipePair(t *testing.T, suite uint16) (client, server *conn) {
	t.Helper()
	cs, ss := net.Pipe()
	t.Cleanup(func() { cs.Close(); ss.Close() })
	type res struct {
		c   net.Conn
		err error
	}
	done := make(chan res, 1)
	go func() { c, err := Server(ss, testConfig(t)); done <- res{c, err} }()
	c, err := clientHandshake(cs, clientOptions{suites: []uint16{suite}})
	if err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return c, r.c.(*conn)
}

func TestRecordsSplitAndCoalesced(t *testing.T) {
	for _, s := range suitePreference {
		t.Run(fmt.Sprintf("%04x", s), func(t *testing.T) {
			c, srv := pipePair(t, s)
			var stream []byte
			stream = c.out.seal(stream, recordApplicationData, nil) // empty records are allowed
			stream = c.out.seal(stream, recordApplicationData, []byte("01234567"))
			stream = c.out.seal(stream, recordApplicationData, nil)
			stream = c.out.seal(stream, recordAlert, []byte{1, 112}) // a warning: ignored
			stream = c.out.seal(stream, recordApplicationData, []byte("payload"))
			want := "01234567payload"
			go func() {
				half := len(stream) / 2
				// Byte by byte, then the rest in one write.
				for i := range half {
					if _, err := c.Conn.Write(stream[i : i+1]); err != nil {
						return
					}
				}
				c.Conn.Write(stream[half:])
			}()
			got := make([]byte, len(want))
			if _, err := io.ReadFull(srv, got); err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("read %q, want %q", got, want)
			}
		})
	}
}

// readAsync reads from c in the background: over net.Pipe a peer's alert
// write blocks until someone reads it.
func readAsync(c net.Conn) chan error {
	errc := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 64)); errc <- err }()
	return errc
}

// closedByServer says whether the server closed its end of the pipe.
func closedByServer(t *testing.T, srv *conn) {
	t.Helper()
	if _, err := srv.Conn.Read(make([]byte, 1)); err != io.ErrClosedPipe {
		t.Errorf("after a fatal alert the server left its connection open (%v)", err)
	}
}

func TestBadRecordMAC(t *testing.T) {
	for _, s := range suitePreference {
		t.Run(fmt.Sprintf("%04x", s), func(t *testing.T) {
			c, srv := pipePair(t, s)
			rec := c.out.seal(nil, recordApplicationData, []byte("tampered"))
			rec[recordHeader+3] ^= 0x40
			go c.Conn.Write(rec)
			clientRead := readAsync(c)
			if _, err := srv.Read(make([]byte, 8)); !errors.Is(err, errBadRecordMAC) {
				t.Errorf("server read: %v, want bad record MAC", err)
			}
			if err := <-clientRead; !errors.Is(err, alertError(alertBadRecordMAC)) {
				t.Errorf("client read: %v, want a bad_record_mac alert", err)
			}
			closedByServer(t, srv)
		})
	}
}

func TestBadPadding(t *testing.T) {
	c, srv := pipePair(t, suiteAES128SHA)
	// A record with the right MAC whose padding bytes disagree with the
	// padding length: 10 bytes of data, 20 of MAC, 07 01.
	payload := []byte("0123456789")
	body := c.out.computeMAC(append([]byte(nil), payload...), recordApplicationData, payload)
	body = append(body, 7, 1)
	c.out.seq++
	c.out.block.CryptBlocks(body, body)
	rec := append([]byte{recordApplicationData, 3, 1, 0, byte(len(body))}, body...)
	go c.Conn.Write(rec)
	clientRead := readAsync(c)
	if _, err := srv.Read(make([]byte, 16)); !errors.Is(err, errBadRecordMAC) {
		t.Errorf("server read: %v, want bad record MAC", err)
	}
	if err := <-clientRead; !errors.Is(err, alertError(alertBadRecordMAC)) {
		t.Errorf("client read: %v, want a bad_record_mac alert", err)
	}
}

func TestCheckPadding(t *testing.T) {
	for _, tc := range []struct {
		b     []byte
		strip int
		good  int
	}{
		{[]byte{9, 0}, 1, 1},
		{[]byte{9, 2, 2, 2}, 3, 1},
		{[]byte{9, 3, 2, 2}, 0, 0},
		{[]byte{2, 2}, 0, 0}, // longer than the record
		{[]byte{1, 1}, 2, 1},
		{append(bytes.Repeat([]byte{255}, 300), 255), 256, 1},
	} {
		if strip, good := checkPadding(tc.b); strip != tc.strip || good != tc.good {
			t.Errorf("checkPadding(% x) = %d, %d, want %d, %d", tc.b[max(0, len(tc.b)-8):], strip, good, tc.strip, tc.good)
		}
	}
}

func TestOversizedRecord(t *testing.T) {
	c, srv := pipePair(t, suiteAES128SHA)
	go c.Conn.Write([]byte{recordApplicationData, 3, 1, (maxCiphertext + 1) >> 8, (maxCiphertext + 1) & 0xff})
	clientRead := readAsync(c)
	if _, err := srv.Read(make([]byte, 8)); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("server read: %v", err)
	}
	if err := <-clientRead; !errors.Is(err, alertError(alertRecordOverflow)) {
		t.Errorf("client read: %v, want a record_overflow alert", err)
	}
}

func TestCloseNotifyIsEOF(t *testing.T) {
	addr, results := echoServer(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c, err := clientHandshake(nc, clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := handshakeResult(t, results)
	exchange(t, c, 8)
	c.sendAlert(alertCloseNotify)
	if err := <-r.done; err != nil {
		t.Errorf("server's echo ended with %v, want a clean EOF", err)
	}
	// The server then closes, with a close_notify of its own.
	if n, err := c.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("client read after the server's close: %d, %v, want io.EOF", n, err)
	}
}

func TestPeerClosesWithoutCloseNotify(t *testing.T) {
	t.Run("at a record boundary", func(t *testing.T) {
		c, srv := pipePair(t, suiteAES128SHA)
		go func() {
			c.Write([]byte("last words"))
			c.Conn.Close()
		}()
		got, err := io.ReadAll(srv)
		if err != nil || string(got) != "last words" {
			t.Errorf("read %q, %v; want the data, then io.EOF", got, err)
		}
	})
	t.Run("inside a record", func(t *testing.T) {
		c, srv := pipePair(t, suiteAES128SHA)
		go func() {
			rec := c.out.seal(nil, recordApplicationData, []byte("cut short"))
			c.Conn.Write(rec[:len(rec)-1])
			c.Conn.Close()
		}()
		if _, err := srv.Read(make([]byte, 16)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("read: %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

// TestReadTimeoutIsNotFatal: a Read that times out halfway through a
// record loses nothing; the next Read goes on.
func TestReadTimeoutIsNotFatal(t *testing.T) {
	c, srv := pipePair(t, suiteAES128SHA)
	rec := c.out.seal(nil, recordApplicationData, []byte("patience"))
	rest := make(chan struct{})
	go func() {
		c.Conn.Write(rec[:10])
		<-rest
		c.Conn.Write(rec[10:])
	}()
	srv.Conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := srv.Read(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read: %v, want the deadline's error", err)
	}
	srv.Conn.SetReadDeadline(time.Time{})
	close(rest)
	got := make([]byte, 8)
	if _, err := io.ReadFull(srv, got); err != nil || string(got) != "patience" {
		t.Fatalf("read %q, %v after the timeout", got, err)
	}
}

// TestHandshakeEndsAtTheCallersDeadline: a client that stalls anywhere in
// the handshake makes Server return once the deadline set by the caller
// passes.
func TestHandshakeEndsAtTheCallersDeadline(t *testing.T) {
	fullHello := append(append([]byte(nil), wiiHelloStart...), make([]byte, 16)...)
	for name, send := range map[string][]byte{
		"silent":                         nil,
		"first byte of an SSLv2 hello":   {0x80},
		"half an SSLv2 hello":            fullHello[:20],
		"SSLv2 hello, then nothing":      fullHello,
		"half a modern record header":    {0x16, 0x03},
		"modern hello cut short":         {0x16, 0x03, 0x01, 0x00, 0x80, 0x01, 0x00},
		"high-bit byte and no more data": {0x81, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if _, err := nc.Write(send); err != nil {
				t.Fatal(err)
			}
			sc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			sc.SetDeadline(time.Now().Add(200 * time.Millisecond))
			c, err := Server(sc, testConfig(t))
			if err == nil {
				c.Close()
				t.Fatal("handshake succeeded")
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("%v, want the deadline's error", err)
			}
		})
	}
}

func TestNotTLS(t *testing.T) {
	for _, tc := range []struct {
		name, send, want string
	}{
		{"http", "GET / HTTP/1.0\r\n\r\n", "47 45 54 20 2f"},
		{"sslv2 server hello", "\x80\x2b\x04\x03\x01", "SSLv2 message type 4"},
		{"sslv2 hello for SSL 3.0", "\x80\x2b\x01\x03\x00", "version 0x0300"},
		{"sslv2 record too short", "\x80\x05\x01\x03\x01", "SSLv2 record of 5 bytes"},
		{"sslv2 record too long", "\xff\xff\x01\x03\x01", "SSLv2 record of 32767 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, ss := net.Pipe()
			defer cs.Close()
			defer ss.Close()
			go cs.Write([]byte(tc.send))
			_, err := Server(ss, testConfig(t))
			if !errors.Is(err, ErrNotTLS) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v, want ErrNotTLS saying %q", err, tc.want)
			}
		})
	}
}

func TestBadSSLv2Hello(t *testing.T) {
	// Lengths that do not add up: the server says so and alerts.
	hello := append(append([]byte(nil), wiiHelloStart...), make([]byte, 16)...)
	hello[10] = 0x11 // challenge length 17
	cs, ss := net.Pipe()
	defer cs.Close()
	defer ss.Close()
	go func() {
		cs.Write(hello)
		io.Copy(io.Discard, cs)
	}()
	if _, err := Server(ss, testConfig(t)); err == nil || !strings.Contains(err.Error(), "do not add up") {
		t.Errorf("server: %v", err)
	}
}

func TestModernHelloGoClient(t *testing.T) {
	addr, results := echoServer(t)
	for _, tc := range []struct {
		name    string
		cfg     *tls.Config
		version uint16
		suite   uint16
	}{
		{"tls1.0 AES128-SHA", &tls.Config{MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"tls1.0 AES256-SHA", &tls.Config{MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA}}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_256_CBC_SHA},
		{"tls1.0 RC4-SHA", &tls.Config{MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}}, tls.VersionTLS10, tls.TLS_RSA_WITH_RC4_128_SHA},
		{"tls1.0 3DES", &tls.Config{MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}, tls.VersionTLS10, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
		{"tls1.0 the Wii's suites", &tls.Config{MaxVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_RC4_128_SHA}}, tls.VersionTLS10, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		// Which AEAD wins depends on the CPU (AES hardware or not).
		{"tls1.2 default", &tls.Config{MaxVersion: tls.VersionTLS12}, tls.VersionTLS12, 0},
		{"tls1.3 default", &tls.Config{}, tls.VersionTLS13, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.Clone()
			cfg.InsecureSkipVerify = true
			cfg.MinVersion = tls.VersionTLS10
			c, err := tls.Dial("tcp", addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := handshakeResult(t, results)
			if r.state.Version != tc.version || tc.suite != 0 && r.state.CipherSuite != tc.suite || r.state.SSLv2Hello {
				t.Errorf("server state %+v, want version %04x suite %s", r.state, tc.version, tls.CipherSuiteName(tc.suite))
			}
			exchange(t, c, 8)
		})
	}
}

func TestStateOfOtherConns(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, ok := StateOf(a); ok {
		t.Error("StateOf a plain pipe")
	}
}

func TestServerWithoutCertificate(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := Server(a, &Config{}); err == nil {
		t.Error("Server ran without a certificate")
	}
}

// FuzzSSLv2Hello feeds arbitrary bytes to the hello parser and, as the
// opening of a connection, to the SSLv2 detection in Server.
func FuzzSSLv2Hello(f *testing.F) {
	f.Add(append(append([]byte(nil), wiiHelloStart...), make([]byte, 16)...))
	f.Add([]byte{0x80, 0x0c, 1, 3, 1, 0, 3, 0, 0, 0, 16})
	f.Add([]byte{0x80, 0x2b, 1, 3, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0xff, 0xff})
	cfg := testConfig(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 2 {
			msg := b[2:]
			h, err := parseSSLv2Hello(msg)
			if err == nil {
				if len(h.challenge) < 16 || len(h.challenge) > 32 || h.version < versionTLS10 ||
					3*len(h.suites) > len(msg) || !bytes.Equal(h.raw, msg) {
					t.Fatalf("accepted a bad hello: %+v", h)
				}
				if r := h.clientRandom(); len(r) != 32 || !bytes.HasSuffix(r, h.challenge) {
					t.Fatalf("client random %x", r)
				}
			}
		}
		if len(b) == 0 || b[0]&0x80 == 0 {
			return // modern hellos are crypto/tls's business
		}
		c, err := Server(&bytesConn{r: bytes.NewReader(b)}, cfg)
		if err == nil {
			c.Close()
			t.Fatal("a handshake completed with no client")
		}
	})
}

// bytesConn is a net.Conn whose input is fixed and whose output is
// discarded.
type bytesConn struct {
	net.Conn
	r *bytes.Reader
}

func (c *bytesConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *bytesConn) Write(b []byte) (int, error) { return len(b), nil }
func (c *bytesConn) Close() error                { return nil }

func BenchmarkSSLv2Handshake(b *testing.B) {
	cfg := testConfig(b)
	for b.Loop() {
		cs, ss := net.Pipe()
		done := make(chan error, 1)
		go func() { _, err := Server(ss, cfg); done <- err }()
		if _, err := Client(cs, nil); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		cs.Close()
		ss.Close()
	}
}
