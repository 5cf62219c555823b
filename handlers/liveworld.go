package handlers

import (
	"encoding/binary"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mh3net/mh3net/bus"
	"github.com/mh3net/mh3net/world"
)

// liveWorld is the world as it stands now: the configured (central)
// servers, and the servers that live external FMP edges register in their
// leases (mh3net edge --fmp-only). Every handler instance derives it from
// the same leases in the same way, so all agree on the list, its version
// and where each server's hunters are sent.
type liveWorld struct {
	*world.World
	// owner is the edge lease of each registered server (by index).
	owner map[int]bus.EdgeLease
	// version is the server list's version (FmpListVersion): MH3SP's 1
	// while only the central servers are listed, a digest of the
	// registered servers otherwise, so that the game fetches the list
	// again when an external server comes or goes.
	version uint32
}

// maxRegistered bounds the servers one edge may register; a lease with
// more is ignored.
const maxRegistered = 64

// liveCache keeps the last liveWorld and the registrations it was made
// from: leases are renewed every few seconds and rarely change what they
// register.
type liveCache struct {
	mu   sync.Mutex
	rev  uint64 // the edges view's revision live was checked at
	key  string
	live *liveWorld
	// base is the central world live was made from (cfg.Worlds.Get()).
	base *world.World
	// warned are the conflicting registrations already logged.
	warned map[string]bool
}

// live is the world as it stands now.
func (s *Service) live() *liveWorld {
	lc := &s.liveCache
	rev := s.edges.revision()
	base := s.cfg.Worlds.Get()
	lc.mu.Lock()
	if lc.live != nil && lc.rev == rev && lc.base == base {
		defer lc.mu.Unlock()
		return lc.live
	}
	lc.mu.Unlock()
	leases, rev := s.edges.snapshotRev()
	var regs []bus.EdgeLease
	for _, l := range leases {
		if len(l.Servers) > 0 && len(l.Servers) <= maxRegistered && l.Addrs["fmp"].Port != 0 {
			regs = append(regs, l)
		}
	}
	// The earlier edge keeps an index two edges register.
	sort.Slice(regs, func(i, j int) bool {
		if !regs[i].Started.Equal(regs[j].Started) {
			return regs[i].Started.Before(regs[j].Started)
		}
		return regs[i].Edge < regs[j].Edge
	})
	var key strings.Builder
	for _, l := range regs {
		a := l.Addrs["fmp"]
		key.WriteString(l.Edge + "@" + a.Host + ":" + strconv.Itoa(a.Port) + ";")
		for _, srv := range l.Servers {
			key.WriteString(strconv.Itoa(srv.Index) + "," + srv.Name + "," + strconv.Itoa(srv.Type) + "," + strconv.Itoa(srv.Capacity) + "," + strconv.Itoa(srv.Gates) + ";")
		}
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.live != nil && lc.key == key.String() && lc.base == base {
		lc.rev = max(lc.rev, rev)
		return lc.live
	}
	lw := &liveWorld{World: base, owner: map[int]bus.EdgeLease{}, version: fmpListVersion}
	h := fnv.New32a()
	// A central world other than MH3SP's (a world file, grown by a
	// reload) is part of the version, so that every process watching the
	// same file gives the same version and the game fetches the list
	// again when the file grows it.
	central := serversKey(base)
	if central != defaultServersKey {
		h.Write([]byte(central))
	}
	for _, l := range regs {
		merged, dropped := lw.World.With(l.Servers)
		for _, d := range dropped {
			k := l.Edge + "/" + strconv.Itoa(d.Index)
			if lc.warned == nil {
				lc.warned = map[string]bool{}
			}
			if !lc.warned[k] {
				lc.warned[k] = true
				s.log.Warn("an external FMP edge registers a server that is not listed: its index is taken or its description is invalid",
					"edge", l.Edge, "index", d.Index, "name", d.Name, "err", d.Check())
			}
		}
		lw.World = merged
		a := l.Addrs["fmp"]
		for _, srv := range l.Servers {
			if !contains(dropped, srv.Index) {
				lw.owner[srv.Index] = l
				var b [8]byte
				binary.BigEndian.PutUint32(b[:4], uint32(srv.Index))
				binary.BigEndian.PutUint32(b[4:], uint32(a.Port))
				h.Write(b[:])
				h.Write([]byte(srv.Name + "\x00" + a.Host + "\x00" + strconv.Itoa(srv.Type) + "," + strconv.Itoa(srv.Capacity) + "," + strconv.Itoa(srv.Gates) + "\x00"))
			}
		}
	}
	if len(lw.owner) > 0 || central != defaultServersKey {
		lw.version = h.Sum32()
		if lw.version <= fmpListVersion {
			lw.version += fmpListVersion + 1
		}
	}
	lc.key, lc.live, lc.rev, lc.base = key.String(), lw, rev, base
	return lw
}

// serversKey describes what the server list shows of w's servers.
func serversKey(w *world.World) string {
	var b strings.Builder
	for _, srv := range w.Servers {
		b.WriteString(strconv.Itoa(srv.Index) + "," + srv.Name + "," + strconv.Itoa(srv.Type) + "," + strconv.Itoa(srv.Capacity) + "," + strconv.Itoa(srv.Gates) + ";")
	}
	return b.String()
}

// defaultServersKey is MH3SP's servers: listed alone, version 1.
var defaultServersKey = serversKey(world.Default())

func contains(servers []world.Server, index int) bool {
	for _, s := range servers {
		if s.Index == index {
			return true
		}
	}
	return false
}
