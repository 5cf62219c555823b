package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mh3net/mh3net/bot"
)

// runBot plays the game with many hunters against a deployment (package
// bot) and prints what they did: per action count, refusals, errors and
// latency percentiles.
func runBot(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	var cfg bot.Config
	fs.StringVar(&cfg.OPN, "opn", "127.0.0.1:8200", "OPN (TLS) address of the deployment; hunters follow its redirects to LMP and FMP")
	fs.IntVar(&cfg.Hunters, "hunters", 16, "hunters in all")
	fs.DurationVar(&cfg.Duration, "duration", time.Minute, "the run stops after this (or at SIGINT/SIGTERM): hunters finish what they do and log out")
	fs.IntVar(&cfg.Sessions, "sessions", 0, "logins per active hunter; the run ends when all are played (0: until --duration)")
	servers := fs.String("servers", "", "FMP server indices to pick from, e.g. 1,2,5-8 (default: every server the list offers)")
	fs.IntVar(&cfg.Gates, "gates", 3, "hunters pick among this many first gates of a server (a full one sends them on)")
	fs.Float64Var(&cfg.Idle, "idle", 0.1, "fraction of hunters that log in and stay idle at a gate, answering line checks")
	localIPs := fs.String("local-ips", "", "source addresses given to hunters in turn, e.g. 127.0.0.2-127.0.0.60,127.0.1.1 (an edge allows 32 connections per address)")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the schedules and of the consoles: the same seed plays the same profiles again")
	fs.DurationVar(&cfg.ThinkMin, "think-min", 500*time.Millisecond, "shortest pause after an action")
	fs.DurationVar(&cfg.ThinkMax, "think-max", 3*time.Second, "longest pause after an action")
	fs.DurationVar(&cfg.Ramp, "ramp", 0, "first logins spread over this time (default: a quarter of --duration, at most 10s)")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "longest wait for an answer, and for hunters to log out at the end")
	fs.BoolVar(&cfg.Wii, "wii", false, "use the real console's SSLv2-format TLS hello")
	fs.DurationVar(&cfg.Progress, "progress", 10*time.Second, "print a progress line to stderr this often (0: never)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	pids := fs.String("pids", "", "comma list of name=pid of the deployment's processes (same machine): report each one's CPU time over the run, per request and per hunter")
	if err := parse(fs, args); err != nil {
		return err
	}
	roles, err := parsePids(*pids)
	if err != nil {
		return err
	}
	cpu0 := make([]cpuTime, len(roles))
	for i, r := range roles {
		if cpu0[i], err = processCPU(r.pid); err != nil {
			return fmt.Errorf("--pids %s: %w", r.name, err)
		}
	}
	if cfg.Servers, err = parseIndices(*servers); err != nil {
		return fmt.Errorf("--servers: %w", err)
	}
	if cfg.LocalIPs, err = parseAddrs(*localIPs); err != nil {
		return fmt.Errorf("--local-ips: %w", err)
	}
	cfg.ProgressOut = os.Stderr
	rep, err := bot.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	if len(roles) > 0 {
		// Requests are the answered actions (every one is at least one
		// packet through the handlers); the relayed ones (chat, moves)
		// cost the handlers a stamp and the edges a fan-out.
		reqs := rep.Total.Count
		var total time.Duration
		fmt.Printf("CPU over %v (%d actions, %d hunters):\n", rep.Elapsed.Round(time.Millisecond), reqs, rep.Hunters)
		for i, r := range roles {
			cpu1, err := processCPU(r.pid)
			if err != nil {
				fmt.Printf("  %-12s gone (%v)\n", r.name, err)
				continue
			}
			used := cpu1.sub(cpu0[i])
			u := used.user + used.sys
			total += u
			fmt.Printf("  %-12s %8v  %5.1f%% of a core  %.3f ms per action\n", r.name, u.Round(time.Millisecond),
				100*u.Seconds()/rep.Elapsed.Seconds(), float64(u)/float64(time.Millisecond)/float64(max(reqs, 1)))
		}
		fmt.Printf("  %-12s %8v  %5.1f%% of a core  %.3f ms per action\n", "all", total.Round(time.Millisecond),
			100*total.Seconds()/rep.Elapsed.Seconds(), float64(total)/float64(time.Millisecond)/float64(max(reqs, 1)))
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if rep.Sessions == 0 && rep.Hunters > 0 {
		return errors.New("no hunter got onto a server")
	}
	return nil
}

// parseIndices reads "1,2,5-8".
func parseIndices(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, err
			}
		}
		if a < 1 || b < a || b-a > 1000 {
			return nil, fmt.Errorf("bad range %q", f)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// parseAddrs reads "127.0.0.2-127.0.0.60,127.0.1.1": addresses and
// inclusive ranges of IPv4 addresses.
func parseAddrs(s string) ([]string, error) {
	var out []string
	for _, f := range splitList(s) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = netip.ParseAddr(hi); err != nil {
				return nil, err
			}
		}
		if b.Less(a) || a.Is4() != b.Is4() {
			return nil, fmt.Errorf("bad range %q", f)
		}
		for ip := a; ; ip = ip.Next() {
			out = append(out, ip.String())
			if ip == b || len(out) > 1<<16 {
				break
			}
		}
	}
	return out, nil
}
