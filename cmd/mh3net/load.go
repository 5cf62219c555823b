package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
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
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var next, failed atomic.Int64
	var mu sync.Mutex
	var times []time.Duration
	var firstErr error
	begin := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(*logins) {
				t0 := time.Now()
				_, err := gameclient.FullLogin(*opn, &gameclient.Console{}, *wii, "Load")
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
	if firstErr != nil {
		return fmt.Errorf("first failure: %w", firstErr)
	}
	return nil
}
