package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

// runLoad drives a server with whole logins from many simulated consoles
// at once and prints logins/s and login-time percentiles. Every run is
// bounded by --logins and --duration.
func runLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	opn := fs.String("opn", "127.0.0.1:8200", "OPN address of the server under test")
	clients := fs.Int("clients", 16, "consoles logging in at the same time")
	logins := fs.Int("logins", 200, "logins in all (the run stops after them)")
	duration := fs.Duration("duration", time.Minute, "longest the run may take")
	wii := fs.Bool("wii", false, "use the real console's SSLv2-format TLS hello")
	pid := fs.Int("pid", 0, "process id of the server under test (same machine): report its CPU time per login")
	pids := fs.String("pids", "", "comma list of name=pid of a split deployment's processes (same machine): report each one's CPU time per login")
	returning := fs.Bool("returning", false, "each client is one console that logs in again and again, as a player does day after day (its first login, which creates the console and its hunter, is made before the run and not counted); without it every login is a new console's first")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	consoles := make([]*gameclient.Console, *clients)
	hunters := make([]string, *clients) // each returning console's Capcom ID
	for i := range consoles {
		consoles[i] = &gameclient.Console{}
	}
	if *returning {
		var wg sync.WaitGroup
		errs := make([]error, *clients)
		for i, con := range consoles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hunters[i], errs[i] = gameclient.FullLogin(*opn, con, *wii, "Load")
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("first logins of the returning consoles: %w", err)
		}
	}
	var next, failed atomic.Int64
	var mu sync.Mutex
	var times []time.Duration
	var firstErr error
	cpu0, cpuErr := processCPU(*pid)
	roles, err := parsePids(*pids)
	if err != nil {
		return err
	}
	roleCPU0 := make([]cpuTime, len(roles))
	for i, r := range roles {
		if roleCPU0[i], err = processCPU(r.pid); err != nil {
			return fmt.Errorf("--pids %s: %w", r.name, err)
		}
	}
	begin := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(*logins) {
				con := consoles[c]
				if !*returning {
					con = &gameclient.Console{}
				}
				t0 := time.Now()
				id, err := gameclient.FullLogin(*opn, con, *wii, "Load")
				if err == nil && *returning && id != hunters[c] {
					err = fmt.Errorf("console %d came back as hunter %s, was %s", c, id, hunters[c])
				}
				mu.Lock()
				if err != nil {
					failed.Add(1)
					if firstErr == nil {
						firstErr = err
					}
				} else {
					times = append(times, time.Since(t0))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	slices.Sort(times)
	pct := func(p int) time.Duration {
		if len(times) == 0 {
			return 0
		}
		return times[min(len(times)-1, len(times)*p/100)].Round(time.Millisecond)
	}
	fmt.Printf("logins ok %d, failed %d, in %v: %.1f logins/s; login time p50 %v p99 %v max %v\n",
		len(times), failed.Load(), elapsed.Round(time.Millisecond), float64(len(times))/elapsed.Seconds(), pct(50), pct(99), pct(100))
	if *pid != 0 && cpuErr == nil && len(times) > 0 {
		if cpu1, err := processCPU(*pid); err == nil {
			used := cpu1.sub(cpu0)
			fmt.Printf("server CPU: user %v, system %v; %.2f ms per login\n",
				used.user.Round(time.Millisecond), used.sys.Round(time.Millisecond),
				float64(used.user+used.sys)/float64(time.Millisecond)/float64(len(times)))
		}
	}
	if len(roles) > 0 && len(times) > 0 {
		var total time.Duration
		for i, r := range roles {
			cpu1, err := processCPU(r.pid)
			if err != nil {
				continue
			}
			used := cpu1.sub(roleCPU0[i])
			total += used.user + used.sys
			fmt.Printf("  %-12s CPU %v: %.2f ms per login\n", r.name, (used.user + used.sys).Round(time.Millisecond),
				float64(used.user+used.sys)/float64(time.Millisecond)/float64(len(times)))
		}
		fmt.Printf("  %-12s CPU %v: %.2f ms per login\n", "all", total.Round(time.Millisecond), float64(total)/float64(time.Millisecond)/float64(len(times)))
	}
	if firstErr != nil {
		return fmt.Errorf("first failure: %w", firstErr)
	}
	return nil
}

type namedPid struct {
	name string
	pid  int
}

// parsePids reads "edge1=123,handlers=456".
func parsePids(s string) ([]namedPid, error) {
	var out []namedPid
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		name, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n <= 0 {
			return nil, fmt.Errorf("--pids: %q is not name=pid", f)
		}
		out = append(out, namedPid{name, n})
	}
	return out, nil
}

// cpuTime is a process's user and system CPU time.
type cpuTime struct{ user, sys time.Duration }

func (a cpuTime) sub(b cpuTime) cpuTime { return cpuTime{a.user - b.user, a.sys - b.sys} }

// processCPU reads a process's CPU time from /proc/<pid>/stat (Linux).
func processCPU(pid int) (cpuTime, error) {
	if pid == 0 {
		return cpuTime{}, fmt.Errorf("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, err
	}
	// Fields after the command name (which may hold spaces) start after ")".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return cpuTime{}, fmt.Errorf("bad /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return cpuTime{}, fmt.Errorf("bad /proc stat")
	}
	ticks := func(s string) time.Duration {
		n, _ := strconv.ParseInt(s, 10, 64)
		return time.Duration(n) * time.Second / 100 // USER_HZ is 100 on Linux
	}
	return cpuTime{user: ticks(f[11]), sys: ticks(f[12])}, nil
}
