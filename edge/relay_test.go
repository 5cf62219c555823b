package edge_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/fanout"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// seatIn plays the handlers for the relay tests: every request is
// answered with AnsLayerStart, putting its connection in room with the
// relay tag tagOf gives it.
func seatIn(room string, tagOf func(conn string) string) nats.MsgHandler {
	return func(m *nats.Msg) {
		h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
		out := nats.NewMsg(m.Reply)
		out.Data, _ = pat.AppendMessage(nil, h.Seq, &pat.AnsLayerStart{})
		out.Header.Set(bus.HeaderLayer, room)
		out.Header.Set(bus.HeaderTag, tagOf(m.Header.Get(bus.HeaderConn)))
		m.RespondMsg(out)
	}
}

// Positions and layer binaries are stamped by the edge with the tag the
// handlers gave the connection and published straight to its layer room:
// the others there get them once, the sender does not, no handler sees
// them, and a malformed one closes only its sender.
func TestEdgeRelaysPositionsToTheLayer(t *testing.T) {
	t.Run("echo", func(t *testing.T) { testEdgeRelays(t, startEdgeNC) })
	// The servers' edges: a connection without echo, the edge handing
	// its own members the relays it publishes.
	t.Run("no-echo", func(t *testing.T) { testEdgeRelays(t, startEdgeNoEcho) })
}

// startEdgeNoEcho starts an edge as the servers run it (startEdgeWith).
func startEdgeNoEcho(t *testing.T, cfg edge.Config, respond nats.MsgHandler) (string, *nats.Conn) {
	return startEdgeWith(t, cfg, respond, true)
}

func testEdgeRelays(t *testing.T, start func(*testing.T, edge.Config, nats.MsgHandler) (string, *nats.Conn)) {
	const room = "s1.g1.c1"
	// The handlers' part: every request puts its connection in the city
	// with a tag, one Capcom ID per connection in arrival order.
	var mu sync.Mutex
	tags := map[string]string{}
	ids := []string{"AAAAAA", "BBBBBB"}
	addr, nc := start(t, edge.Config{Server: "fmp"}, seatIn(room, func(conn string) string {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := tags[conn]; !ok {
			tags[conn] = fanout.Tag(ids[len(tags)], []byte("Hunter"))
		}
		return tags[conn]
	}))
	ntcs, err := nc.SubscribeSync(bus.NtcPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	published, err := nc.SubscribeSync(bus.RoomSubject(room))
	if err != nil {
		t.Fatal(err)
	}
	nc.Flush()

	position := func(c *gameclient.Client, seq uint16, blob string) {
		t.Helper()
		frame, _ := pat.AppendFrame(nil, seq, pat.IDNtcLayerUserPosition, []byte(blob))
		if err := c.WriteRaw(frame); err != nil {
			t.Fatal(err)
		}
	}
	a, b := greet(t, addr), greet(t, addr)
	// Outside the layer system a position goes nowhere, and the
	// connection stays.
	position(a, 1, "early")
	if m, err := published.NextMsg(300 * time.Millisecond); err == nil {
		t.Fatalf("relayed before any layer: % x", m.Data)
	}
	for _, c := range []*gameclient.Client{a, b} {
		if err := c.Call(&pat.ReqLayerStart{}, &pat.AnsLayerStart{}); err != nil {
			t.Fatal(err)
		}
	}
	position(a, 7, "\x01\x02\x03")
	want, _ := pat.AppendFrame(nil, 7, pat.IDNtcLayerUserPosition, append([]byte{0, 6}, "AAAAAA\x01\x02\x03"...))
	m, err := published.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, want) || m.Header.Get(bus.HeaderSkip) == "" {
		t.Fatalf("published % x skip %q, want % x", m.Data, m.Header.Get(bus.HeaderSkip), want)
	}
	p, err := b.Notice(pat.IDNtcLayerUserPosition, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full, _ := pat.AppendFrame(nil, p.Seq, p.ID, p.Payload); !bytes.Equal(full, want) {
		t.Fatalf("B got % x", full)
	}
	// Once: B is on the same edge as A, and the room delivers it once.
	b.Drain(300 * time.Millisecond)
	if got := b.Notices(pat.IDNtcLayerUserPosition); len(got) != 0 {
		t.Fatalf("B got the position %d more times", len(got))
	}
	a.Drain(300 * time.Millisecond)
	if got := a.Notices(pat.IDNtcLayerUserPosition); len(got) != 0 {
		t.Fatalf("the sender got its own position back: %v", got)
	}
	// A layer binary without its LayerUserInfo: the sender is closed
	// with NtcShut, the bystander keeps relaying.
	bad, _ := pat.AppendFrame(nil, 8, pat.IDNtcLayerBinary, nil)
	if err := a.WriteRaw(bad); err != nil {
		t.Fatal(err)
	}
	if msg, err := a.ExpectShut(); err != nil || !strings.Contains(msg, "malformed packet") {
		t.Fatalf("NtcShut %q (%v) does not say the packet was malformed", msg, err)
	}
	position(b, 9, "ok")
	if m, err := published.NextMsg(5 * time.Second); err != nil || !bytes.Contains(m.Data, []byte("BBBBBBok")) {
		t.Fatalf("bystander's position: %v", err)
	}
	if m, err := ntcs.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("a relay reached the handlers: % x", m.Data)
	}
}

