package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// remoteWorld is an external FMP server's world file: one server, index
// 13, after MH3SP's twelve.
const remoteWorld = `{
  "gates_per_server": 4, "cities_per_gate": 8, "server_capacity": 100,
  "gate_capacity": 100, "city_capacity": 4,
  "gate_name": "Far Gate%d", "city_name": "Far City%d",
  "servers": [{"index": 13, "name": "Remote13", "type": 1, "capacity": 50, "gates": 4}]
}`

// serverEntry finds server index in a list.
func serverEntry(list []pat.Data, index int) (pat.Data, bool) {
	for _, d := range list {
		if int(d.Num(pat.FmpIndex)) == index {
			return d, true
		}
	}
	return nil, false
}

// waitList polls the LMP server list until ok accepts it.
func waitList(t *testing.T, lmp string, within time.Duration, what string, ok func(uint32, []pat.Data) bool) (uint32, []pat.Data) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v, list, err := gameclient.ServerList(lmp)
		if err == nil && ok(v, list) {
			return v, list
		}
		if time.Now().After(deadline) {
			t.Fatalf("server list (version %d, %d entries, err %v) not %s within %v", v, len(list), err, what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// An external FMP server (`mh3net edge --fmp-only` with its own world
// file) registers its server with the deployment: it appears in the LMP
// list with its own address and a new list version, hunters are sent
// there from LMP and from another FMP server and meet in its cities, and
// its population shows. SIGKILLed, it leaves the list within two lease
// periods (the version back to the central world's), its hunters are
// swept (offline for a search), and a hunter who picks it is told the
// server is offline.
func TestExternalFMPServer(t *testing.T) {
	const lease = 2 * time.Second
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	c.lockedNATS(sec)
	h := c.handlersProc("handlers", sec, "--lease", lease.String())
	central := c.startEdge("edge", sec, c.nats)
	lmp := central.addr(central.lmp)

	v, list := waitList(t, lmp, 10*time.Second, "the central world's", func(v uint32, l []pat.Data) bool { return len(l) == 12 })
	if v != 1 {
		t.Fatalf("the central world's list has version %d, want MH3SP's 1", v)
	}

	file := filepath.Join(t.TempDir(), "remote.json")
	if err := os.WriteFile(file, []byte(remoteWorld), 0o600); err != nil {
		t.Fatal(err)
	}
	extPort := freePort(t)
	ext := c.start("remote-fmp", append([]string{"edge", "--fmp-only", "--world", file, "--nats", c.nats,
		"--host", "127.0.0.1", "--advertise", "127.0.0.1", "--fmp-port", strconv.Itoa(extPort),
		"--connection-delay", "20ms", "--request-timeout", "1s"}, sec.edgeArgs()...)...)
	extAddr := "127.0.0.1:" + strconv.Itoa(extPort)
	waitTCP(t, extAddr)
	started := time.Now()
	v, list = waitList(t, lmp, 10*time.Second, "with the external server", func(v uint32, l []pat.Data) bool { return len(l) == 13 })
	t.Logf("the external server was listed %v after it listened", time.Since(started).Round(10*time.Millisecond))
	if v == 1 {
		t.Fatal("the list version stayed 1 with an external server listed: the game would keep its old list")
	}
	d, ok := serverEntry(list, 13)
	if !ok {
		t.Fatal("server 13 is not in the list")
	}
	if got := gameclient.Addr(d.Bytes(pat.FmpAddress), uint16(d.Num(pat.FmpPort))); got != extAddr || string(d.Bytes(pat.FmpName)) != "Remote13" || d.Num(pat.FmpCapacity) != 50 {
		t.Fatalf("server 13 is %q at %s capacity %d, want Remote13 at %s capacity 50", d.Bytes(pat.FmpName), got, d.Num(pat.FmpCapacity), extAddr)
	}
	if d1, _ := serverEntry(list, 1); gameclient.Addr(d1.Bytes(pat.FmpAddress), uint16(d1.Num(pat.FmpPort))) != central.addr(central.fmp) {
		t.Fatal("server 1 is not sent to the central edge any more")
	}

	// Aiden picks server 13 at LMP and lands on the external edge.
	conA := &gameclient.Console{}
	a, idA, err := gameclient.LoginFromLMP(lmp, "", conA, "Aiden", 13)
	if err != nil {
		t.Fatalf("login to server 13: %v", err)
	}
	defer a.Close()
	if got := a.Conn().RemoteAddr().String(); got != extAddr {
		t.Fatalf("server 13's hunter was sent to %s, want the external edge %s", got, extAddr)
	}
	if _, _, err := a.Arrive(50); err != nil {
		t.Fatalf("arrival on server 13: %v", err)
	}
	gates, err := a.Children()
	if err != nil || len(gates) != 4 {
		t.Fatalf("server 13 lists %d gates (%v), want the 4 of its world file", len(gates), err)
	}
	if err := a.Down(1); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateCity(2, nil); err != nil {
		t.Fatalf("create a city on server 13: %v", err)
	}

	// Bree is on server 1 (central edge) and changes to server 13 in game.
	conB := &gameclient.Console{}
	b1, _, err := gameclient.LoginFromLMP(lmp, "", conB, "Bree", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b1.Arrive(50); err != nil {
		t.Fatal(err)
	}
	inGame, err := b1.FmpList2()
	if _, ok := serverEntry(inGame, 13); err != nil || !ok {
		t.Fatalf("the in-game server list does not show server 13 (%v)", err)
	}
	b, sent, err := b1.ServerChange(conB, 13, "")
	b1.Close()
	if err != nil {
		t.Fatalf("server change to 13: %v", err)
	}
	defer b.Close()
	if sent != extAddr {
		t.Fatalf("the server change sent Bree to %s, want %s", sent, extAddr)
	}
	if _, _, err := b.Arrive(50); err != nil {
		t.Fatal(err)
	}
	if err := b.Down(1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JoinCity(13, 1, 2); err != nil {
		t.Fatalf("join Aiden's city on server 13: %v", err)
	}
	if err := b.Chat("hello far away"); err != nil {
		t.Fatal(err)
	}
	if text := heard(t, a, "hello far away"); text == "" {
		t.Fatal("Aiden heard nothing")
	}
	waitPopulation(t, lmp, 13, 2, 10*time.Second)

	// A hunter on the central world searches for Aiden: online, on Remote13.
	cara, _ := worldHunter(t, central, "Cara")
	if info, online, err := cara.SearchInfo(idA); err != nil || !online || !strings.HasPrefix(string(info.Data.Bytes(pat.SearchLocation)), "Remote13\t") {
		t.Fatalf("search for Aiden on server 13: online %v, %v, location %q", online, err, info.Data.Bytes(pat.SearchLocation))
	}

	ext.kill(t)
	killed := time.Now()
	waitList(t, lmp, 2*lease+2*time.Second, "back to the central world's", func(v uint32, l []pat.Data) bool { return len(l) == 12 && v == 1 })
	t.Logf("server 13 left the list %v after the SIGKILL (lease %v)", time.Since(killed).Round(10*time.Millisecond), lease)
	h.waitFor(t, "edge swept")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, online, err := cara.SearchInfo(idA)
		if err == nil && !online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Aiden of the dead external server is still online for a search (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Picking server 13 now: "Server is offline."
	con := &gameclient.Console{}
	first, err := gameclient.Dial(lmp)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := first.LMPFirst(con); err != nil {
		t.Fatal(err)
	}
	second, err := gameclient.Dial(lmp)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if _, err := second.Greet(con, true); err != nil {
		t.Fatal(err)
	}
	if _, err := second.PickSlot(1, true, "Dana"); err != nil {
		t.Fatal(err)
	}
	_, err = second.FmpInfo(13)
	var alert *gameclient.ErrAlert
	if !errors.As(err, &alert) || !strings.Contains(alert.Message, "Server is offline.") {
		t.Fatalf("picking the dead server 13: %v, want the 'Server is offline.' alert", err)
	}
}
