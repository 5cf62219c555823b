package world

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Live is the world a handler process serves, which a reload of the world
// file may grow while hunters play: servers added, capacities, gates and
// cities per gate raised. A change that could strand a hunter (a server
// removed, a capacity or count lowered, a server's type or the types'
// rank bounds changed, the city capacity changed) is refused and the old
// world stays. Every process watching the same file takes the same
// decision, so they converge.
type Live struct {
	p  atomic.Pointer[World]
	mu sync.Mutex // one reload at a time
}

// NewLive serves w.
func NewLive(w *World) *Live {
	l := &Live{}
	l.p.Store(w)
	return l
}

// Get is the world served now. It is never modified: a reload replaces it.
func (l *Live) Get() *World { return l.p.Load() }

// Grow serves next if it only grows the world served now (see Grows).
func (l *Live) Grow(next *World) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := next.Grows(l.p.Load()); err != nil {
		return err
	}
	l.p.Store(next)
	return nil
}

// Reload reads path and serves it if it only grows the world served now;
// otherwise the error says why, it is logged, and the old world stays.
// For the admin API and the file watch.
func (l *Live) Reload(path string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	next, err := Load(path)
	if err == nil {
		err = l.Grow(next)
	}
	if err != nil {
		log.Error("world file refused; the world served so far stays", "file", path, "reason", err.Error())
		return err
	}
	log.Info("world file reloaded", "file", path, "servers", len(next.Servers))
	return nil
}

// Watch reloads path whenever its size or time changes, looking every
// interval, until ctx ends; what it compares with is the file as it is
// when Watch is called. It returns at once; the channel closes when the
// watch has stopped. A refused change is logged once.
func (l *Live) Watch(ctx context.Context, path string, interval time.Duration, log *slog.Logger) <-chan struct{} {
	stamp := func() string {
		fi, err := os.Stat(path)
		if err != nil {
			return "error: " + err.Error()
		}
		return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	}
	last := stamp()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if now := stamp(); now != last {
				last = now
				l.Reload(path, log)
			}
		}
	}()
	return done
}

// Grows reports whether w can replace old without stranding a hunter:
// every server of old is in w with the same type and at least its
// capacity and gates, gates and cities hold at least as many, the city
// capacity (a city's member slots) and the types' rank bounds are the
// same. Names may change; servers may be added.
func (w *World) Grows(old *World) error {
	var errs []string
	for _, o := range old.Servers {
		n, ok := w.Server(o.Index)
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("server %d (%s) is gone", o.Index, o.Name))
		case n.Type != o.Type:
			errs = append(errs, fmt.Sprintf("server %d: type %d → %d", o.Index, o.Type, n.Type))
		case n.Capacity < o.Capacity:
			errs = append(errs, fmt.Sprintf("server %d: capacity %d → %d", o.Index, o.Capacity, n.Capacity))
		case n.Gates < o.Gates:
			errs = append(errs, fmt.Sprintf("server %d: gates %d → %d", o.Index, o.Gates, n.Gates))
		}
	}
	if w.GateCapacity < old.GateCapacity {
		errs = append(errs, fmt.Sprintf("gate_capacity %d → %d", old.GateCapacity, w.GateCapacity))
	}
	if w.CitiesPerGate < old.CitiesPerGate {
		errs = append(errs, fmt.Sprintf("cities_per_gate %d → %d", old.CitiesPerGate, w.CitiesPerGate))
	}
	if w.CityCapacity != old.CityCapacity {
		errs = append(errs, fmt.Sprintf("city_capacity %d → %d (cities keep their slots while running)", old.CityCapacity, w.CityCapacity))
	}
	if w.BinaryBounds() != old.BinaryBounds() {
		errs = append(errs, "types: the rank bounds changed (binary 0x01 tells them at login)")
	}
	if len(errs) > 0 {
		return fmt.Errorf("only additions and increases are taken while running: %s", strings.Join(errs, "; "))
	}
	return nil
}
