package wiitls

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/certs"
)

// echoServer accepts connections, runs Server on each and echoes what it
// reads. Handshake errors go to errs.
func echoServer(t *testing.T) (addr string, errs chan error) {
	t.Helper()
	cert, err := certs.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	errs = make(chan error, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				tc, err := Server(c, &Config{Certificate: cert})
				if err != nil {
					errs <- err
					return
				}
				c.SetDeadline(time.Time{})
				io.Copy(tc, tc)
			}()
		}
	}()
	return ln.Addr().String(), errs
}

func roundTrip(t *testing.T, c net.Conn, size int) {
	t.Helper()
	msg := bytes.Repeat([]byte("PAT!"), size/4)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
}

func TestSSLv2HelloEverySuite(t *testing.T) {
	addr, _ := echoServer(t)
	for _, s := range []uint16{suiteAES128SHA, suiteAES256SHA, suiteRC4SHA, suiteRC4MD5} {
		t.Run(fmt.Sprintf("%04x", s), func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			c, err := Client(nc, []uint16{s})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, 8)
			roundTrip(t, c, 40000) // several records each way
		})
	}
}

func TestWiiHelloPicksAES128(t *testing.T) {
	h, err := parseSSLv2Hello(mustHex("01030100120000001000003500002f00000a0000090000050000040102030405060708090a0b0c0d0e0f10"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.suites) != 6 || len(h.challenge) != 16 {
		t.Fatalf("parsed %+v", h)
	}
	r := h.clientRandom()
	if !bytes.Equal(r[:16], make([]byte, 16)) || r[31] != 0x10 {
		t.Errorf("client random %x: challenge must be right-aligned", r)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestModernHelloTLS10(t *testing.T) {
	addr, _ := echoServer(t)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip(t, c, 64)
}

// realClient runs a real TLS client program against the server, sends a
// line and waits for it to come back.
func realClient(t *testing.T, name string, args ...string) {
	t.Helper()
	addr, errs := echoServer(t)
	host, port, _ := net.SplitHostPort(addr)
	for i, a := range args {
		args[i] = strings.NewReplacer("HOST", host, "PORT", port, "ADDR", addr).Replace(a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	stdin, _ := cmd.StdinPipe()
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer func() { cancel(); cmd.Wait() }()
	const ping = "PING-FROM-A-REAL-CLIENT"
	for ctx.Err() == nil {
		stdin.Write([]byte(ping + "\n"))
		time.Sleep(100 * time.Millisecond)
		if strings.Count(out.String(), ping) > 0 {
			return
		}
		select {
		case e := <-errs:
			t.Fatalf("server: %v\n%s", e, out.String())
		default:
		}
	}
	t.Fatalf("%s %v: no echo\n%s", name, args, out.String())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestOpenSSLClient(t *testing.T) {
	t.Run("tls1.0-aes128-sha", func(t *testing.T) {
		realClient(t, "openssl", "s_client", "-connect", "ADDR", "-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0", "-quiet", "-ign_eof")
	})
	t.Run("default", func(t *testing.T) {
		realClient(t, "openssl", "s_client", "-connect", "ADDR", "-quiet", "-ign_eof")
	})
}

func TestGnuTLSClient(t *testing.T) {
	realClient(t, "gnutls-cli", "--insecure", "--port", "PORT", "--priority", "NONE:+VERS-TLS1.0:+AES-128-CBC:+RSA:+SHA1:+COMP-NULL:+SIGN-ALL", "HOST")
}

func TestSilentAndGarbageClients(t *testing.T) {
	addr, errs := echoServer(t)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	half, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	half.Write([]byte{0x80, 0x2b, 0x01, 0x03})
	garbage, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	garbage.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	for i := 0; i < 3; i++ {
		select {
		case err := <-errs:
			t.Log(err)
		case <-time.After(10 * time.Second):
			t.Fatal("a stalled client was never given up")
		}
	}
}

func FuzzSSLv2Hello(f *testing.F) {
	f.Add(mustHex("01030100120000001000003500002f00000a0000090000050000040102030405060708090a0b0c0d0e0f10"))
	f.Add([]byte{1, 3, 1, 0, 3, 0, 0, 0, 16})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseSSLv2Hello(b)
		if err == nil && len(h.challenge) < 16 {
			t.Fatal("accepted a short challenge")
		}
	})
}

func BenchmarkSSLv2Handshake(b *testing.B) {
	cert, err := certs.SelfSigned()
	if err != nil {
		b.Fatal(err)
	}
	cfg := &Config{Certificate: cert}
	for b.Loop() {
		cs, sc := net.Pipe()
		done := make(chan error, 1)
		go func() { _, err := Server(sc, cfg); done <- err }()
		if _, err := Client(cs, nil); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		cs.Close()
		sc.Close()
	}
}
