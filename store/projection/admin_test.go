package projection

import (
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
)

func TestAdminFold(t *testing.T) {
	var a Admin
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a.Apply(1, t0, events.AnnouncementSet{Text: "hi"})
	a.Apply(2, t0.Add(time.Minute), events.MaintenanceSet{On: true, Text: "later"})
	a.Apply(3, t0.Add(2*time.Minute), events.MaintenanceSet{On: true, Text: "much later"})
	a.Apply(4, t0.Add(3*time.Minute), events.HunterKicked{CapcomID: "ABCDEF"})
	if a.Version != 4 || !a.AnnouncementSet || a.Announcement != "hi" || !a.Maintenance || a.MaintenanceText != "much later" || !a.MaintenanceSince.Equal(t0.Add(time.Minute)) {
		t.Fatalf("%+v", a)
	}
	a.Apply(5, t0.Add(4*time.Minute), events.AnnouncementSet{})
	a.Apply(6, t0.Add(5*time.Minute), events.MaintenanceSet{})
	if a.Version != 6 || a.AnnouncementSet || a.Maintenance || !a.MaintenanceSince.IsZero() {
		t.Fatalf("after clearing: %+v", a)
	}
}
