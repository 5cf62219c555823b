package edge_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/edge"
	"github.com/mh3net/mh3net/pat"
)

// A panic while one connection is served (here in the in-process
// handler call, on the connection's read goroutine) closes that connection
// alone: its close is announced as unsettled, and the connections beside
// it, and the ones that come after, are served as before.
func TestAPanicClosesOnlyItsConnection(t *testing.T) {
	closes := make(chan nats.Header, 4)
	cfg := edge.Config{
		Local: func(server string, h nats.Header, frame []byte) ([]byte, nats.Header, bool) {
			if hd, _ := pat.ParseHeader(frame, pat.MaxPayload); hd.Seq == 666 {
				var s []int
				_ = s[hd.Seq] // index out of range
			}
			return nil, nil, false
		},
		LocalClosed: func(m *nats.Msg) bool {
			closes <- m.Header
			return true
		},
	}
	addr := startEdge(t, cfg, func(m *nats.Msg) {
		// The handlers hand the connection a session (so its close is
		// announced).
		h, _ := pat.ParseHeader(m.Data, pat.MaxPayload)
		b, _ := pat.AppendMessage(nil, h.Seq, &pat.AnsFmpListVersion{Version: 1})
		reply := nats.NewMsg(m.Reply)
		reply.Data = b
		reply.Header.Set(bus.HeaderSession, "c2Vzc2lvbg")
		m.RespondMsg(reply)
	})
	bystander := greet(t, addr)
	victim := greet(t, addr)
	ask := func(what string, c interface {
		SendSeq(uint16, pat.Message) error
		Expect(pat.ID, pat.Message) (pat.Packet, error)
	}, seq uint16) {
		t.Helper()
		if err := c.SendSeq(seq, &pat.ReqFmpListVersion{}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if p, err := c.Expect(pat.IDAnsFmpListVersion, nil); err != nil || p.Seq != seq {
			t.Fatalf("%s: %v (seq %d)", what, err, p.Seq)
		}
	}
	ask("victim before", victim, 1)
	if err := victim.SendSeq(666, &pat.ReqFmpListVersion{}); err != nil {
		t.Fatal(err)
	}
	if _, err := victim.Next(); err == nil {
		t.Fatal("the connection that caused the panic is still served")
	}
	select {
	case h := <-closes:
		if h.Get(bus.HeaderUnsettled) == "" {
			t.Fatalf("close announced settled: %v", h)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the close was not announced")
	}
	ask("bystander", bystander, 1)
	ask("newcomer", greet(t, addr), 1)
}
