package server

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/latency"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/pgtest"
)

func start(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg.Edge, cfg.Handlers = true, true
	cfg.DataDir = t.TempDir()
	cfg.Host, cfg.Advertise = "127.0.0.1", "127.0.0.1"
	cfg.Ports = map[string]int{}
	if cfg.ConnectionDelay == 0 {
		cfg.ConnectionDelay = 10 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// greeted opens an LMP connection that went through ReqConnection.
func greeted(t *testing.T, s *Server) *gameclient.Client {
	t.Helper()
	return greetedOn(t, s, "lmp")
}

// greetedOn opens a connection to server (TLS on OPN) that went through
// ReqConnection.
func greetedOn(t *testing.T, s *Server, server string) *gameclient.Client {
	t.Helper()
	var c *gameclient.Client
	var err error
	if server == "opn" {
		c, err = gameclient.DialTLS(s.Addr(server).String(), false)
	} else {
		c, err = gameclient.Dial(s.Addr(server).String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Greet(&gameclient.Console{}, false); err != nil {
		t.Fatal(err)
	}
	return c
}

// closedWithShut reads until the server closes and reports whether an
// NtcShut came first.
func closedWithShut(t *testing.T, c *gameclient.Client) bool {
	t.Helper()
	shut := false
	for {
		p, err := c.Next()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open: %v", err)
			}
			return shut
		}
		if p.ID == pat.IDNtcShut {
			shut = true
		}
	}
}

func TestBadInput(t *testing.T) {
	s := start(t, Config{BodyTimeout: 200 * time.Millisecond, HandshakeTimeout: 200 * time.Millisecond})
	quick := start(t, Config{LineCheckInterval: 300 * time.Millisecond})
	bystander := greeted(t, s)

	t.Run("largest frame whose body never arrives", func(t *testing.T) {
		c := greeted(t, s)
		c.WriteRaw(pat.AppendHeader(nil, pat.Header{Size: 0xFFFF, Seq: 1, ID: pat.IDReqFmpListVersion}))
		if !closedWithShut(t, c) {
			t.Error("no NtcShut before the close")
		}
	})
	t.Run("size larger than what arrives", func(t *testing.T) {
		c := greeted(t, s)
		c.WriteRaw(append(pat.AppendHeader(nil, pat.Header{Size: 100, Seq: 1, ID: pat.IDReqFmpListVersion}), 1, 2, 3))
		if !closedWithShut(t, c) {
			t.Error("no NtcShut before the close")
		}
	})
	t.Run("unknown id keeps the connection", func(t *testing.T) {
		c := greeted(t, s)
		b, _ := pat.AppendFrame(nil, 1, 0x12345678, []byte{1, 2, 3})
		c.WriteRaw(b)
		var v pat.AnsFmpListVersion
		if err := c.Call(&pat.ReqFmpListVersion{}, &v); err != nil || v.Version != 1 {
			t.Fatalf("after an unknown id: %v %v", v, err)
		}
	})
	t.Run("malformed payload of a known id", func(t *testing.T) {
		c := greeted(t, s)
		b, _ := pat.AppendFrame(nil, 1, pat.IDReqUserObject, []byte{1})
		c.WriteRaw(b)
		if !closedWithShut(t, c) {
			t.Error("no NtcShut before the close")
		}
	})
	t.Run("random bytes", func(t *testing.T) {
		c := greeted(t, s)
		junk := make([]byte, 4096)
		rand.Read(junk)
		junk[0] = 0xFF // a size over the limit
		c.WriteRaw(junk)
		closedWithShut(t, c)
	})
	t.Run("a flood of packets", func(t *testing.T) {
		// 400 requests at once: the edge reads a connection's next
		// request once the last is answered, and at most its rate (a
		// burst of 200, then 100 a second), so the flood waits in the
		// client's socket and is answered in order while a bystander is
		// served as usual.
		c := greeted(t, s)
		var flood []byte
		for i := 0; i < 400; i++ {
			flood, _ = pat.AppendMessage(flood, uint16(i+1), &pat.ReqFmpListVersion{})
		}
		c.WriteRaw(flood)
		if err := bystander.Call(&pat.ReqFmpListVersion{}, &pat.AnsFmpListVersion{}); err != nil {
			t.Fatalf("bystander during the flood: %v", err)
		}
		for i := 0; i < 400; i++ {
			p, err := c.Expect(pat.IDAnsFmpListVersion, nil)
			if err != nil || p.Seq != uint16(i+1) {
				t.Fatalf("answer %d: seq %d, %v", i+1, p.Seq, err)
			}
		}
	})
	t.Run("client that never answers line checks", func(t *testing.T) {
		raw, err := net.Dial("tcp", quick.Addr("lmp").String())
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(raw) // ReqConnection, ReqLineCheck, NtcShut, then EOF
		if err != nil {
			t.Fatalf("not closed: %v", err)
		}
		ps, _ := pat.SplitFrames(b)
		if len(ps) == 0 || ps[len(ps)-1].ID != pat.IDNtcShut {
			t.Fatalf("got %v", ps)
		}
	})
	t.Run("TLS client that stops mid-handshake", func(t *testing.T) {
		raw, err := net.Dial("tcp", s.Addr("opn").String())
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.Write([]byte{0x16, 3, 1, 0, 200, 1}) // half a hello
		raw.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadAll(raw); err != nil {
			t.Fatalf("not closed: %v", err)
		}
	})
	var v pat.AnsFmpListVersion
	if err := bystander.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
		t.Fatalf("a well-behaved client suffered: %v", err)
	}
}

// 200 TLS clients that connect and say nothing must not hold up a login.
// They come from ten addresses, under the per-address cap.
func TestSilentTLSClientsDoNotStallLogin(t *testing.T) {
	s := start(t, Config{})
	var silent []net.Conn
	for i := 0; i < 200; i++ {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i%10))}}
		c, err := d.Dial("tcp", s.Addr("opn").String())
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	defer func() {
		for _, c := range silent {
			c.Close()
		}
	}()
	begin := time.Now()
	c, err := gameclient.DialTLS(s.Addr("opn").String(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.OPN(&gameclient.Console{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("OPN login with 200 silent TLS clients connected: %v", time.Since(begin))
}

// BenchmarkRoundTrip times one request client → edge → NATS → handler →
// edge → client, beside a raw TCP echo of the same bytes in the same run.
func BenchmarkRoundTrip(b *testing.B) {
	// One client sending as fast as it can: lift the per-connection rate
	// limit, which would otherwise be what this measures.
	s := start(b, Config{RequestRate: 1e9, RequestBurst: 1 << 20})
	c, err := gameclient.Dial(s.Addr("lmp").String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Greet(&gameclient.Console{}, false); err != nil {
		b.Fatal(err)
	}
	b.Run("mh3net", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		var v pat.AnsFmpListVersion
		for b.Loop() {
			t0 := time.Now()
			if err := c.Call(&pat.ReqFmpListVersion{}, &v); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		latency.Report(b, lat)
	})
	b.Run("raw-echo", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.Copy(c, c)
		}()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		frame, _ := pat.AppendMessage(nil, 1, &pat.AnsFmpListVersion{})
		buf := make([]byte, len(frame))
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			conn.Write(frame)
			if _, err := io.ReadFull(conn, buf); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		latency.Report(b, lat)
	})
}

// Postgres stopping mid-game: the player gets an in-game message instead
// of a hang, and the next login works once Postgres is back.
func TestPostgresDownMidGame(t *testing.T) {
	pg := pgtest.Start(t)
	s := start(t, Config{Postgres: pg.URL()})
	c := greeted(t, s)
	var li pat.AnsLoginInfo
	if err := c.Call(&pat.ReqLoginInfo{}, &li); err != nil {
		t.Fatal(err)
	}
	con := &gameclient.Console{SupportCode: string(li.ChargeInfo.Bytes(pat.ChargeOnlineSupportCode))}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	c2, err := gameclient.Dial(s.Addr("lmp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Greet(con, false); err != nil {
		t.Fatal(err)
	}
	err = c2.Call(&pat.ReqUserListData{First: 1, Count: 6}, &pat.AnsUserListData{})
	var shut *gameclient.ShutError
	if !errors.As(err, &shut) {
		t.Fatalf("with Postgres down: %v, want an NtcShut message", err)
	}
	t.Logf("player saw: %q", shut.Message)

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	c3, err := gameclient.Dial(s.Addr("lmp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if _, err := c3.LMPFirst(con); err != nil {
		t.Fatalf("after Postgres came back: %v", err)
	}
}

// A store that cannot be opened is an error from Start, not a panic on
// the way out (a handler process whose Postgres refuses it must exit
// with the reason so its supervisor can restart it).
func TestStartWithAnUnreachableStoreFailsCleanly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := Start(ctx, Config{
		Handlers: true, DataDir: t.TempDir(), Host: "127.0.0.1", Advertise: "127.0.0.1",
		Ports:    map[string]int{},
		Postgres: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err == nil {
		s.Close()
		t.Fatal("started without its store")
	}
	if !strings.Contains(err.Error(), "event store") {
		t.Fatalf("error does not say what failed: %v", err)
	}
}

// watchCloses receives the close announcements on s's bus.
func watchCloses(t *testing.T, s *Server) <-chan *nats.Msg {
	t.Helper()
	nc, err := nats.Connect(s.NATS.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	closes := make(chan *nats.Msg, 8)
	if _, err := nc.ChanSubscribe(bus.ClosedPrefix+">", closes); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return closes
}

// An edge announces a closed connection only when the handlers kept a
// session for it: an OPN connection (no session is stored there) closes
// without a message on the bus, an LMP one with its session.
func TestClosesAnnouncedOnlyWithASession(t *testing.T) {
	// BusOnly: a one-box server's handlers take its closes in process.
	s := start(t, Config{NATSPort: -1, BusOnly: true})
	closes := watchCloses(t, s)
	opn, _ := opnGreet(t, s)
	opn.Close()
	lmp := greeted(t, s)
	lmp.Close()
	select {
	case m := <-closes:
		if m.Subject != bus.ClosedSubject("lmp") || m.Header.Get(bus.HeaderSession) == "" || m.Header.Get(bus.HeaderUnsettled) != "" {
			t.Fatalf("announcement on %s with session %q, unsettled %q", m.Subject, m.Header.Get(bus.HeaderSession), m.Header.Get(bus.HeaderUnsettled))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the LMP connection's close was not announced")
	}
	select {
	case m := <-closes:
		t.Fatalf("a second announcement, on %s", m.Subject)
	case <-time.After(300 * time.Millisecond):
	}
}

// A connection whose request failed (here a bad slot: NtcShut and the
// close) is announced unsettled: what that request's handler wrote may
// be missing from the session, so the handlers clean up on what the
// buckets hold.
func TestCloseAfterAFailedRequestIsUnsettled(t *testing.T) {
	s := start(t, Config{NATSPort: -1, BusOnly: true})
	closes := watchCloses(t, s)
	lmp := greeted(t, s)
	defer lmp.Close()
	err := lmp.Call(&pat.ReqUserObject{Slot: 9}, &pat.AnsUserObject{})
	var shut *gameclient.ShutError
	if !errors.As(err, &shut) {
		t.Fatalf("ReqUserObject of slot 9: %v, want an NtcShut", err)
	}
	select {
	case m := <-closes:
		if m.Header.Get(bus.HeaderUnsettled) != "1" {
			t.Fatalf("close after a failed request announced with unsettled %q", m.Header.Get(bus.HeaderUnsettled))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the LMP connection's close was not announced")
	}
}

// A one-box server's edge hands its closes to its own handlers: nothing
// crosses the bus.
func TestOneBoxClosesStayInProcess(t *testing.T) {
	s := start(t, Config{NATSPort: -1})
	closes := watchCloses(t, s)
	before := s.hs.LocalClosedCount()
	lmp := greeted(t, s)
	lmp.Close()
	for deadline := time.Now().Add(10 * time.Second); s.hs.LocalClosedCount() == before; {
		if time.Now().After(deadline) {
			t.Fatal("the LMP connection's close did not reach the handlers in process")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case m := <-closes:
		t.Fatalf("a one-box close announced on the bus, on %s", m.Subject)
	case <-time.After(300 * time.Millisecond):
	}
}
