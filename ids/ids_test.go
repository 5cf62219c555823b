package ids

import (
	"errors"
	"strings"
	"testing"
)

func TestValidation(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func([]byte) (string, error)
		in   string
		ok   bool
	}{
		{"code", SupportCode, "0123456789A", true},
		{"code MHTriServer", SupportCode, "W0123456789abcdef0123456789a", true},
		{"code too long", SupportCode, strings.Repeat("A", 4100), false},
		{"code with a dot", SupportCode, "ABC.DEF", false},
		{"code with a wildcard", SupportCode, "ABC*", false},
		{"code not UTF-8", SupportCode, "AB\xff\xfe", false},
		{"code empty", SupportCode, "", false},
		{"ticket", Ticket, "ABCDEFGHIJ0", true},
		{"ticket short", Ticket, "ABC", false},
		{"ticket 4 KiB", Ticket, strings.Repeat("A", 4100), false},
		{"ticket lower case", Ticket, "abcdefghij0", false},
		{"capcom id", CapcomID, "AB12CD", true},
		{"capcom id blank", CapcomID, BlankCapcomID, false},
		{"capcom id space", CapcomID, "AB 2CD", false},
	} {
		_, err := c.fn([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("%s: %q: err = %v", c.name, c.in, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error does not match ErrInvalid: %v", c.name, err)
		}
	}
	if !NoSupportCode(nil) || !NoSupportCode([]byte("NoOnlineSupport")) || NoSupportCode([]byte("X")) {
		t.Error("NoSupportCode")
	}
}
