package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/pgtest"
)

// worldHunter logs a new hunter in through edge e onto FMP server 1,
// plays the arrival and walks it into gate 1.
func worldHunter(t *testing.T, e edgePorts, name string) (*gameclient.Client, string) {
	t.Helper()
	f, id, err := gameclient.LoginFromLMP(e.addr(e.lmp), e.addr(e.fmp), &gameclient.Console{}, name, 1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	if _, _, err := f.Arrive(50); err != nil {
		t.Fatalf("%s arrives: %v", name, err)
	}
	if err := f.Down(1); err != nil {
		t.Fatalf("%s into gate 1: %v", name, err)
	}
	return f, id
}

// gateView is what a hunter standing at gate 1 sees of city n: its
// population in the gate's city list, and who the city's preview
// (ReqLayerUserListHead/Data) shows, sorted.
func gateView(cl *gameclient.Client, n uint16) (int, []string, error) {
	layers, err := cl.Children()
	if err != nil {
		return 0, nil, err
	}
	if int(n) > len(layers) {
		return 0, nil, fmt.Errorf("the gate lists %d cities", len(layers))
	}
	pop := int(layers[n-1].Data.Num(pat.LayerPopulation))
	lp := pat.LayerPath{Server: 1, Gate: 1, City: n}
	var h pat.AnsLayerUserListHead
	if err := cl.Call(&pat.ReqLayerUserListHead{Layer: lp.Bytes(), First: 1, Count: 100, Fields: []byte{1, 2, 3}}, &h); err != nil {
		return 0, nil, err
	}
	var d pat.AnsLayerUserListData
	if err := cl.Call(&pat.ReqLayerUserListData{First: 1, Count: 100}, &d); err != nil {
		return 0, nil, err
	}
	var ids []string
	for _, u := range d.Users {
		ids = append(ids, string(u.Data.Bytes(pat.LayerUserCapcomID)))
	}
	sort.Strings(ids)
	return pop, ids, nil
}

// waitGate waits until the gate shows city n with exactly want inside.
func waitGate(t *testing.T, cl *gameclient.Client, n uint16, want ...string) {
	t.Helper()
	sort.Strings(want)
	deadline := time.Now().Add(10 * time.Second)
	for {
		pop, ids, err := gateView(cl, n)
		if err == nil && pop == len(want) && strings.Join(ids, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gate shows city %d with %d: %v (%v), want %v", n, pop, ids, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// usersAre checks a city member's synchronised user list.
func usersAre(t *testing.T, cl *gameclient.Client, want ...string) {
	t.Helper()
	got, err := cl.Users()
	sort.Strings(got)
	sort.Strings(want)
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("user list %v (%v), want %v", got, err, want)
	}
}

// heard waits until cl hears text and returns who said it.
func heard(t *testing.T, cl *gameclient.Client, text string) string {
	t.Helper()
	for {
		from, got, err := cl.Heard()
		if err != nil {
			t.Fatalf("waiting to hear %q: %v", text, err)
		}
		if got == text {
			return from
		}
	}
}

// hearOnce waits up to cl's Timeout for text and returns who said it.
func hearOnce(cl *gameclient.Client, text string) (string, error) {
	for {
		from, got, err := cl.Heard()
		if err != nil || got == text {
			return from, err
		}
	}
}

// layerMoves are the NtcLayerIn and NtcLayerOut about one hunter that cl
// received, in order ("in", "out"), forgetting every In and Out kept.
func layerMoves(cl *gameclient.Client, capcomID string) []string {
	ins := cl.Notices(pat.IDNtcLayerIn)
	outs := cl.Notices(pat.IDNtcLayerOut)
	seen := cl.SeenIDs()
	// Seen holds every id in arrival order: walk it, taking kept In and
	// Out notices in their order (the ones consumed earlier are gone and
	// are skipped from the front).
	skipIn, skipOut := 0, 0
	for _, id := range seen {
		switch id {
		case pat.IDNtcLayerIn:
			skipIn++
		case pat.IDNtcLayerOut:
			skipOut++
		}
	}
	skipIn -= len(ins)
	skipOut -= len(outs)
	var moves []string
	i, o := 0, 0
	for _, id := range seen {
		switch id {
		case pat.IDNtcLayerIn:
			if skipIn > 0 {
				skipIn--
				continue
			}
			var m pat.NtcLayerIn
			pat.Unmarshal(ins[i].Payload, &m)
			i++
			if string(m.CapcomID) == capcomID {
				moves = append(moves, "in")
			}
		case pat.IDNtcLayerOut:
			if skipOut > 0 {
				skipOut--
				continue
			}
			var m pat.NtcLayerOut
			pat.Unmarshal(outs[o].Payload, &m)
			o++
			if string(m.CapcomID) == capcomID {
				moves = append(moves, "out")
			}
		}
	}
	return moves
}

// TestMultiProcessCityKilledHandler plays a city across processes on the
// locked bus: `mh3net nats`, two `mh3net edge` and two `mh3net handlers`.
// Two hunters on different edges create and join a city, chat, exchange
// positions, and one leaves and comes back. Then one handler process is
// SIGKILLed between two steps, and another in the middle of play, while
// one hunter keeps joining, leaving and creating cities (the edges retry
// the packet the dead process held, with the same request id, on the
// live one). After each kill the city is consistent everywhere: the
// members' user lists, the gate's city list and preview (both handlers'
// world views), who hosts, and the NtcLayerIn/Out the other member got
// (they alternate and end where the hunter stands: nobody half-joined).
// Once with the embedded JetStream log, once with Postgres.
func TestMultiProcessCityKilledHandler(t *testing.T) {
	bin := buildBinary(t)
	for _, backend := range []string{"embedded", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var extra []string
			if backend == "postgres" {
				extra = []string{"--postgres", pgtest.Start(t).URL()}
			}
			cityKilledHandler(t, bin, extra)
		})
	}
}

func cityKilledHandler(t *testing.T, bin string, extra []string) {
	started := time.Now()
	c := &cluster{t: t, bin: bin}
	sec := makeSecrets(t, bin)
	c.lockedNATS(sec)
	h1 := c.handlersProc("handlers-1", sec, extra...)
	h2 := c.handlersProc("handlers-2", sec, extra...)
	e1 := c.startEdge("edge-1", sec, c.nats)
	e2 := c.startEdge("edge-2", sec, c.nats)
	for _, e := range []edgePorts{e1, e2} {
		waitTCP(t, e.addr(e.lmp))
		waitTCP(t, e.addr(e.fmp))
	}

	a, aid := worldHunter(t, e1, "Alpha")
	b, bid := worldHunter(t, e2, "Beta")
	gate, _ := worldHunter(t, e2, "Gatekeeper")
	t.Logf("processes up and 3 hunters at gate 1 in %v", time.Since(started).Round(time.Millisecond))

	// A (edge 1) creates city 3, B (edge 2) joins it.
	if err := a.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	if host, err := b.JoinCity(1, 1, 3); err != nil || host != aid {
		t.Fatalf("B joins: host %q, %v", host, err)
	}
	var in pat.NtcLayerIn
	if _, err := a.Notice(pat.IDNtcLayerIn, &in); err != nil || string(in.CapcomID) != bid {
		t.Fatalf("A sees B come in: %q %v", in.CapcomID, err)
	}
	usersAre(t, a, aid, bid)
	usersAre(t, b, aid, bid)
	waitGate(t, gate, 3, aid, bid)
	// Chat and positions, both ways, across the edges.
	if err := a.Chat("from edge 1"); err != nil {
		t.Fatal(err)
	}
	if from := heard(t, b, "from edge 1"); from != aid {
		t.Fatalf("B heard A's line from %s", from)
	}
	if err := b.Chat("from edge 2"); err != nil {
		t.Fatal(err)
	}
	if from := heard(t, a, "from edge 2"); from != bid {
		t.Fatalf("A heard B's line from %s", from)
	}
	for _, p := range []struct {
		from, to *gameclient.Client
		id       string
	}{{a, b, aid}, {b, a, bid}} {
		if err := p.from.Position([]byte{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		var pos pat.NtcLayerUserPosition
		if _, err := p.to.Notice(pat.IDNtcLayerUserPosition, &pos); err != nil || string(pos.SenderID) != p.id || string(pos.Payload) != "\x01\x02\x03\x04" {
			t.Fatalf("position from %s: %q %x %v", p.id, pos.SenderID, pos.Payload, err)
		}
	}
	// B leaves and comes back.
	if err := b.Up(); err != nil {
		t.Fatal(err)
	}
	var out pat.NtcLayerOut
	if _, err := a.Notice(pat.IDNtcLayerOut, &out); err != nil || string(out.CapcomID) != bid {
		t.Fatalf("A sees B go: %q %v", out.CapcomID, err)
	}
	usersAre(t, a, aid)
	waitGate(t, gate, 3, aid)
	if host, err := b.JoinCity(1, 1, 3); err != nil || host != aid {
		t.Fatalf("B joins again: host %q, %v", host, err)
	}
	waitGate(t, gate, 3, aid, bid)

	// A handler process dies between two steps; a new one starts. A (the
	// host) leaves: B hosts now, and everyone sees it.
	h1.kill(t)
	c.handlersProc("handlers-3", sec, extra...)
	if err := a.Up(); err != nil {
		t.Fatalf("A leaves after the kill: %v", err)
	}
	var host pat.NtcLayerHost
	if _, err := b.Notice(pat.IDNtcLayerHost, &host); err != nil || string(host.CapcomID) != bid {
		t.Fatalf("B hosts: %q %v", host.CapcomID, err)
	}
	if _, err := b.Notice(pat.IDNtcLayerOut, &out); err != nil || string(out.CapcomID) != aid {
		t.Fatalf("B sees A go: %q %v", out.CapcomID, err)
	}
	usersAre(t, b, bid)
	waitGate(t, gate, 3, bid)

	// More die in the middle of play: A joins B's city, chats and leaves,
	// creates city 4 and leaves it, over and over, and the live handler
	// process started first is SIGKILLed at a random moment of that, then
	// replaced. A kill only hits a step when that process holds one of
	// its packets, so this goes on until the edges have retried packets
	// after at least two kills (at most 10 kills).
	retries := func() int {
		n := 0
		for _, p := range []string{"edge-1", "edge-2"} {
			for _, l := range c.proc(p).lines() {
				if strings.Contains(l, "handler request failed, retrying") {
					n++
				}
			}
		}
		return n
	}
	live := []*procLog{h2, c.proc("handlers-3")}
	aIn := false
	var joins, leaves, creations, kills, hits, lostLines int
	var slowest time.Duration
	var slowestStep string
	step := func(name string, fn func() error) {
		t.Helper()
		st := time.Now()
		if err := fn(); err != nil {
			t.Fatalf("%s (kill %d): %v", name, kills, err)
		}
		if d := time.Since(st); d > slowest {
			slowest, slowestStep = d, name
		}
	}
	// Kills land at a random point of play; on a loaded machine few
	// catch a packet in flight, so up to 20 are tried for two that do.
	for kills < 20 && (kills < 2 || hits < 2) {
		b.Drain(100 * time.Millisecond)
		layerMoves(b, aid) // forget what came before
		before := retries()
		victim := live[0]
		live = live[1:]
		killAfter := time.Duration(20+rand.IntN(300)) * time.Millisecond
		killed := make(chan struct{})
		go func() {
			time.Sleep(killAfter)
			victim.cmd.Process.Signal(syscall.SIGKILL)
			victim.cmd.Wait()
			close(killed)
		}()
		t.Cleanup(func() { <-killed }) // before the process's own cleanup
		kills++
		joins, leaves = 0, 0
		wasIn := aIn
		for round := 0; ; round++ {
			if aIn {
				step("A leaves city 3", a.Up)
				aIn = false
				leaves++
			}
			step("A joins city 3", func() error {
				host, err := a.JoinCity(1, 1, 3)
				if err == nil && host != bid {
					return fmt.Errorf("host %s, want %s", host, bid)
				}
				return err
			})
			aIn = true
			joins++
			text := fmt.Sprintf("kill %d line %d", kills, round)
			// A relay is not state: one that reaches the process being
			// killed is lost (at most once, like a position). A says it
			// again until B hears it.
			for try := 1; ; try++ {
				step("A chats", func() error { return a.Chat(text) })
				b.Timeout = 2 * time.Second
				from, err := hearOnce(b, text)
				b.Timeout = 10 * time.Second
				if err == nil && from == aid {
					break
				}
				if try == 5 {
					t.Fatalf("B never heard %q: %q %v", text, from, err)
				}
				lostLines++
			}
			step("A leaves city 3", a.Up)
			aIn = false
			leaves++
			step("A creates city 4", func() error { return a.CreateCity(4, nil) })
			creations++
			step("A leaves city 4", a.Up)
			if rand.IntN(2) == 0 {
				// Stay inside for the check half the time.
				step("A joins city 3", func() error { _, err := a.JoinCity(1, 1, 3); return err })
				aIn = true
				joins++
			}
			select {
			case <-killed:
			default:
				continue
			}
			break
		}
		// Any packet of the dead process the edges retried has been
		// answered by now (every step above returned).
		if retries() > before {
			hits++
		}
		live = append(live, c.handlersProc(fmt.Sprintf("handlers-%d", kills+3), sec, extra...))

		// Consistent everywhere: the user lists, the gate's list and
		// preview, the notices B got about A (they alternate and end
		// where A stands), and chat both ways.
		want := []string{bid}
		if aIn {
			want = append(want, aid)
			usersAre(t, a, want...)
		}
		usersAre(t, b, want...)
		waitGate(t, gate, 3, want...)
		waitGate(t, gate, 4)
		b.Drain(200 * time.Millisecond)
		moves := layerMoves(b, aid)
		first := 0 // a hunter outside comes in first, one inside goes out
		if wasIn {
			first = 1
		}
		for i, m := range moves {
			if wantMove := []string{"in", "out"}[(i+first)%2]; m != wantMove {
				t.Fatalf("kill %d: B's notices about A: %v (move %d is %s)", kills, moves, i+1, m)
			}
		}
		if len(moves) != joins+leaves {
			t.Fatalf("kill %d: B got %d notices about A (%v) for %d joins and %d leaves", kills, len(moves), moves, joins, leaves)
		}
		text := fmt.Sprintf("after kill %d", kills)
		if err := b.Chat(text); err != nil {
			t.Fatal(err)
		}
		if aIn {
			if from := heard(t, a, text); from != bid {
				t.Fatalf("A heard B from %s", from)
			}
		}
		t.Logf("kill %d, %v into play: retried packets %d; A inside: %v; B's notices about A %v",
			kills, killAfter, retries()-before, aIn, moves)
	}
	if hits < 2 {
		t.Fatalf("in %d kills only %d hit a packet in flight", kills, hits)
	}
	t.Logf("%d handler kills, %d of them mid-packet (%d edge retries); %d creations; chat lines said again: %d; slowest step %q took %v; total %v",
		kills+1, hits, retries(), creations, lostLines, slowestStep, slowest.Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}
