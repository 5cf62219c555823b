// Package bot is a load generator that plays: hunters that log in as the
// game does (OPN over TLS, LMP, FMP, following the server's redirects),
// pick a server and a gate, create and join cities, chat, move, form
// quest parties, send tells, log out and in again, or stay idle
// answering line checks, each on its own seeded schedule with think
// times. It counts and times every action, classifies what failed, and
// keeps playing through faults: a hunter whose connection drops logs in
// again.
package bot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

// Config is a run. Zero fields take the defaults noted.
type Config struct {
	OPN      string        // OPN (TLS) address of the deployment
	Hunters  int           // hunters in all (default 16)
	Duration time.Duration // the run stops after it (default 1 min)
	// Sessions bounds the logins of each active hunter (0: as many as
	// fit in Duration). With it, the run ends once every active hunter
	// played its sessions.
	Sessions int
	// Servers are the FMP server indices (1-based) hunters pick from,
	// among those the server list offers (empty: all it offers).
	Servers []int
	// Gates is how many of a server's first gates hunters pick from
	// (default 3); a full gate sends them to the next.
	Gates int
	// Idle is the fraction of hunters that log in, stand at a gate and
	// only answer line checks until the run ends.
	Idle float64
	// LocalIPs are source addresses, given to hunters in turn (many
	// hunters from 127.0.0.x stay under an edge's per-address limit).
	LocalIPs []string
	Seed     int64 // schedules and profiles: the same seed reuses the same consoles
	// ThinkMin and ThinkMax bound the pause after each action (default
	// 0.5 s and 3 s).
	ThinkMin, ThinkMax time.Duration
	// Ramp spreads the hunters' first logins over this time (default a
	// quarter of Duration, at most 10 s).
	Ramp time.Duration
	// Timeout bounds each request, and the time hunters have to finish
	// and log out once the run stops (default 10 s).
	Timeout time.Duration
	Wii     bool // the console's SSLv2-format TLS hello instead of Dolphin's
	// Progress, when set with ProgressOut, prints a line every Progress.
	Progress    time.Duration
	ProgressOut io.Writer
}

func (c *Config) defaults() error {
	if c.OPN == "" {
		return errors.New("bot: no OPN address")
	}
	if c.Hunters == 0 {
		c.Hunters = 16
	}
	if c.Hunters < 0 || c.Idle < 0 || c.Idle > 1 || c.Sessions < 0 {
		return errors.New("bot: hunters, sessions and the idle fraction must not be negative (idle at most 1)")
	}
	if c.Duration <= 0 {
		c.Duration = time.Minute
	}
	if c.Gates <= 0 {
		c.Gates = 3
	}
	if c.ThinkMin <= 0 {
		c.ThinkMin = 500 * time.Millisecond
	}
	if c.ThinkMax <= 0 {
		c.ThinkMax = 3 * time.Second
	}
	c.ThinkMax = max(c.ThinkMax, c.ThinkMin)
	if c.Ramp <= 0 {
		c.Ramp = min(c.Duration/4, 10*time.Second)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return nil
}

// run is one Run's shared state.
type run struct {
	cfg   Config
	stats *stats
	stop  context.Context // ends the playing: duration, signal, or every session played
	// tag marks this run's chat lines, tells and positions, so deliveries
	// are timed and counted only between its own hunters.
	tag    string
	magic  [8]byte
	online roster

	mu    sync.Mutex
	conns map[*gameclient.Client]struct{}
	cut   bool // the grace after the stop ran out: connections were closed
}

// Run plays cfg until its duration passes, ctx ends, or (with Sessions)
// every active hunter played its sessions; then every hunter finishes
// what it is doing and logs out (within Timeout; connections still open
// then are closed). It returns once every hunter has stopped.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	stop, stopRun := context.WithTimeout(ctx, cfg.Duration)
	defer stopRun()
	runID := rand.Uint32()
	r := &run{cfg: cfg, stats: newStats(), stop: stop, tag: fmt.Sprintf("bot%08x", runID), conns: map[*gameclient.Client]struct{}{}}
	copy(r.magic[:4], "MHB1")
	binary.BigEndian.PutUint32(r.magic[4:], runID)
	idle := int(float64(cfg.Hunters)*cfg.Idle + 0.5)
	begin := time.Now()

	var hunters, active sync.WaitGroup
	for i := 0; i < cfg.Hunters; i++ {
		// Idle hunters are spread among the others: hunter i is idle
		// when the running share of idle ones steps up at it.
		h := newHunter(r, i, (i+1)*idle/cfg.Hunters > i*idle/cfg.Hunters)
		hunters.Add(1)
		if !h.idle {
			active.Add(1)
		}
		go func() {
			defer hunters.Done()
			if !h.idle {
				defer active.Done()
			}
			h.live()
		}()
	}
	done := make(chan struct{})
	go func() { hunters.Wait(); close(done) }()
	if cfg.Sessions > 0 && idle < cfg.Hunters {
		go func() {
			active.Wait()
			stopRun() // the idle ones log out too
		}()
	}
	var progress <-chan time.Time
	if cfg.Progress > 0 && cfg.ProgressOut != nil {
		t := time.NewTicker(cfg.Progress)
		defer t.Stop()
		progress = t.C
	}
	for waiting := true; waiting; {
		select {
		case <-progress:
			fmt.Fprintln(cfg.ProgressOut, r.stats.progress(time.Since(begin), cfg.Hunters))
		case <-stop.Done():
			waiting = false
		case <-done:
			waiting = false
		}
	}
	grace := time.NewTimer(cfg.Timeout)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		r.closeAll() // hunters stuck in a request fail at once
		<-done
	}
	rep := r.stats.report()
	rep.Hunters, rep.Idle, rep.Seed, rep.Elapsed = cfg.Hunters, idle, cfg.Seed, time.Since(begin)
	rep.Began = r.stats.begin
	if cfg.ProgressOut != nil && cfg.Progress > 0 {
		fmt.Fprintln(cfg.ProgressOut, r.stats.progress(rep.Elapsed, cfg.Hunters))
	}
	return rep, nil
}

