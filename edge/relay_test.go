package edge_test

import (
	"bytes"
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

// Positions and layer binaries are stamped by the edge with the tag the
// handlers gave the connection and published straight to its layer room:
// the others there get them, the sender does not, no handler sees them,
// and a malformed one closes only its sender.
func TestEdgeRelaysPositionsToTheLayer(t *testing.T) {
	const room = "s1.g1.c1"
	// The handlers' part: every request puts its connection in the city
	// with a tag, one Capcom ID per connection in arrival order.
	var mu sync.Mutex
	tags := map[string]string{}
	ids := []string{"AAAAAA", "BBBBBB"}
	addr, nc := startEdgeNC(t, edge.Config{Server: "fmp"}, func(m *nats.Msg) {
		conn := m.Header.Get(bus.HeaderConn)
		mu.Lock()
		if _, ok := tags[conn]; !ok {
			tags[conn] = fanout.Tag(ids[len(tags)], []byte("Hunter"))
		}
		tag := tags[conn]
		mu.Unlock()
		h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
		out := nats.NewMsg(m.Reply)
		out.Data, _ = pat.AppendMessage(nil, h.Seq, &pat.AnsLayerStart{})
		out.Header.Set(bus.HeaderLayer, room)
		out.Header.Set(bus.HeaderTag, tag)
		m.RespondMsg(out)
	})
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
