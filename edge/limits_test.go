package edge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/binaries"
	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/internal/testlog"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/server"
)

const busyText = "<LF=8><BODY><CENTER>The server is busy.<BR>Please try again later.<END>"

// logBuf collects a server's log lines for assertions.
type logBuf struct{ testlog.Buffer }

func (l *logBuf) lines(substr string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

func testLogger(logs *logBuf) *slog.Logger {
	var w io.Writer = io.Discard
	if logs != nil {
		w = logs
	}
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		w = io.MultiWriter(w, os.Stderr)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startServer runs every role in process on loopback ports.
func startServer(t *testing.T, cfg server.Config, logs *logBuf) *server.Server {
	t.Helper()
	cfg.Edge, cfg.Handlers = true, true
	cfg.DataDir = t.TempDir()
	cfg.Host, cfg.Advertise = "127.0.0.1", "127.0.0.1"
	cfg.Ports = map[string]int{}
	cfg.ConnectionDelay = 10 * time.Millisecond
	cfg.Logger = testLogger(logs)
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startEdge runs one LMP listener against an in-process NATS whose
// handler is respond, a subscriber of the test's own.
func startEdge(t *testing.T, cfg edge.Config, respond nats.MsgHandler) string {
	t.Helper()
	addr, _ := startEdgeNC(t, cfg, respond)
	return addr
}

// startEdgeNC is startEdge for cfg.Server (default lmp), also returning
// the test's own NATS connection.
func startEdgeNC(t *testing.T, cfg edge.Config, respond nats.MsgHandler) (string, *nats.Conn) {
	return startEdgeWith(t, cfg, respond, false)
}

// startEdgeWith is startEdgeNC; with noEcho the edge has a connection of
// its own that does not echo, as the servers run edges, and the
// connection returned is the handlers'.
func startEdgeWith(t *testing.T, cfg edge.Config, respond nats.MsgHandler, noEcho bool) (string, *nats.Conn) {
	t.Helper()
	if cfg.Server == "" {
		cfg.Server = "lmp"
	}
	ns, err := natsrv.Start(natsrv.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if respond != nil {
		if _, err := nc.Subscribe(bus.RequestSubject(cfg.Server), respond); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	edgeNC := nc
	if noEcho {
		if edgeNC, err = nats.Connect("", nats.InProcessServer(ns), nats.NoEcho()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(edgeNC.Close)
	}
	cfg.ConnectionDelay = 10 * time.Millisecond
	if cfg.Logger == nil {
		cfg.Logger = testLogger(nil)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := edge.New(edgeNC, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), nc
}

// answerEach answers every request with an AnsFmpListVersion echoing its seq.
func answerEach(m *nats.Msg) {
	h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
	b, _ := pat.AppendMessage(nil, h.Seq, &pat.AnsFmpListVersion{Version: 1})
	m.Respond(b)
}

func greet(t *testing.T, addr string) *gameclient.Client {
	t.Helper()
	c, err := gameclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Expect(pat.IDReqConnection, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// A legal frame of 0xFFFF payload bytes with an id the packet table does
// not know is read past and dropped at the edge: it never reaches NATS,
// and the connection answers its next packet. A known id of that size
// goes to the handlers.
func TestUnknownAndLargestFrames(t *testing.T) {
	// Over the bus, where the test watches what the edge forwards.
	s := startServer(t, server.Config{BusOnly: true}, nil)
	reqs := make(chan *nats.Msg, 64)
	sub, err := s.Conn().ChanSubscribe(bus.RequestSubject("lmp"), reqs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	c, err := gameclient.Dial(s.Addr("lmp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Greet(&gameclient.Console{}, false); err != nil {
		t.Fatal(err)
	}
	for _, id := range []pat.ID{0x7F7F0100, 0x12345678, 0x61FF0100} {
		if id.Known() {
			t.Fatalf("%s is in the packet table", id)
		}
		b, err := pat.AppendFrame(nil, 7, id, bytes.Repeat([]byte{0xA5}, pat.MaxPayload))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteRaw(b); err != nil {
			t.Fatal(err)
		}
	}
	var v pat.AnsFmpListVersion
	if err := c.Call(&pat.ReqFmpListVersion{}, &v); err != nil || v.Version != 1 {
		t.Fatalf("after three unknown 0xFFFF-byte frames: %+v, %v", v, err)
	}
	// Requests reach the subscription in the order the edge sent them:
	// everything before ReqFmpListVersion has arrived once it has.
	for seen := false; !seen; {
		select {
		case m := <-reqs:
			h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
			if !h.ID.Known() {
				t.Fatalf("the edge sent an unknown packet to NATS: %s, %d bytes", h.ID, h.Size)
			}
			seen = h.ID == pat.IDReqFmpListVersion
		case <-time.After(10 * time.Second):
			t.Fatal("ReqFmpListVersion never seen on the request subject")
		}
	}

	// A known id with the largest payload is forwarded whole (the handler
	// then judges its content).
	big, err := gameclient.Dial(s.Addr("lmp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	if _, err := big.Greet(&gameclient.Console{}, false); err != nil {
		t.Fatal(err)
	}
	b, _ := pat.AppendFrame(nil, 9, pat.IDReqUserObject, make([]byte, pat.MaxPayload))
	big.WriteRaw(b)
	for {
		select {
		case m := <-reqs:
			h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
			if h.ID == pat.IDReqUserObject {
				if len(m.Data) != pat.HeaderSize+pat.MaxPayload {
					t.Fatalf("forwarded %d bytes, want %d", len(m.Data), pat.HeaderSize+pat.MaxPayload)
				}
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the 0xFFFF-byte ReqUserObject never reached the handlers")
		}
	}
}

// A connection's next frame is read only once its request is answered:
// with the handler stalled, a client that writes 30 frames of 20 KiB at
// once has one reach the handlers and the rest wait in its socket (the
// edge holds none of them); once the handler answers, every frame is
// answered, in order.
func TestAStalledRequestHoldsTheRestInTheSocket(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	var seen atomic.Int32
	addr := startEdge(t, edge.Config{RequestTimeout: time.Minute}, func(m *nats.Msg) {
		seen.Add(1)
		<-release
		answerEach(m)
	})
	c := greet(t, addr)
	var flood []byte
	for seq := uint16(1); seq <= 30; seq++ {
		flood, _ = pat.AppendFrame(flood, seq, pat.IDReqFmpListVersion, make([]byte, 20<<10))
	}
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteRaw(flood) }()
	time.Sleep(500 * time.Millisecond)
	if n := seen.Load(); n != 1 {
		t.Fatalf("%d requests reached the handlers while the first was unanswered, want 1", n)
	}
	free()
	for seq := uint16(1); seq <= 30; seq++ {
		p, err := c.Expect(pat.IDAnsFmpListVersion, nil)
		if err != nil || p.Seq != seq {
			t.Fatalf("answer %d: seq %d, %v", seq, p.Seq, err)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if n := seen.Load(); n != 30 {
		t.Fatalf("the handlers saw %d requests, want 30", n)
	}
}

var throttledRe = regexp.MustCompile(`throttled=(\d+)`)

// Out of tokens, the edge stops reading: a client writing 30 frames at
// once to a connection allowed 10 a second (bursts of 1) is read at that
// rate and answered in full.
func TestRateLimitReadsAtTheRate(t *testing.T) {
	logs := &logBuf{}
	addr := startEdge(t, edge.Config{RequestRate: 10, RequestBurst: 1, Logger: testLogger(logs)}, answerEach)
	c := greet(t, addr)
	var flood []byte
	for seq := uint16(1); seq <= 30; seq++ {
		flood, _ = pat.AppendMessage(flood, seq, &pat.ReqFmpListVersion{})
	}
	if err := c.WriteRaw(flood); err != nil {
		t.Fatal(err)
	}
	for seq := uint16(1); seq <= 30; seq++ {
		p, err := c.Expect(pat.IDAnsFmpListVersion, nil)
		if err != nil || p.Seq != seq {
			t.Fatalf("answer %d: seq %d, %v", seq, p.Seq, err)
		}
	}
	c.Close()
	var line string
	for deadline := time.Now().Add(10 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if l := logs.lines("connection closed"); len(l) > 0 {
			line = l[0]
		}
	}
	m := throttledRe.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no throttled count in %q", line)
	}
	if n, _ := strconv.Atoi(m[1]); n < 20 {
		t.Fatalf("the edge waited for a token %d times for 30 frames with a burst of 1: %s", n, line)
	}
	t.Log(line)
}

// dialFrom opens a TCP connection from a given loopback address.
func dialFrom(ip, addr string) (net.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// loginFrom plays gameclient.FullLogin with every connection from ip.
func loginFrom(ip, opnAddr string) error {
	_, err := gameclient.Dialer{LocalIP: ip}.FullLogin(opnAddr, &gameclient.Console{}, false, "Bystander")
	return err
}

// firstPacket reads the first frame the server sends, or reports the
// close (io.EOF) when it sends nothing.
func firstPacket(c *gameclient.Client) (pat.Packet, error) {
	c.Timeout = 10 * time.Second
	return c.Next()
}

// Connections over a cap get the busy NtcShut and are closed: plain ones
// at once, OPN ones after the TLS handshake. A player from another address
// still logs in all the way.
func TestConnectionCapsRefuseWithBusy(t *testing.T) {
	s := startServer(t, server.Config{MaxConnsPerIP: 4, MaxConns: 12}, nil)
	lmp, opn := s.Addr("lmp").String(), s.Addr("opn").String()

	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 4 {
		c, err := dialFrom("127.0.0.1", lmp)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if p, err := firstPacket(gameclient.New(c)); err != nil || p.ID != pat.IDReqConnection {
			t.Fatalf("connection %d under the cap: %v %v", i+1, p.ID, err)
		}
	}
	expectBusy := func(c *gameclient.Client, what string) {
		t.Helper()
		defer c.Close()
		msg, err := c.ExpectShut()
		if err != nil || msg != busyText {
			t.Fatalf("%s: %q, %v; want the busy NtcShut", what, msg, err)
		}
		if _, err := c.Next(); !errors.Is(err, gameclient.ErrClosed) {
			t.Fatalf("%s: after the NtcShut: %v, want the close", what, err)
		}
	}
	for i := range 20 {
		c, err := dialFrom("127.0.0.1", lmp)
		if err != nil {
			t.Fatal(err)
		}
		expectBusy(gameclient.New(c), fmt.Sprintf("LMP connection %d over the per-address cap", i+5))
	}
	for i := range 3 {
		c, err := gameclient.Dialer{LocalIP: "127.0.0.1"}.DialTLS(opn, false)
		if err != nil {
			t.Fatalf("OPN over the cap: the TLS handshake failed: %v", err)
		}
		expectBusy(c, fmt.Sprintf("OPN connection %d over the per-address cap", i+1))
	}
	if n := s.Gate().Open(); n != 4 {
		t.Fatalf("the gate counts %d open connections, want the 4 held", n)
	}
	if err := loginFrom("127.0.0.2", opn); err != nil {
		t.Fatalf("a player from 127.0.0.2 while 127.0.0.1 is at its cap: %v", err)
	}

	// The process cap: 8 more from two addresses fill it; the next, from
	// anywhere, is refused; once some close, a login goes through again
	// (four places: the edge counts a connection until its goroutines
	// end, a moment after the client moved on to the next server).
	for _, ip := range []string{"127.0.0.3", "127.0.0.4"} {
		for range 4 {
			c, err := dialFrom(ip, lmp)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
			if p, err := firstPacket(gameclient.New(c)); err != nil || p.ID != pat.IDReqConnection {
				t.Fatalf("%s under the caps: %v %v", ip, p.ID, err)
			}
		}
	}
	c, err := gameclient.Dialer{LocalIP: "127.0.0.2"}.DialTLS(opn, false)
	if err != nil {
		t.Fatal(err)
	}
	expectBusy(c, "OPN connection over the process cap")
	for _, c := range held[len(held)-4:] {
		c.Close()
	}
	held = held[:len(held)-4]
	for deadline := time.Now().Add(10 * time.Second); s.Gate().Open() > 8; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the gate still counts %d", s.Gate().Open())
		}
	}
	if err := loginFrom("127.0.0.2", opn); err != nil {
		t.Fatalf("a login once a place was free: %v", err)
	}
	t.Logf("refused with the busy NtcShut: %d, closed unanswered: %d", s.Gate().Refused(), s.Gate().Dropped())
}

// With every refuser busy, a connection over a cap is closed without a
// word instead of waiting for one.
func TestRefusalsWhenEveryRefuserIsBusy(t *testing.T) {
	gate := edge.NewGate(edge.GateConfig{MaxConns: 1, Refusers: 1, RefuseTimeout: time.Minute})
	addr := startEdge(t, edge.Config{Gate: gate}, answerEach)
	greet(t, addr) // the one place

	// Refused, reads the NtcShut but never closes: it keeps the refuser.
	stuck, err := gameclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if msg, err := stuck.ExpectShut(); err != nil || msg != busyText {
		t.Fatalf("first refusal: %q, %v", msg, err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("refused with the refuser busy: read %d bytes, %v; want a bare close", len(b), err)
	}
	if gate.Refused() != 1 || gate.Dropped() != 1 {
		t.Fatalf("refused %d, closed unanswered %d; want 1 and 1", gate.Refused(), gate.Dropped())
	}

	// Once the stuck client closes, refusals speak again.
	stuck.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := gameclient.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := c.ExpectShut()
		c.Close()
		if err == nil && msg == busyText {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refusals never spoke again: %q, %v", msg, err)
		}
	}
}

var closedRe = regexp.MustCompile(`server=(\w+) .*duration=(\S+) frames_in=(\d+) bytes_in=(\d+) .*throttled=(\d+)`)

// A whole login, plus the FMP binaries 0x01..0x0F in 0x3000-byte chunks,
// played as fast as loopback allows, never waits for a token under the
// default limits. The test logs each connection's frames and bytes.
func TestLoginTrafficUnderDefaultLimits(t *testing.T) {
	logs := &logBuf{}
	s := startServer(t, server.Config{}, logs)
	con := &gameclient.Console{}
	if _, err := gameclient.FullLogin(s.Addr("opn").String(), con, false, "Measured"); err != nil {
		t.Fatal(err)
	}
	f, err := gameclient.Dial(s.Addr("fmp").String())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := f.Greet(con, true); err != nil || st != 3 {
		t.Fatalf("FMP: %d %v", st, err)
	}
	for typ := uint8(binaries.FirstType); typ <= 0x0F; typ++ {
		var v pat.AnsBinaryVersion
		if err := f.Call(&pat.ReqBinaryVersion{Type: typ}, &v); err != nil {
			t.Fatal(err)
		}
		var h pat.AnsBinaryHead
		if err := f.Call(&pat.ReqBinaryHead{Type: typ}, &h); err != nil {
			t.Fatal(err)
		}
		for off := uint32(0); off < h.Size; off += 0x3000 {
			var d pat.AnsBinaryData
			if err := f.Call(&pat.ReqBinaryData{Type: typ, Version: h.Version, Offset: off, Size: min(0x3000, h.Size-off)}, &d); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Call(&pat.ReqBinaryFoot{Type: typ}, &pat.AnsBinaryFoot{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Shut(1); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for deadline := time.Now().Add(10 * time.Second); len(lines) < 5 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		lines = logs.lines("connection closed")
	}
	if len(lines) < 5 {
		t.Fatalf("%d connections closed, want OPN, two LMP and two FMP", len(lines))
	}
	for _, l := range lines {
		m := closedRe.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("close line without counts: %s", l)
		}
		d, _ := time.ParseDuration(m[2])
		frames, _ := strconv.Atoi(m[3])
		nbytes, _ := strconv.Atoi(m[4])
		t.Logf("%s: %d frames, %d bytes in %v (%.0f frames/s, %.0f B/s at loopback speed)",
			m[1], frames, nbytes, d, float64(frames)/d.Seconds(), float64(nbytes)/d.Seconds())
		if m[5] != "0" {
			t.Errorf("a login waited for a token under the default limits: %s", l)
		}
		if frames > edge.DefaultRequestBurst/2 {
			t.Errorf("%d frames on one connection of a login: the default burst of %d leaves little room", frames, edge.DefaultRequestBurst)
		}
	}
}

// An edge with handlers in its own process (Local) asks them first, and
// sends a packet over the bus when they decline it (busy, stopping, or
// no answer by the deadline: the bus's attempt then gets a deadline of
// its own).
func TestLocalHandlersFirstThenTheBus(t *testing.T) {
	var local, viaBus, expired atomic.Int32
	cfg := edge.Config{RequestTimeout: 300 * time.Millisecond, Local: func(server string, h nats.Header, frame []byte) ([]byte, nats.Header, bool) {
		hd, _ := pat.ParseHeader(frame, pat.MaxPayload)
		if hd.Seq == 4 {
			time.Sleep(400 * time.Millisecond) // worked past the deadline, no answer
		}
		if hd.Seq%2 == 0 || server != "lmp" || h.Get(bus.HeaderConn) == "" || h.Get(bus.HeaderReq) == "" {
			return nil, nil, false
		}
		local.Add(1)
		b, _ := pat.AppendMessage(nil, hd.Seq, &pat.AnsFmpListVersion{Version: 2})
		return b, nats.Header{}, true
	}}
	addr := startEdge(t, cfg, func(m *nats.Msg) {
		viaBus.Add(1)
		if ms, _ := strconv.ParseInt(m.Header.Get(bus.HeaderDeadline), 10, 64); time.Now().UnixMilli() >= ms {
			expired.Add(1)
		}
		answerEach(m)
	})
	c := greet(t, addr)
	for seq := uint16(1); seq <= 4; seq++ {
		if err := c.SendSeq(seq, &pat.ReqFmpListVersion{}); err != nil {
			t.Fatal(err)
		}
		var v pat.AnsFmpListVersion
		p, err := c.Expect(pat.IDAnsFmpListVersion, &v)
		if err != nil {
			t.Fatal(err)
		}
		want := uint32(1) // the bus's answer
		if seq%2 == 1 {
			want = 2 // the local handlers'
		}
		if p.Seq != seq || v.Version != want {
			t.Fatalf("seq %d: answer seq %d version %d, want version %d", seq, p.Seq, v.Version, want)
		}
	}
	if local.Load() != 2 || viaBus.Load() != 2 || expired.Load() != 0 {
		t.Fatalf("served in process %d, over the bus %d (%d past their deadline); want 2 and 2, none past", local.Load(), viaBus.Load(), expired.Load())
	}
}
