package wiitls

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"testing"
)

// teeConn records what is written through it.
type teeConn struct {
	net.Conn
	sent bytes.Buffer
}

func (c *teeConn) Write(b []byte) (int, error) {
	c.sent.Write(b)
	return c.Conn.Write(b)
}

// recordClient runs a client against Server over net.Pipe and returns
// every byte the client sent: a real client's whole flight, handshake and
// one application record.
func recordClient(tb testing.TB, cfg *Config, client func(net.Conn) (net.Conn, error)) []byte {
	tb.Helper()
	cs, ss := net.Pipe()
	defer cs.Close()
	defer ss.Close()
	go func() {
		c, err := Server(ss, cfg)
		if err != nil {
			return
		}
		io.Copy(io.Discard, c)
	}()
	tee := &teeConn{Conn: cs}
	c, err := client(tee)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Write([]byte("0000 0001 60200200")); err != nil {
		tb.Fatal(err)
	}
	return bytes.Clone(tee.sent.Bytes())
}

// FuzzServerHandshake feeds arbitrary client bytes to Server, by either
// path (modern hellos to crypto/tls, SSLv2-format ones to this package's
// TLS 1.0 handshake and record layer). The seeds are whole flights of
// real clients, so mutations reach the client key exchange, the
// ChangeCipherSpec and the Finished. Nothing may panic, and no handshake
// can complete: the server's random differs from the recorded one.
func FuzzServerHandshake(f *testing.F) {
	cfg := testConfig(f)
	for _, s := range suitePreference {
		f.Add(recordClient(f, cfg, func(nc net.Conn) (net.Conn, error) { return Client(nc, []uint16{s}) }))
	}
	f.Add(recordClient(f, cfg, func(nc net.Conn) (net.Conn, error) {
		c := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
		return c, c.Handshake()
	}))
	f.Add(recordClient(f, cfg, func(nc net.Conn) (net.Conn, error) { // TLS 1.3, as Dolphin's stack may
		c := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
		return c, c.Handshake()
	}))
	if raw, err := os.ReadFile("testdata/gnutls-sslv2-hello.json"); err == nil {
		var vs []gnutlsVector
		if json.Unmarshal(raw, &vs) == nil {
			for _, v := range vs {
				f.Add(mustHex(v.FromClient))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Server(&bytesConn{r: bytes.NewReader(b)}, cfg)
		if err == nil {
			c.Close()
			t.Fatal("a handshake completed against recorded bytes")
		}
	})
}

// fuzzKeys are fixed handshake results for FuzzRecordLayer.
var (
	fuzzMaster       = bytes.Repeat([]byte{0x4d}, 48)
	fuzzClientRandom = bytes.Repeat([]byte{0x43}, 32)
	fuzzServerRandom = bytes.Repeat([]byte{0x53}, 32)
)

// FuzzRecordLayer drives the record layer of an established SSLv2-hello
// connection. spec lists records the client sends (u8 type, u16 length,
// data; cut short where spec ends), sealed with the session's real keys
// so that they pass the MAC; tail is raw bytes after them. What the
// server reads must be exactly the application data up to the first
// record that ends the stream (a close_notify, a fatal or malformed
// alert, a ChangeCipherSpec, an unknown type), and nothing may panic.
func FuzzRecordLayer(f *testing.F) {
	rec := func(typ byte, data string) []byte {
		return append([]byte{typ, byte(len(data) >> 8), byte(len(data))}, data...)
	}
	cat := func(rs ...[]byte) []byte { return bytes.Join(rs, nil) }
	f.Add(uint8(0), cat(rec(23, "0000 0001 60200200")), []byte{})
	f.Add(uint8(1), cat(rec(23, ""), rec(23, "abc"), rec(21, "\x01\x70"), rec(23, "def")), []byte{})
	f.Add(uint8(2), cat(rec(23, "abc"), rec(22, "\x00\x00\x00\x00"), rec(23, "d"), rec(21, "\x01\x00")), []byte("after"))
	f.Add(uint8(3), cat(rec(23, "x"), rec(20, "\x01")), []byte{})
	f.Add(uint8(0), cat(rec(23, "x"), rec(21, "\x02\x28")), []byte{})
	f.Add(uint8(1), cat(rec(21, "\x01")), []byte{})
	f.Add(uint8(0), []byte{}, []byte{23, 3, 1, 0, 32, 1, 2, 3})
	f.Add(uint8(2), cat(rec(24, "?")), []byte{})
	f.Fuzz(func(t *testing.T, suiteSel uint8, spec, tail []byte) {
		s := suiteByID(suitePreference[int(suiteSel)%len(suitePreference)])
		_, clientOut, err := keys(s, fuzzMaster, fuzzClientRandom, fuzzServerRandom, false)
		if err != nil {
			t.Fatal(err)
		}
		serverIn, serverOut, err := keys(s, fuzzMaster, fuzzClientRandom, fuzzServerRandom, true)
		if err != nil {
			t.Fatal(err)
		}
		var stream, want []byte
		ended := false
		for len(spec) > 0 {
			typ := spec[0]
			n := 0
			if len(spec) >= 3 {
				n = int(spec[1])<<8 | int(spec[2])
			}
			spec = spec[min(3, len(spec)):]
			data := spec[:min(n, len(spec), maxPlaintext)]
			spec = spec[min(n, len(spec)):]
			stream = clientOut.seal(stream, typ, data)
			if ended {
				continue
			}
			switch {
			case typ == recordApplicationData:
				want = append(want, data...)
			case typ == recordHandshake: // renegotiation: refused, the stream goes on
			case typ == recordAlert && len(data) == 2 && data[1] != alertCloseNotify && data[0] != 2:
				// a warning: ignored
			default:
				ended = true
			}
		}
		stream = append(stream, tail...)
		c := newConn(&bytesConn{r: bytes.NewReader(stream)})
		c.in, c.out = serverIn, serverOut
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
			if n == 0 {
				t.Fatal("Read returned nothing and no error")
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes %q, want %d bytes %q", len(got), head(got), len(want), head(want))
		}
		// The error is sticky: the connection never reads again.
		if _, err := c.Read(buf); err == nil {
			t.Fatal("Read works again after an error")
		} else if errors.Is(err, io.EOF) && len(tail) > 0 && !ended {
			// Garbage after the records cannot look like a clean end.
			t.Fatalf("garbage tail %x read as EOF", head(tail))
		}
	})
}
