// Package ids validates the identifiers clients send (online support
// codes, PAT tickets, Capcom IDs) before they become NATS subjects, KV
// keys, stream names or SQL parameters. Each has a known alphabet and
// length (see ../shared/protocol-facts.md §7.1); anything else is refused
// by the caller as a client fault.
package ids

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every validation error.
var ErrInvalid = errors.New("invalid identifier")

// Alphabet is what mh3net (like MH3SP) makes identifiers from.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Lengths of the identifiers mh3net makes.
const (
	SupportCodeLen = 11
	TicketLen      = 11
	CapcomIDLen    = 6
	// MaxSupportCode is the longest support code accepted from a console:
	// the game keeps it in a 0x20-byte buffer. Other servers made longer
	// ones than ours (MHTriServer: 28 characters of a GUID).
	MaxSupportCode = 0x1F
)

// BlankCapcomID marks an empty profile slot in the user list.
const BlankCapcomID = "******"

func alnumUpper(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' }

func alnum(c byte) bool { return alnumUpper(c) || c >= 'a' && c <= 'z' }

func check(kind string, b []byte, minLen, maxLen int, ok func(byte) bool) (string, error) {
	if len(b) < minLen || len(b) > maxLen {
		return "", fmt.Errorf("%w: %s of %d bytes (want %d..%d)", ErrInvalid, kind, len(b), minLen, maxLen)
	}
	for i, c := range b {
		if !ok(c) {
			return "", fmt.Errorf("%w: %s has byte 0x%02x at %d", ErrInvalid, kind, c, i)
		}
	}
	return string(b), nil
}

// NoSupportCode reports the placeholders a console sends before it has an
// online support code (MHTriServer saw "NoSupport" and "NoOnlineSupport").
func NoSupportCode(b []byte) bool {
	s := string(b)
	return s == "" || s == "NoSupport" || s == "NoOnlineSupport"
}

// SupportCode validates an online support code sent by a console: ASCII
// letters and digits, 1..31 bytes. Placeholders must be filtered first.
func SupportCode(b []byte) (string, error) {
	return check("online support code", b, 1, MaxSupportCode, alnum)
}

// Ticket validates a PAT ticket: mh3net makes them of TicketLen
// characters of Alphabet, so nothing else can be one of ours.
func Ticket(b []byte) (string, error) {
	return check("PAT ticket", b, TicketLen, TicketLen, alnumUpper)
}

// CapcomID validates a Capcom ID: CapcomIDLen characters of Alphabet.
func CapcomID(b []byte) (string, error) {
	return check("Capcom ID", b, CapcomIDLen, CapcomIDLen, alnumUpper)
}

// ValidCapcomID reports whether s is a Capcom ID mh3net could have made.
func ValidCapcomID(s string) bool {
	_, err := CapcomID([]byte(s))
	return err == nil
}
