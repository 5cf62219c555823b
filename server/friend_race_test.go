package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

// Two hunters who asked each other accept each other's request at the
// same moment, on different edges and handler processes (two servers
// sharing one NATS), 10 rounds: each ends with the other on its friend
// list exactly once.
func TestMutualFriendAcceptRace(t *testing.T) {
	one := start(t, Config{NATSPort: -1})
	two, err := Start(context.Background(), Config{Edge: true, Handlers: true, NATSURL: one.NATS.ClientURL(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })

	for round := range 10 {
		a := arrive(t, one, &gameclient.Console{}, fmt.Sprintf("A%d", round), 1)
		b := arrive(t, two, &gameclient.Console{}, fmt.Sprintf("B%d", round), 2)
		if err := a.FriendAdd(b.id, "hi"); err != nil {
			t.Fatal(err)
		}
		if err := b.FriendAdd(a.id, "hi"); err != nil {
			t.Fatal(err)
		}
		for _, h := range []*hunter{a, b} {
			if _, _, _, err := h.FriendRequest(); err != nil {
				t.Fatalf("round %d: request: %v", round, err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]*hunter{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = pair[0].FriendAccept(pair[1].id, true)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: accept: %v", round, err)
			}
		}
		for _, pair := range [][2]*hunter{{a, b}, {b, a}} {
			fs, err := pair[0].Friends()
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].CapcomID != pair[1].id {
				t.Fatalf("round %d: friends of %s = %+v, want %s once", round, pair[0].id, fs, pair[1].id)
			}
		}
		a.Close()
		b.Close()
	}
}
