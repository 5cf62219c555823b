// Command statuspage measures the status page's update latency: a hunter
// logs in (through OPN, as the game does) and creates a city; the time
// from the game's answer to the first server-sent event of /api/events
// that shows the hunter in that city is one sample. Run it against a
// deployment under load (bench/statuspage.sh runs `mh3net up` and
// `mh3net bot --hunters 100`).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

type snapshot struct {
	Online  int `json:"online"`
	Hunters []struct {
		CapcomID string `json:"capcom_id"`
		Server   int    `json:"server"`
		Gate     int    `json:"gate"`
		City     int    `json:"city"`
	} `json:"hunters"`
}

// watch is what the stream reader looks for: a hunter in a city.
type watch struct {
	server, gate, city int
	seen               chan time.Time
}

func main() {
	opn := flag.String("opn", "127.0.0.1:8200", "OPN address of the deployment")
	httpAddr := flag.String("http", "127.0.0.1:8280", "its operator HTTP address (--http)")
	samples := flag.Int("samples", 40, "hunters to measure, one after another")
	server := flag.Int("server", 1, "FMP server the hunters go to")
	gate := flag.Int("gate", 20, "gate whose cities they create (the bot uses the first --gates)")
	flag.Parse()

	resp, err := http.Get("http://" + *httpAddr + "/api/events")
	if err != nil {
		log.Fatal(err)
	}
	if resp.StatusCode != 200 {
		log.Fatalf("events: %s", resp.Status)
	}
	var mu sync.Mutex
	watches := map[string]*watch{}
	var events, bytes, online int
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 16<<20)
		name := ""
		for sc.Scan() {
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "event: "):
				name = l[len("event: "):]
			case strings.HasPrefix(l, "data: ") && name == "status":
				now := time.Now()
				var s snapshot
				if err := json.Unmarshal([]byte(l[len("data: "):]), &s); err != nil {
					log.Fatalf("bad snapshot: %v", err)
				}
				mu.Lock()
				events++
				bytes += len(l)
				online = s.Online
				for _, h := range s.Hunters {
					if w, ok := watches[h.CapcomID]; ok && h.Server == w.server && h.Gate == w.gate && h.City == w.city {
						w.seen <- now
						delete(watches, h.CapcomID)
					}
				}
				mu.Unlock()
			}
		}
		log.Fatalf("event stream ended: %v", sc.Err())
	}()

	var fromAnswer, fromSend []time.Duration
	start := time.Now()
	for i := range *samples {
		city := i%20 + 1
		cl, id, err := gameclient.LoginToFMP(*opn, &gameclient.Console{}, false, fmt.Sprintf("Probe%d", i), *server)
		if err != nil {
			log.Fatalf("login %d: %v", i, err)
		}
		if _, _, err := cl.Arrive(50); err != nil {
			log.Fatalf("arrive %d: %v", i, err)
		}
		if err := cl.Down(uint16(*gate)); err != nil {
			log.Fatalf("gate %d: %v", i, err)
		}
		// Start at a random phase of the page's 500 ms poll.
		time.Sleep(time.Duration(rand.Int64N(int64(500 * time.Millisecond))))
		w := &watch{server: *server, gate: *gate, city: city, seen: make(chan time.Time, 1)}
		mu.Lock()
		watches[id] = w
		mu.Unlock()
		sent := time.Now()
		if err := cl.CreateCity(uint16(city), nil); err != nil {
			log.Fatalf("city %d: %v", i, err)
		}
		answered := time.Now()
		select {
		case at := <-w.seen:
			fromAnswer = append(fromAnswer, max(0, at.Sub(answered)))
			fromSend = append(fromSend, at.Sub(sent))
		case <-time.After(10 * time.Second):
			log.Fatalf("hunter %d (%s) not shown in its city within 10 s", i, id)
		}
		cl.Up()
		cl.Close()
	}
	elapsed := time.Since(start)
	mu.Lock()
	fmt.Printf("%d samples over %s; %d status events received (%.1f/s, %.1f KiB each on average), %d hunters online at the end\n",
		len(fromAnswer), elapsed.Round(time.Second), events, float64(events)/elapsed.Seconds(), float64(bytes)/float64(max(events, 1))/1024, online)
	report("city answer → shown on the page", fromAnswer)
	report("city request sent → shown on the page", fromSend)
	mu.Unlock()
	// One snapshot on its own: GET /api/status (a NATS request to the
	// handlers, which build it).
	var gets []time.Duration
	for range 20 {
		t0 := time.Now()
		r, err := http.Get("http://" + *httpAddr + "/api/status")
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		gets = append(gets, time.Since(t0))
		time.Sleep(100 * time.Millisecond)
	}
	report("GET /api/status", gets)
	os.Exit(0)
}

func report(what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("%-40s p50 %6s  p90 %6s  p99 %6s  max %6s\n", what, q(.5), q(.9), q(.99), ds[len(ds)-1].Round(100*time.Microsecond))
}