// track registers a connection for closeAll; the func returned forgets it.
func (r *run) track(cl *gameclient.Client) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cut {
		cl.Close()
	}
	r.conns[cl] = struct{}{}
	return func() {
		r.mu.Lock()
		delete(r.conns, cl)
		r.mu.Unlock()
	}
}

func (r *run) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cut = true
	for cl := range r.conns {
		cl.Close()
	}
}

func (r *run) wasCut() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cut
}

// stamp is the text of a chat line or tell: the run's tag and the time.
func (r *run) stamp() string {
	return r.tag + " " + strconv.FormatInt(time.Now().UnixNano(), 10)
}

// stamped returns when a line of this run was sent.
func (r *run) stamped(text []byte) (time.Time, bool) {
	tag, ns, ok := strings.Cut(string(text), " ")
	if !ok || tag != r.tag {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	return time.Unix(0, n), err == nil
}

// position is a position update of the size the game sends (0x20 bytes):
// the run's magic, the time, and a place.
func (r *run) position(rng *rand.Rand) []byte {
	b := make([]byte, 32)
	copy(b, r.magic[:])
	binary.BigEndian.PutUint64(b[8:], uint64(time.Now().UnixNano()))
	for i := 16; i < 28; i += 4 {
		binary.BigEndian.PutUint32(b[i:], rng.Uint32())
	}
	return b
}

// positioned returns when a position update of this run was sent.
func (r *run) positioned(payload []byte) (time.Time, bool) {
	if len(payload) < 16 || string(payload[:8]) != string(r.magic[:]) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(payload[8:]))), true
}

// roster is who of the run's hunters is online, for tells.
type roster struct {
	mu  sync.Mutex
	ids []string
	at  map[string]int
}

func (o *roster) add(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.at == nil {
		o.at = map[string]int{}
	}
	if _, ok := o.at[id]; ok {
		return
	}
	o.at[id] = len(o.ids)
	o.ids = append(o.ids, id)
}

func (o *roster) remove(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i, ok := o.at[id]
	if !ok {
		return
	}
	last := o.ids[len(o.ids)-1]
	o.ids[i], o.at[last] = last, i
	o.ids = o.ids[:len(o.ids)-1]
	delete(o.at, id)
}

// pick is a random online hunter other than not ("" when none).
func (o *roster) pick(rng *rand.Rand, not string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ids) == 0 || len(o.ids) == 1 && o.ids[0] == not {
		return ""
	}
	for {
		if id := o.ids[rng.IntN(len(o.ids))]; id != not {
			return id
		}
	}
}
