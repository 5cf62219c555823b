package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
)

// churn logs a console in from ip, stands it at gate 1 and creates and
// leaves city 7 for d. It returns the cycles made and the time since its
// login began.
func churn(s *Server, ip string, d time.Duration) (cycles int, since time.Duration, err error) {
	began := time.Now()
	dl := gameclient.Dialer{LocalIP: ip}
	c, _, err := dl.LoginFromLMP(s.Addr("lmp").String(), s.Addr("fmp").String(), &gameclient.Console{}, "Churner", 1)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if _, _, err := c.Arrive(50); err != nil {
		return 0, 0, err
	}
	if err := c.Down(1); err != nil {
		return 0, 0, err
	}
	for start := time.Now(); time.Since(start) < d; cycles++ {
		if err := c.CreateCity(7, nil); err != nil {
			return cycles, 0, fmt.Errorf("cycle %d: create: %w", cycles, err)
		}
		if err := c.Up(); err != nil {
			return cycles, 0, fmt.Errorf("cycle %d: leave: %w", cycles, err)
		}
	}
	return cycles, time.Since(began), nil
}

// Every city created and left is an event kept for good, so the events
// one address makes the handlers append are a token bucket (here 8 at
// once, then 2 a second). A console churning a city is slowed to that
// rate, each cycle at least one event, and stays connected through its
// waits (line checks every second meanwhile); a console from another
// address logs in and plays as usual. Without the bound the same churn
// runs at the frame rate. Served in process and over the bus alike.
func TestEventBudgetSlowsAChurningAddress(t *testing.T) {
	const burst, rate = 8, 2.0
	var bound int
	// In process (the one-box default) and over the bus (edges and
	// handlers in processes of their own: the count rides on the reply).
	for _, busOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("bus only %v", busOnly), func(t *testing.T) {
			s := start(t, Config{EventRate: rate, EventBurst: burst, LineCheckInterval: time.Second, BusOnly: busOnly})
			done := make(chan struct{})
			var cycles int
			var since time.Duration
			var churnErr error
			go func() {
				defer close(done)
				cycles, since, churnErr = churn(s, "127.0.0.3", 3*time.Second)
			}()
			time.Sleep(time.Second) // the churner is in debt by now
			bystander, _, err := gameclient.Dialer{LocalIP: "127.0.0.4"}.LoginFromLMP(s.Addr("lmp").String(), s.Addr("fmp").String(), &gameclient.Console{}, "Bystander", 1)
			if err != nil {
				t.Fatalf("a console from another address: %v", err)
			}
			defer bystander.Close()
			if _, _, err := bystander.Arrive(50); err != nil {
				t.Fatalf("a console from another address arrives: %v", err)
			}
			<-done
			if churnErr != nil {
				t.Fatalf("the churning console, slowed: %v", churnErr)
			}
			// The login's own events count too; one more cycle may start
			// on the last token.
			b := burst + int(rate*since.Seconds()) + 1
			if cycles > b {
				t.Fatalf("%d create/leave cycles in %v, more than the budget's %d events", cycles, since.Round(time.Millisecond), b)
			}
			t.Logf("%d cycles in %v with the budget (at most %d events)", cycles, since.Round(time.Millisecond), b)
			bound = max(bound, b)
		})
	}

	free := start(t, Config{EventRate: -1})
	n, took, err := churn(free, "127.0.0.5", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cycles in %v without it", n, took.Round(time.Millisecond))
	if n <= bound {
		t.Fatalf("without the budget only %d cycles in %v: the test cannot tell the budget from a slow box", n, took.Round(time.Millisecond))
	}
}
