package world

import (
	"errors"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
)

func apply(c *City, evs []events.Event) {
	for _, e := range evs {
		c.Apply(c.Version+1, e)
	}
}

func member(id string) Member { return Member{CapcomID: id, Name: []byte(id), Conn: "c-" + id} }

func TestCityLifecycle(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewCity(4)
	if _, err := c.Join(member("B"), now); !errors.Is(err, ErrCityGone) {
		t.Fatalf("join an empty city: %v", err)
	}
	evs, err := c.Reserve("A", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	apply(&c, evs)
	if c.State(now) != StateFull {
		t.Fatalf("a reserved city shows %d", c.State(now))
	}
	if _, err := c.Reserve("B", now.Add(time.Second), 0); !errors.Is(err, ErrCityReserved) {
		t.Fatalf("second reservation: %v", err)
	}
	// A lapsed reservation does not block (MH3SP's does until a restart).
	if _, err := c.Reserve("B", now.Add(ReservationTime+time.Second), 0); err != nil {
		t.Fatalf("after the reservation lapsed: %v", err)
	}
	if _, err := c.Create(member("B"), nil, nil, now); !errors.Is(err, ErrCityReserved) {
		t.Fatalf("create without holding the reservation: %v", err)
	}
	evs, err = c.Create(member("A"), []events.OptField{{ID: 2, Has: true, Value: 1}}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	apply(&c, evs)
	apply(&c, c.EndReservation("A"))
	if c.Leader != "A" || c.Slot("A") != 1 || c.Reserved(now) {
		t.Fatalf("after creation: %+v", c)
	}
	for _, id := range []string{"B", "C", "D"} {
		evs, err := c.Join(member(id), now)
		if err != nil {
			t.Fatal(err)
		}
		apply(&c, evs)
	}
	if _, err := c.Join(member("E"), now); !errors.Is(err, ErrCityFull) {
		t.Fatalf("fifth: %v", err)
	}
	if evs, _ := c.Join(member("B"), now); len(evs) != 0 {
		t.Fatalf("joining again appends %v", evs)
	}
	apply(&c, c.Leave("A", "up"))
	if c.Leader != "B" || c.Population() != 3 {
		t.Fatalf("host hand-over: leader %q, %d in", c.Leader, c.Population())
	}
	for _, id := range []string{"B", "C", "D"} {
		apply(&c, c.Leave(id, "up"))
	}
	if c.Population() != 0 || c.Created || c.Leader != "" || c.State(now) != StateEmpty {
		t.Fatalf("an emptied city resets: %+v", c)
	}
}

func TestCircles(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewCity(4)
	apply(&c, must(c.Reserve("A", now, 0)))
	apply(&c, must(c.Create(member("A"), nil, nil, now)))
	for _, id := range []string{"B", "C", "D"} {
		apply(&c, must(c.Join(member(id), now)))
	}
	cm := func(id string) CircleMember { return CircleMember{CapcomID: id, Name: []byte(id), Conn: "c-" + id} }
	if _, _, err := c.CreateCircle(cm("X"), NewCircle{Capacity: 2}); !errors.Is(err, ErrNotInCity) {
		t.Fatalf("a stranger posts: %v", err)
	}
	idx, evs, err := c.CreateCircle(cm("A"), NewCircle{Capacity: 2, HasPassword: true, Password: []byte("pw"), QuestID: 7})
	if err != nil || idx != 1 {
		t.Fatal(idx, err)
	}
	apply(&c, evs)
	if _, _, err := c.JoinCircle(1, cm("B"), []byte("x"), true); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	slot, evs, err := c.JoinCircle(1, cm("B"), []byte("pw"), true)
	if err != nil || slot != 2 {
		t.Fatal(slot, err)
	}
	apply(&c, evs)
	if _, _, err := c.JoinCircle(1, cm("C"), []byte("pw"), true); !errors.Is(err, ErrCircleFull) {
		t.Fatalf("full: %v", err)
	}
	idx2, evs, _ := c.CreateCircle(cm("C"), NewCircle{Capacity: 4})
	apply(&c, evs)
	if idx2 != 2 {
		t.Fatalf("second circle index %d", idx2)
	}
	// The leader of a circle that has not departed leaving breaks it.
	l, evs := c.LeaveCircle("A", "left")
	apply(&c, evs)
	if !l.Broken || len(l.Others) != 1 || !c.Circles[0].Empty() || c.CircleOf("B") != 0 {
		t.Fatalf("break: %+v %+v", l, c.Circles[0])
	}
	// Departure drops who is not ready; a departed leader leaving hands over.
	apply(&c, must3(c.JoinCircle(2, cm("D"), nil, false)))
	apply(&c, must3(c.JoinCircle(2, cm("A"), nil, false)))
	_, _, evs = c.SetStandby("C", true)
	apply(&c, evs)
	_, _, evs = c.SetStandby("D", true)
	apply(&c, evs)
	d, evs, err := c.Depart("C")
	if err != nil {
		t.Fatal(err)
	}
	apply(&c, evs)
	if len(d.Roster) != 2 || len(d.Kicked) != 1 || d.Kicked[0].CapcomID != "A" || !c.Circles[1].Departed {
		t.Fatalf("departure %+v", d)
	}
	if c.InQuest() != 2 || !c.HunterInQuest("D") {
		t.Fatalf("in quest: %d", c.InQuest())
	}
	l, evs = c.LeaveCircle("C", "left")
	apply(&c, evs)
	if l.NewHost.CapcomID != "D" || c.Circles[1].Leader != "D" {
		t.Fatalf("hand-over: %+v", l)
	}
	// Leaving the city leaves the circle first.
	evs = c.Leave("D", "up")
	apply(&c, evs)
	if !c.Circles[1].Empty() {
		t.Fatalf("circle after its last member left the city: %+v", c.Circles[1])
	}
}

func must(evs []events.Event, err error) []events.Event {
	if err != nil {
		panic(err)
	}
	return evs
}

func must3(_ int, evs []events.Event, err error) []events.Event {
	if err != nil {
		panic(err)
	}
	return evs
}

// reserved folds a reservation decision into a fresh city.
func reserved(t *testing.T, by string, now time.Time, hold time.Duration) City {
	t.Helper()
	c := NewCity(4)
	evs, err := c.Reserve(by, now, hold)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	for i, e := range evs {
		c.Apply(uint64(i+1), e)
	}
	return c
}

func TestReservationHoldsForItsTime(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := reserved(t, "AAAAAA", now, 3*time.Second)
	if _, err := c.Reserve("BBBBBB", now.Add(2*time.Second), 3*time.Second); !errors.Is(err, ErrCityReserved) {
		t.Fatalf("another creator while reserved: %v, want ErrCityReserved", err)
	}
	if got := c.State(now.Add(2 * time.Second)); got != StateFull {
		t.Fatalf("a reserved city shows state %d, want full", got)
	}
	evs, err := c.Reserve("BBBBBB", now.Add(3*time.Second), 3*time.Second)
	if err != nil {
		t.Fatalf("another creator once the reservation lapsed: %v", err)
	}
	if r, ok := evs[0].(events.CityReserved); !ok || r.By != "BBBBBB" || !r.Until.Equal(now.Add(6*time.Second)) {
		t.Fatalf("reservation %+v", evs[0])
	}
	if got := c.State(now.Add(3 * time.Second)); got != StateEmpty {
		t.Fatalf("a lapsed reservation shows state %d, want empty", got)
	}
}

func TestReservationDefaultsToMH3SPs(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := reserved(t, "AAAAAA", now, 0)
	if !c.Until.Equal(now.Add(ReservationTime)) || ReservationTime != 40*time.Second {
		t.Fatalf("default reservation until %v (ReservationTime %v), want now+40s", c.Until, ReservationTime)
	}
}
