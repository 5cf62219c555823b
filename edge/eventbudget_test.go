package edge

import (
	"net/netip"
	"testing"
	"time"
)

// An address may append its burst of events at once; past it, it owes,
// and its connections wait what the rate takes to repay; other addresses
// owe nothing. A debt outlives the address's connections; a repaid
// budget is forgotten with them. A negative rate bounds nothing.
func TestEventBudget(t *testing.T) {
	g := NewGate(GateConfig{EventRate: 2, EventBurst: 10})
	a, b := netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.2/32")
	now := time.Unix(1000, 0)
	debt := func(key netip.Prefix, at time.Time, want time.Duration) {
		t.Helper()
		if d := g.eventDebt(key, at); d != want {
			t.Fatalf("debt of %v at %v: %v, want %v", key, at.Sub(now), d, want)
		}
	}
	debt(a, now, 0)
	g.chargeEvents(a, 10, now) // the whole burst
	debt(a, now, 0)
	g.chargeEvents(a, 4, now) // 4 owed: 2 s at 2 a second
	debt(a, now, 2*time.Second)
	debt(a, now.Add(time.Second), time.Second)
	debt(b, now, 0)
	if n := g.owing.Load(); n != 1 {
		t.Fatalf("%d budgets counted in debt, want 1", n)
	}
	debt(a, now.Add(2*time.Second), 0)
	if n := g.owing.Load(); n != 0 {
		t.Fatalf("%d budgets counted in debt once repaid: every frame would take the lock", n)
	}

	c := netip.MustParsePrefix("2001:db8::/64")
	if over := g.admit(c); over != "" {
		t.Fatal(over)
	}
	g.chargeEvents(c, 30, time.Now())
	g.leave(c)
	if _, kept := g.events[c]; !kept {
		t.Fatal("an address's debt was forgotten with its last connection")
	}
	if over := g.admit(c); over != "" {
		t.Fatal(over)
	}
	g.events[c].tokens = 10 // repaid and full
	g.leave(c)
	if _, kept := g.events[c]; kept {
		t.Fatal("a full budget was kept after the address's last connection")
	}

	off := NewGate(GateConfig{EventRate: -1})
	off.chargeEvents(a, 1_000_000, now)
	if d := off.eventDebt(a, now); d != 0 {
		t.Fatalf("a gate without a budget makes an address wait %v", d)
	}
}
