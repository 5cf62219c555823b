package edge

import (
	"net/netip"
	"time"
)

// The event budget. Every city created, joined or left, every circle and
// friend change and every new console is an event the log keeps for
// good; within the frame rate alone one connection churning a city grew
// the log by ~10 GB a day. The handlers say how many events each answer
// appended (bus.HeaderEvents), and the gate charges them to the
// requester's address in a token bucket. An address in debt has its
// connections read nothing more until the bucket is back at zero, as the
// frame rate limit does: TCP slows the client, and nothing is refused or
// buffered. Departures made by a connection's close are never charged.

// eventBucket is one address's budget: tokens at the time at. owing
// marks a bucket counted in Gate.owing.
type eventBucket struct {
	tokens float64
	at     time.Time
	owing  bool
}

// refill brings b to now.
func (b *eventBucket) refill(now time.Time, rate float64, burst int) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.tokens+d.Seconds()*rate, float64(burst))
		b.at = now
	}
}

// chargeEvents takes n events from key's budget; it may go into debt.
func (g *Gate) chargeEvents(key netip.Prefix, n int, now time.Time) {
	if n <= 0 || g.cfg.EventRate < 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.events[key]
	if b == nil {
		b = &eventBucket{tokens: float64(g.cfg.EventBurst), at: now}
		g.events[key] = b
		if len(g.events) > 2*g.cfg.MaxConns {
			g.sweepRepaidLocked(now)
		}
	}
	g.settleLocked(b, now)
	b.tokens -= float64(n)
	if b.tokens < 0 && !b.owing {
		b.owing = true
		g.owing.Add(1)
		g.warnDebt.Do(func() {
			g.cfg.Logger.Warn("an address makes the handlers append events faster than its budget: its connections wait (--ip-event-rate, --ip-event-burst)",
				"addr", key.String(), "rate", g.cfg.EventRate, "burst", g.cfg.EventBurst)
		})
	}
}

// settleLocked brings b to now and, repaid, stops counting it as owing.
func (g *Gate) settleLocked(b *eventBucket, now time.Time) {
	b.refill(now, g.cfg.EventRate, g.cfg.EventBurst)
	if b.owing && b.tokens >= 0 {
		b.owing = false
		g.owing.Add(-1)
	}
}

// eventDebt is how long key's connections must wait before reading on:
// zero unless the address owes events. Every frame asks, so while no
// address owes it answers without the gate's lock.
func (g *Gate) eventDebt(key netip.Prefix, now time.Time) time.Duration {
	if g.cfg.EventRate < 0 || g.owing.Load() == 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.events[key]
	if b == nil {
		return 0
	}
	g.settleLocked(b, now)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / g.cfg.EventRate * float64(time.Second))
}

// forgetRepaidLocked drops key's budget once it is full again (the
// address's last connection left): an address that still owes keeps
// its debt across reconnections.
func (g *Gate) forgetRepaidLocked(key netip.Prefix, now time.Time) {
	b := g.events[key]
	if b == nil {
		return
	}
	g.settleLocked(b, now)
	if b.tokens >= float64(g.cfg.EventBurst) {
		delete(g.events, key)
	}
}

// sweepRepaidLocked drops the budgets of addresses without connections
// that owe nothing any more, so that the map stays near the number of
// addresses connected or in debt.
func (g *Gate) sweepRepaidLocked(now time.Time) {
	for key := range g.events {
		if g.byIP[key] == 0 {
			g.forgetRepaidLocked(key, now)
		}
	}
}
