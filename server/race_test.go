package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// split is mh3net spread over roles in one test process: one NATS server
// (natsrv, listening on a loopback port) and, each with its own NATS
// connection over TCP, two handler instances and two edges, as separate
// `mh3net handlers` and `mh3net edge` processes would be.
type split struct {
	handlers [2]*Server
	edges    [2]*Server
}

func startSplit(t *testing.T) *split {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MH3NET_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	sp := &split{}
	run := func(cfg Config) *Server {
		cfg.NATSURL, cfg.Logger = ns.ClientURL(), log
		cfg.Host, cfg.Advertise, cfg.Ports = "127.0.0.1", "127.0.0.1", map[string]int{}
		cfg.ConnectionDelay = 10 * time.Millisecond
		s, err := Start(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	for i := range sp.handlers {
		sp.handlers[i] = run(Config{Handlers: true})
	}
	for i := range sp.edges {
		sp.edges[i] = run(Config{Edge: true})
	}
	return sp
}

// hunterAt logs a new hunter in through edge e onto FMP server 1, plays
// the arrival and walks it into gate 1.
func (sp *split) hunterAt(t *testing.T, e int, name string) (*gameclient.Client, string) {
	t.Helper()
	ed := sp.edges[e]
	f, id, err := gameclient.LoginFromLMP(ed.Addr("lmp").String(), ed.Addr("fmp").String(), &gameclient.Console{}, name, 1)
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

// raceAll runs fn for every index at once (released together) and
// returns the errors by index.
func raceAll(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// alertText is the message of an AnsAlert answer, "" for anything else.
func alertText(err error) string {
	var a *gameclient.ErrAlert
	if errors.As(err, &a) {
		return a.Message
	}
	return ""
}

// Eight hunters on two edges, served by two handler instances, race for
// one empty city of 4 slots, 20 rounds in a row (cities 1 to 10 of gate
// 1 in turn, so each city is raced for twice: the second time after it
// emptied and reset).
//
// A city only exists once someone created it (an empty city cannot be
// joined: LayerDown into it is refused), so each round is the whole
// contest for the city, in two races:
//
//  1. all 8 reserve it at once (LayerCreateHead): exactly one reservation
//     wins, the other 7 get the game's "City already exists." alert (MH3SP counts a reserved city as full); the winner
//     creates the city (Set, Foot) and stands in it as host (slot 1);
//  2. the 7 losers all LayerDown into it at once: exactly 3 get the 3
//     free slots, 4 get "This city is full.".
//
// So every round exactly 4 hunters get in and 4 are refused, and the
// invariant under test is the one the city stream's optimistic
// concurrency must hold across processes: two handler instances decide
// on the same state and only one append per version wins. After every
// round: the city's synchronised user list (from inside) and the gate's
// preview of the city (the world view of either handler) show exactly
// the 4 who got in; the log's city stream, folded event by event, never
// holds 5, never joins a hunter into a taken slot; and an observer at the
// gate polling the city list while the joins race, and every
// NtcLayerUserNum pushed to the gate, never shows 5. Then the 4 leave
// at once (LayerUp) and the city is empty (reset) for the next round.
func TestCityRaceEightHuntersTwoEdges(t *testing.T) {
	const (
		rounds = 20
		racers = 8
		cities = 10
	)
	started := time.Now()
	sp := startSplit(t)
	capacity := world.Default().CityCapacity
	if capacity != 4 {
		t.Fatalf("the default world's city capacity is %d, the test is written for 4", capacity)
	}

	var cls [racers]*gameclient.Client
	var ids [racers]string
	for i := range cls {
		cls[i], ids[i] = sp.hunterAt(t, i%2, fmt.Sprintf("Racer%d", i))
	}
	observer, _ := sp.hunterAt(t, 0, "Watcher")
	t.Logf("9 hunters logged in and at gate 1 in %v", time.Since(started).Round(time.Millisecond))

	var (
		headRefused, downRefused, joined int
		observed, polls                  int
		notices, noticeMax               int
		raceTime                         time.Duration
	)
	for r := 1; r <= rounds; r++ {
		roundStart := time.Now()
		cityNum := uint16(1 + (r-1)%cities)
		city := world.Path{Server: 1, Gate: 1, City: int(cityNum)}
		// Race 1: everyone reserves the city.
		errs := raceAll(racers, func(i int) error {
			return cls[i].Call(&pat.ReqLayerCreateHead{Number: cityNum}, &pat.AnsLayerCreateHead{})
		})
		creator := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if creator >= 0 {
					t.Fatalf("round %d: both %s and %s reserved city %d", r, ids[creator], ids[i], cityNum)
				}
				creator = i
			case alertText(err) == "<LF=8><BODY><CENTER>City already exists.<END>":
				headRefused++
			default:
				t.Fatalf("round %d: %s reserving: %v", r, ids[i], err)
			}
		}
		if creator < 0 {
			t.Fatalf("round %d: nobody reserved city %d: %v", r, cityNum, errs)
		}
		if err := cls[creator].Call(&pat.ReqLayerCreateSet{Number: cityNum}, &pat.AnsLayerCreateSet{}); err != nil {
			t.Fatalf("round %d: %s creates: %v", r, ids[creator], err)
		}
		if err := cls[creator].Call(&pat.ReqLayerCreateFoot{Number: cityNum}, &pat.AnsLayerCreateFoot{}); err != nil {
			t.Fatalf("round %d: %s ends the creation: %v", r, ids[creator], err)
		}

		// Race 2: the other 7 go in at once while the observer polls the
		// gate's city list.
		var others []int
		for i := range cls {
			if i != creator {
				others = append(others, i)
			}
		}
		stop := make(chan struct{})
		watched := make(chan error, 1)
		go func() {
			var err error
			for {
				select {
				case <-stop:
					watched <- err
					return
				default:
				}
				pop, _, perr := cityEntry(observer, int(cityNum))
				if perr != nil {
					watched <- perr
					return
				}
				polls++
				observed = max(observed, pop)
				if pop > capacity && err == nil {
					err = fmt.Errorf("the gate listed city %d with %d hunters", cityNum, pop)
				}
			}
		}()
		raceStart := time.Now()
		errs = raceAll(len(others), func(k int) error { return cls[others[k]].Down(cityNum) })
		raceTime += time.Since(raceStart)
		close(stop)
		if err := <-watched; err != nil {
			t.Fatalf("round %d: observer: %v", r, err)
		}
		inside := []string{ids[creator]}
		var in []int
		refused := 0
		for k, err := range errs {
			i := others[k]
			switch {
			case err == nil:
				inside = append(inside, ids[i])
				in = append(in, i)
			case alertText(err) == "<LF=8><BODY><CENTER>This city is full.<END>":
				refused++
			default:
				t.Fatalf("round %d: %s into the city: %v", r, ids[i], err)
			}
		}
		downRefused += refused
		joined += len(inside)
		if len(inside) != capacity || refused != racers-capacity {
			t.Fatalf("round %d: %d got in (%v), %d refused; want %d and %d", r, len(inside), inside, refused, capacity, racers-capacity)
		}
		sort.Strings(inside)
		// The newcomers ask who hosts, as the game does.
		for _, i := range in {
			var a pat.AnsLayerHost
			if err := cls[i].Call(pat.NewReqLayerHost(pat.LayerPath{Server: 1, Gate: 1, City: cityNum}), &a); err != nil || string(a.CapcomID) != ids[creator] {
				t.Fatalf("round %d: %s asks the host: %q, %v (want %s)", r, ids[i], a.CapcomID, err, ids[creator])
			}
		}

		// What everyone sees: the user list inside (decided on the log's
		// head), the gate's city list and preview (the world views of both
		// handler instances, eventually), and the log itself.
		for _, i := range append([]int{creator}, in...) {
			users, err := cls[i].Users()
			sort.Strings(users)
			if err != nil || !sameIDs(users, inside) {
				t.Fatalf("round %d: %s's user list %v (%v), want %v", r, ids[i], users, err, inside)
			}
		}
		eventually(t, 5*time.Second, fmt.Sprintf("round %d: the gate's view of city %d", r, cityNum), func() error {
			pop, capa, err := cityEntry(observer, int(cityNum))
			if err != nil {
				return err
			}
			if pop > capacity {
				t.Fatalf("round %d: the gate listed city %d with %d hunters", r, cityNum, pop)
			}
			if pop != capacity || capa != capacity {
				return fmt.Errorf("listed with %d/%d", pop, capa)
			}
			users, err := previewUsers(observer, city)
			if err != nil {
				return err
			}
			if !sameIDs(users, inside) {
				return fmt.Errorf("preview shows %v, want %v", users, inside)
			}
			return nil
		})
		logged, most, bad, err := cityLog(context.Background(), sp.handlers[0].store, city, capacity)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 || most > capacity {
			t.Fatalf("round %d: the city stream held up to %d hunters; violations: %v", r, most, bad)
		}
		if got := cityMembers(logged); !sameIDs(got, inside) || logged.Leader != ids[creator] {
			t.Fatalf("round %d: the log's city holds %v led by %s, want %v led by %s", r, got, logged.Leader, inside, ids[creator])
		}

		// Everyone inside leaves at once; the city empties and resets.
		inAll := append([]int{creator}, in...)
		for k, err := range raceAll(len(inAll), func(k int) error { return cls[inAll[k]].Up() }) {
			if err != nil {
				t.Fatalf("round %d: %s leaves: %v", r, ids[inAll[k]], err)
			}
		}
		logged, most, bad, err = cityLog(context.Background(), sp.handlers[1].store, city, capacity)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 || most > capacity || logged.Population() != 0 || logged.Created || logged.Leader != "" || logged.Reserver != "" {
			t.Fatalf("round %d: after everyone left the city is %+v (most %d, violations %v)", r, logged, most, bad)
		}
		eventually(t, 5*time.Second, fmt.Sprintf("round %d: city %d listed empty", r, cityNum), func() error {
			if pop, _, err := cityEntry(observer, int(cityNum)); err != nil || pop != 0 {
				return fmt.Errorf("listed with %d (%v)", pop, err)
			}
			return nil
		})
		t.Logf("round %2d, city %2d: %s (edge %d) created; %d joined, %d refused full; %v", r, cityNum, ids[creator], creator%2+1, len(in), refused, time.Since(roundStart).Round(time.Millisecond))
	}

	// Every numbers notice the gate got for the city: never 5.
	for _, cl := range append(cls[:], observer) {
		cl.Drain(100 * time.Millisecond)
		for _, p := range cl.Notices(pat.IDNtcLayerUserNum) {
			var n pat.NtcLayerUserNum
			if err := pat.Unmarshal(p.Payload, &n); err != nil {
				t.Fatal(err)
			}
			notices++
			pop := int(n.Num.Num(pat.UserNumPopulation))
			noticeMax = max(noticeMax, pop)
			if pop > capacity {
				t.Errorf("NtcLayerUserNum showed city %d with %d hunters", n.Num.Num(pat.UserNumIndex), pop)
			}
		}
	}
	if notices == 0 {
		t.Error("the gate got no NtcLayerUserNum")
	}
	t.Logf("%d rounds: %d got in, %d reservations refused (City reserved), %d joins refused (full); "+
		"most seen: list %d over %d polls during the joins, NtcLayerUserNum %d over %d notices; "+
		"joins raced %v per round on average; total %v",
		rounds, joined, headRefused, downRefused, observed, polls, noticeMax, notices,
		(raceTime / rounds).Round(time.Microsecond), time.Since(started).Round(time.Millisecond))
}
