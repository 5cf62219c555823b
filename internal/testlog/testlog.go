// Package testlog is a log sink for tests that read what a server logs
// while it runs.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer collects written bytes; Write and String may race.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