// A client that stops reading while megabytes of room traffic arrive
// still gets every frame whole and in order once it reads again, and
// the frames for a bystander in the same room are not held up by it.
func TestRoomFramesToASlowReaderArriveWholeAndInOrder(t *testing.T) {
	const room = "s1.g1.c2"
	tag := fanout.Tag("CCCCCC", []byte("Hunter"))
	addr, nc := startEdgeNC(t, edge.Config{Server: "fmp"}, seatIn(room, func(string) string { return tag }))
	slow, quick := greet(t, addr), greet(t, addr)
	for _, c := range []*gameclient.Client{slow, quick} {
		if err := c.Call(&pat.ReqLayerStart{}, &pat.AnsLayerStart{}); err != nil {
			t.Fatal(err)
		}
	}
	// 900 frames of 16 KiB: more than loopback sockets buffer (4 MiB
	// sent, 6 MiB received at most), fewer than a connection may queue.
	const frames, size = 900, 16 << 10
	frame := func(i int) []byte {
		payload := bytes.Repeat([]byte{byte(i)}, size)
		binary.BigEndian.PutUint32(payload, uint32(i))
		f, _ := pat.AppendFrame(nil, uint16(i), pat.IDNtcLayerBinary, payload)
		return f
	}
	var quickGot sync.WaitGroup
	quickGot.Add(1)
	go func() {
		defer quickGot.Done()
		for i := range frames {
			p, err := quick.Notice(pat.IDNtcLayerBinary, nil)
			if err != nil || binary.BigEndian.Uint32(p.Payload) != uint32(i) {
				t.Errorf("bystander, frame %d: %v", i, err)
				return
			}
		}
	}()
	for i := range frames {
		if err := nc.Publish(bus.RoomSubject(room), frame(i)); err != nil {
			t.Fatal(err)
		}
	}
	nc.Flush()
	quickGot.Wait() // the bystander read everything while slow read nothing
	for i := range frames {
		p, err := slow.Notice(pat.IDNtcLayerBinary, nil)
		if err != nil {
			t.Fatalf("slow reader, frame %d: %v", i, err)
		}
		if full, _ := pat.AppendFrame(nil, p.Seq, p.ID, p.Payload); !bytes.Equal(full, frame(i)) {
			t.Fatalf("slow reader, frame %d: %d bytes, seq %d, not the frame sent", i, len(full), p.Seq)
		}
	}
}

// Positions two members send in bursts reach the third member of their
// city once each, in the order each sender sent them.
func TestRelaysKeepEachSendersOrder(t *testing.T) {
	const room = "s1.g1.c2"
	var mu sync.Mutex
	tags := map[string]string{}
	ids := []string{"AAAAAA", "BBBBBB", "CCCCCC"}
	addr := startEdge(t, edge.Config{Server: "fmp"}, seatIn(room, func(conn string) string {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := tags[conn]; !ok {
			tags[conn] = fanout.Tag(ids[len(tags)], []byte("Hunter"))
		}
		return tags[conn]
	}))
	var cs []*gameclient.Client
	for range ids {
		c := greet(t, addr)
		if err := c.Call(&pat.ReqLayerStart{}, &pat.AnsLayerStart{}); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	const per = 300
	for i, c := range cs[:2] {
		var burst []byte
		for n := range per {
			burst, _ = pat.AppendFrame(burst, uint16(n), pat.IDNtcLayerUserPosition, binary.BigEndian.AppendUint32([]byte{byte(i)}, uint32(n)))
		}
		if err := c.WriteRaw(burst); err != nil {
			t.Fatal(err)
		}
	}
	next := [2]uint32{}
	for got := 0; got < 2*per; got++ {
		p, err := cs[2].Notice(pat.IDNtcLayerUserPosition, nil)
		if err != nil {
			t.Fatalf("after %d positions: %v", got, err)
		}
		body := p.Payload[2+6:] // the sender's id (length, 6 bytes), then what it sent
		from, n := int(body[0]), binary.BigEndian.Uint32(body[1:])
		if n != next[from] {
			t.Fatalf("from sender %d: position %d, want %d", from, n, next[from])
		}
		next[from]++
	}
	cs[2].Drain(300 * time.Millisecond)
	if extra := cs[2].Notices(pat.IDNtcLayerUserPosition); len(extra) != 0 {
		t.Fatalf("%d positions more than were sent", len(extra))
	}
}
