package server

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/world"
)

// cityLog folds a city's stream from the log, event by event, and checks
// what no interleaving of handlers may ever write: more hunters than
// slots, a join into a slot another hunter holds (a member silently
// lost), one hunter in two slots, a gap in the versions. It returns the
// city after the last event, the most hunters it ever held, and the
// violations found.
func cityLog(ctx context.Context, st store.Store, p world.Path, capacity int) (world.City, int, []string, error) {
	envs, err := st.Load(ctx, events.CityStream(p.Server, p.Gate, p.City), 1)
	if err != nil {
		return world.City{}, 0, nil, err
	}
	city := world.NewCity(capacity)
	most := 0
	var bad []string
	for i, e := range envs {
		if e.Version != uint64(i+1) {
			bad = append(bad, fmt.Sprintf("version %d at index %d", e.Version, i))
		}
		ev, err := events.Decode(e)
		if err != nil {
			return city, most, bad, err
		}
		if j, ok := ev.(events.CityJoined); ok {
			if j.Slot < 1 || j.Slot > capacity {
				bad = append(bad, fmt.Sprintf("v%d: %s joined slot %d of %d", e.Version, j.CapcomID, j.Slot, capacity))
			} else if cur := city.Members[j.Slot-1].CapcomID; cur != "" && cur != j.CapcomID {
				bad = append(bad, fmt.Sprintf("v%d: %s joined slot %d held by %s", e.Version, j.CapcomID, j.Slot, cur))
			}
			if s := city.Slot(j.CapcomID); s > 0 && s != j.Slot {
				bad = append(bad, fmt.Sprintf("v%d: %s joined slot %d while in slot %d", e.Version, j.CapcomID, j.Slot, s))
			}
		}
		city.Apply(e.Version, ev)
		most = max(most, city.Population())
	}
	return city, most, bad, nil
}

// cityMembers are the Capcom IDs in a city's slots, sorted.
func cityMembers(c world.City) []string {
	var out []string
	for _, m := range c.Members {
		if m.CapcomID != "" {
			out = append(out, m.CapcomID)
		}
	}
	sort.Strings(out)
	return out
}

// cityEntry is city n as the gate's city list shows it to cl (standing
// at that gate): population and capacity.
func cityEntry(cl *gameclient.Client, n int) (pop, capacity int, err error) {
	layers, err := cl.Children()
	if err != nil {
		return 0, 0, err
	}
	if n < 1 || n > len(layers) {
		return 0, 0, fmt.Errorf("the gate lists %d cities, no city %d", len(layers), n)
	}
	d := layers[n-1].Data
	return int(d.Num(pat.LayerPopulation)), int(d.Num(pat.LayerCapacity)), nil
}

// previewUsers is who the gate's preview of city p (ReqLayerUserListHead
// and Data, as the game asks before entering) shows, sorted.
func previewUsers(cl *gameclient.Client, p world.Path) ([]string, error) {
	lp := pat.LayerPath{Server: uint32(p.Server), Gate: uint16(p.Gate), City: uint16(p.City)}
	var h pat.AnsLayerUserListHead
	if err := cl.Call(&pat.ReqLayerUserListHead{Layer: lp.Bytes(), First: 1, Count: 100, Fields: []byte{1, 2, 3}}, &h); err != nil {
		return nil, err
	}
	var d pat.AnsLayerUserListData
	if err := cl.Call(&pat.ReqLayerUserListData{First: 1, Count: 100}, &d); err != nil {
		return nil, err
	}
	var out []string
	for _, u := range d.Users {
		out = append(out, string(u.Data.Bytes(pat.LayerUserCapcomID)))
	}
	sort.Strings(out)
	return out, nil
}

// eventually polls check until it returns nil or within passes.
func eventually(t testing.TB, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v (after %v)", what, err, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sameIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
