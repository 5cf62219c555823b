// Package events defines what happens to players, as events appended to
// the log, and how they are encoded.
//
// Encoding: every event travels in an Envelope that names its Type and the
// Schema version of its JSON Data. Decode turns an envelope back into a
// typed event. When an event's shape changes, bump its SchemaVersion and
// register an upcaster from the old version with RegisterUpcaster: Decode
// lifts old envelopes step by step (v1→v2→…) to the current shape before
// unmarshalling, so the log is never rewritten.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Envelope is one stored event.
type Envelope struct {
	ID       string          `json:"id"`       // unique; a retried append reuses it
	Stream   string          `json:"stream"`   // e.g. "console.ABC123"
	Version  uint64          `json:"version"`  // 1-based position in its stream
	Position uint64          `json:"position"` // global position, set by the store
	Type     string          `json:"type"`
	Schema   int             `json:"schema"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
}

// Event is a typed event.
type Event interface {
	EventType() string
	SchemaVersion() int
}

// Upcaster lifts Data of one schema version to the next.
type Upcaster func(json.RawMessage) (json.RawMessage, error)

var (
	mu        sync.RWMutex
	types     = map[string]reflect.Type{}
	upcasters = map[string]map[int]Upcaster{}
)

// Register makes an event type decodable.
func Register(e Event) {
	mu.Lock()
	defer mu.Unlock()
	t := reflect.TypeOf(e)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	types[e.EventType()] = t
}

// RegisterUpcaster registers how Data of schema version from becomes
// version from+1 for an event type.
func RegisterUpcaster(eventType string, from int, up Upcaster) {
	mu.Lock()
	defer mu.Unlock()
	if upcasters[eventType] == nil {
		upcasters[eventType] = map[int]Upcaster{}
	}
	upcasters[eventType][from] = up
}

// NewID returns a random event id.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Encode wraps an event in an envelope (stream and versions are set by
// the caller and the store).
func Encode(id string, e Event) (Envelope, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return Envelope{ID: id, Type: e.EventType(), Schema: e.SchemaVersion(), Time: time.Now().UTC(), Data: data}, nil
}

// DecodeError says which stored event could not be read.
type DecodeError struct {
	Stream   string
	Version  uint64
	Position uint64
	Type     string
	Err      error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("event %s at stream %q version %d (position %d): %v", e.Type, e.Stream, e.Version, e.Position, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode turns an envelope into its typed event, upcasting old schemas.
func Decode(env Envelope) (Event, error) {
	fail := func(err error) (Event, error) {
		return nil, &DecodeError{Stream: env.Stream, Version: env.Version, Position: env.Position, Type: env.Type, Err: err}
	}
	mu.RLock()
	t, ok := types[env.Type]
	ups := upcasters[env.Type]
	mu.RUnlock()
	if !ok {
		return fail(fmt.Errorf("unknown event type"))
	}
	cur := reflect.New(t).Interface().(Event).SchemaVersion()
	data := env.Data
	for v := env.Schema; v < cur; v++ {
		up, ok := ups[v]
		if !ok {
			return fail(fmt.Errorf("no upcaster from schema %d (current %d)", v, cur))
		}
		var err error
		if data, err = up(data); err != nil {
			return fail(fmt.Errorf("upcast from schema %d: %w", v, err))
		}
	}
	if env.Schema > cur {
		return fail(fmt.Errorf("schema %d is newer than this build knows (%d)", env.Schema, cur))
	}
	p := reflect.New(t)
	if err := json.Unmarshal(data, p.Interface()); err != nil {
		return fail(err)
	}
	return p.Elem().Interface().(Event), nil
}
