package edge

import (
	"sync/atomic"

	"github.com/nats-io/nuid"
)

// Identity is the edge process's id: the Mh3-Edge header of every packet
// its connections send, and the key of its lease. It changes when the
// lease lapses: the handlers then sweep every presence that names the
// lapsed id, so connections made after the lapse must name another one,
// or they would be swept with the ones before (seen: hunters who logged
// in again on the same edge found their session gone).
type Identity struct{ p atomic.Pointer[string] }

// NewIdentity starts an identity at id (a NUID when empty).
func NewIdentity(id string) *Identity {
	if id == "" {
		id = nuid.Next()
	}
	i := &Identity{}
	i.p.Store(&id)
	return i
}

// ID is the current id.
func (i *Identity) ID() string { return *i.p.Load() }

// rotate moves to a fresh id and returns the old one.
func (i *Identity) rotate() (old string) {
	id := nuid.Next()
	return *i.p.Swap(&id)
}
