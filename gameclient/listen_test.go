package gameclient

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/mh3net/mh3net/pat"
)

// pair is a client on one end of a loopback TCP connection and the raw
// server end.
func pair(t *testing.T) (*Client, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cl, err := Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); srv.Close() })
	return cl, srv
}

func frame(t *testing.T, seq uint16, m pat.Message) []byte {
	t.Helper()
	b, err := pat.AppendMessage(nil, seq, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Listen answers line checks, hands over notices, and an interruption in
// the middle of a frame does not cut it: the next read gets it whole.
func TestListenKeepsFramesWhole(t *testing.T) {
	cl, srv := pair(t)
	chat := frame(t, 0, &pat.NtcLayerChat{Text: []byte("hello")})
	srv.Write(frame(t, 7, &pat.ReqLineCheck{}))
	srv.Write(chat)
	var got []pat.ID
	if err := cl.Listen(context.Background(), 300*time.Millisecond, func(p pat.Packet) bool { got = append(got, p.ID); return false }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != pat.IDNtcLayerChat {
		t.Fatalf("listen handed over %v", got)
	}
	ans := make([]byte, pat.HeaderSize)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := srv.Read(ans); err != nil {
		t.Fatal(err)
	}
	if h, _ := pat.ParseHeader(ans, pat.MaxPayload); h.ID != pat.IDAnsLineCheck || h.Seq != 7 {
		t.Fatalf("line check answered with %v seq %d", h.ID, h.Seq)
	}

	// Half a frame, then the wait ends (its deadline, then its context),
	// then the other half.
	srv.Write(chat[:5])
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
		time.Sleep(100 * time.Millisecond)
		srv.Write(chat[5:])
	}()
	got = nil
	err := cl.Listen(ctx, time.Hour, func(p pat.Packet) bool { got = append(got, p.ID); return false })
	if len(got) != 1 || got[0] != pat.IDNtcLayerChat {
		t.Fatalf("after the split frame: %v, %v", got, err)
	}
	if err := cl.Listen(ctx, time.Hour, func(pat.Packet) bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("listen with an ended context: %v", err)
	}
	// A request after an interrupted wait reads normally.
	srv.Write(frame(t, 1, &pat.AnsLineCheck{}))
	if _, err := cl.Expect(pat.IDAnsLineCheck, nil); err != nil {
		t.Fatal(err)
	}
	// fn ends the wait; what arrived after stays for the next one.
	srv.Write(append(frame(t, 0, &pat.NtcLayerIn{}), chat...))
	got = nil
	if err := cl.Listen(context.Background(), time.Hour, func(p pat.Packet) bool { got = append(got, p.ID); return p.ID == pat.IDNtcLayerIn }); err != nil || len(got) != 1 {
		t.Fatalf("listen until NtcLayerIn: %v, %v", got, err)
	}
	if p, err := cl.Notice(pat.IDNtcLayerChat, nil); err != nil || p.ID != pat.IDNtcLayerChat {
		t.Fatalf("the chat after it: %v", err)
	}
	srv.Write(frame(t, 0, &pat.NtcShut{Message: []byte("bye")}))
	var shut *ShutError
	if err := cl.Listen(context.Background(), time.Hour, func(pat.Packet) bool { return false }); !errors.As(err, &shut) || shut.Message != "bye" {
		t.Fatalf("NtcShut while listening: %v", err)
	}
}
