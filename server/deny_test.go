package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// denied asks from → to to be friends and wants the "does not accept
// friend requests" alert.
func denied(t *testing.T, from, to *hunter, what string) {
	t.Helper()
	p, seq := exchange(t, from, &pat.ReqFriendAdd{CapcomID: []byte(to.id), Info: gameMessage(), Text: []byte("hi")}, pat.IDAnsFriendAdd)
	pin(t, "AnsFriendAdd to a hunter who denies requests "+what, p,
		alertHex(seq, pat.IDAnsFriendAdd, "<LF=8><BODY><CENTER>This hunter does not accept<BR><BODY><CENTER>friend requests.<END>"))
}

// TestDenyFriendRequestsSurvivesARestart: a hunter's "deny friend
// requests" setting (UserStatusSet 0x09 = 4) is kept on its stream: it
// refuses requests while it is online, while it is away, after the server
// restarted on its files (the bucket of online profiles, in memory, is
// gone then), and after it came back with a status that does not say;
// once it accepts requests again, they reach it.
func TestDenyFriendRequestsSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	s, stop := startIn(t, dir)
	conA, conB := &gameclient.Console{}, &gameclient.Console{}
	alpha := arrive(t, s, conA, "Alpha", 1)
	beta := arrive(t, s, conB, "Beta", 1)
	if err := beta.DenyFriendRequests(true); err != nil {
		t.Fatal(err)
	}
	denied(t, alpha, beta, "online")
	beta.Close()
	eventually(t, 10*time.Second, "Beta offline", func() error {
		if _, online, err := alpha.SearchInfo(beta.id); err != nil || online {
			return fmt.Errorf("online %v, %v", online, err)
		}
		return nil
	})
	denied(t, alpha, beta, "away")
	alpha.Close()
	stop()

	s2, _ := startIn(t, dir)
	js, err := jetstream.New(s2.nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(context.Background(), "mh3_hunters")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(context.Background(), beta.id); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("Beta's profile outlived the restart: %v", err)
	}
	alpha2 := arrive(t, s2, conA, "Alpha", 1)
	denied(t, alpha2, beta, "after a restart")
	// Beta comes back; the arrival's status does not carry field 0x09.
	beta2 := arrive(t, s2, conB, "Beta", 1)
	if beta2.id != beta.id {
		t.Fatalf("Beta came back as %s", beta2.id)
	}
	denied(t, alpha2, beta2, "after coming back")
	if err := beta2.DenyFriendRequests(false); err != nil {
		t.Fatal(err)
	}
	if err := alpha2.FriendAdd(beta2.id, "now?"); err != nil {
		t.Fatal(err)
	}
	if from, _, text, err := beta2.FriendRequest(); err != nil || from != alpha2.id || text != "now?" {
		t.Fatalf("Beta got %q %q %v", from, text, err)
	}
}
