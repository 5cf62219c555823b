package projection

import (
	"time"

	"github.com/mh3net/mh3net/events"
)

// Admin is what the operators set through the admin API, folded from
// events.OpsStream: every handler process keeps it in its world view, so
// a change reaches every process as fast as any event, and a restart
// replays it.
type Admin struct {
	Version uint64 // of events.OpsStream
	// Announcement replaces the configured announcement when set.
	Announcement    string
	AnnouncementSet bool
	// Maintenance turns new logins away; MaintenanceText replaces the
	// configured maintenance text when set.
	Maintenance      bool
	MaintenanceText  string
	MaintenanceSince time.Time
}

// Apply folds one event of the ops stream (others are ignored).
func (a *Admin) Apply(version uint64, at time.Time, ev events.Event) {
	a.Version = version
	switch e := ev.(type) {
	case events.AnnouncementSet:
		a.Announcement, a.AnnouncementSet = e.Text, e.Text != ""
	case events.MaintenanceSet:
		if e.On && !a.Maintenance {
			a.MaintenanceSince = at
		}
		a.Maintenance, a.MaintenanceText = e.On, e.Text
		if !e.On {
			a.MaintenanceSince = time.Time{}
		}
	}
}

// Admin returns the operators' settings as the view has applied them.
func (v *World) Admin() Admin {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.admin
}
