package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
)

// startProfiling turns on what an operator asked for: a CPU profile
// written to a file until the process stops (--cpuprofile), and/or the
// net/http/pprof endpoints on an address of its own (--pprof, e.g.
// 127.0.0.1:6060; never on by default, never on a game port). It returns
// the function that ends the CPU profile.
func startProfiling(cpuFile, addr string, log *slog.Logger) (func(), error) {
	stop := func() {}
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		log.Info("writing a CPU profile", "file", cpuFile)
		stop = func() {
			rpprof.StopCPUProfile()
			f.Close()
		}
	}
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			stop()
			return nil, fmt.Errorf("--pprof: %w", err)
		}
		runtime.SetMutexProfileFraction(100)
		runtime.SetBlockProfileRate(100000)
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("pprof endpoint stopped", "err", err)
			}
		}()
		log.Info("pprof endpoint", "addr", ln.Addr().String())
		prev := stop
		stop = func() { srv.Close(); prev() }
	}
	return stop, nil
}
