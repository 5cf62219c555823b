package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/latency"
)

// runLoadCities measures city joins under the race the game makes when a
// city is announced: groups of 8 hunters (alternating edges) each get a
// city; in every round one creates it and the other 7 send LayerDown at
// once, so 3 get in and 4 get the "full" alert; then all leave. It prints
// LayerDown latency percentiles and joins per second.
func runLoadCities(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load cities", flag.ContinueOnError)
	lmps := fs.String("lmp", "127.0.0.1:8201", "comma list of the edges' LMP addresses")
	fmps := fs.String("fmp", "127.0.0.1:8202", "comma list of the edges' FMP addresses (same order)")
	hunters := fs.Int("hunters", 64, "hunters (a multiple of 8)")
	rounds := fs.Int("rounds", 20, "rounds per group")
	server := fs.Int("server", 2, "FMP server (1-based) the hunters play on")
	if err := parse(fs, args); err != nil {
		return err
	}
	lmpList, fmpList := strings.Split(*lmps, ","), strings.Split(*fmps, ",")
	if *hunters%8 != 0 || *hunters <= 0 || len(lmpList) != len(fmpList) {
		return fmt.Errorf("need a positive multiple of 8 hunters and as many --lmp as --fmp")
	}
	clients := make([]*gameclient.Client, *hunters)
	for i := range clients {
		e := i % len(lmpList)
		c, _, err := gameclient.LoginFromLMP(lmpList[e], fmpList[e], &gameclient.Console{}, fmt.Sprintf("C%d", i), *server)
		if err == nil {
			_, _, err = c.Arrive(50)
		}
		if err != nil {
			return fmt.Errorf("hunter %d: %w", i, err)
		}
		defer c.Close()
		clients[i] = c
	}
	rec := latency.NewRecorder()
	var joins, refused, bad atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	begin := time.Now()
	for g := 0; g*8 < *hunters; g++ {
		group := clients[g*8 : g*8+8]
		gate, city := uint16(g/10+1), uint16(g%10+1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range group {
				if err := c.Down(gate); err != nil {
					fail(err)
					return
				}
			}
			for r := 0; r < *rounds && ctx.Err() == nil; r++ {
				if err := group[0].CreateCity(city, nil); err != nil {
					fail(err)
					return
				}
				var in []*gameclient.Client
				var imu sync.Mutex
				var rwg sync.WaitGroup
				for _, c := range group[1:] {
					rwg.Add(1)
					go func() {
						defer rwg.Done()
						t0 := time.Now()
						err := c.Down(city)
						rec.Add(time.Since(t0))
						var alert *gameclient.ErrAlert
						switch {
						case err == nil:
							joins.Add(1)
							imu.Lock()
							in = append(in, c)
							imu.Unlock()
						case errors.As(err, &alert):
							refused.Add(1)
						default:
							bad.Add(1)
							fail(err)
						}
					}()
				}
				rwg.Wait()
				if len(in) != 3 {
					fail(fmt.Errorf("round %d of city %d/%d: %d got in, want 3", r, gate, city, len(in)))
				}
				for _, c := range append(in, group[0]) {
					if err := c.Up(); err != nil {
						fail(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	p := rec.Percentiles(50, 99, 100)
	fmt.Printf("city joins: %d in, %d refused, %d errors in %v; %.0f joins/s (%.0f LayerDown/s); LayerDown p50 %v p99 %v max %v\n",
		joins.Load(), refused.Load(), bad.Load(), elapsed.Round(time.Millisecond),
		float64(joins.Load())/elapsed.Seconds(), float64(joins.Load()+refused.Load())/elapsed.Seconds(),
		p[0].Round(10*time.Microsecond), p[1].Round(10*time.Microsecond), p[2].Round(10*time.Microsecond))
	return firstErr
}
