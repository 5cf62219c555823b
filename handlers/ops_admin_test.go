package handlers

import (
	"errors"
	"strings"
	"testing"
)

func TestAdminTexts(t *testing.T) {
	for _, tc := range []struct{ in, align, want string }{
		{"Hello", "<LEFT>", "<BODY><LEFT>Hello<END>"},
		{"One\nTwo", "<CENTER>", "<BODY><CENTER>One<BR><BODY><CENTER>Two<END>"},
		{"<BODY>As written<END>", "<LEFT>", "<BODY>As written<END>"},
	} {
		if got := gameText(tc.in, tc.align); got != tc.want {
			t.Errorf("gameText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in        string
		multiline bool
		want      string
		ok        bool
	}{
		{"  Hi there  ", false, "Hi there", true},
		{"a\r\nb", true, "a\nb", true},
		{"a\nb", false, "", false},
		{"tab\there", true, "", false},
		{"caf\u00e9", true, "", false},
		{"\x7f", true, "", false},
		{strings.Repeat("x", 11), true, "", false},
		{strings.Repeat("~", 10), true, strings.Repeat("~", 10), true},
	} {
		got, err := checkText("text", tc.in, 10, tc.multiline)
		var ae *adminError
		if tc.ok && (err != nil || got != tc.want) || !tc.ok && (!errors.As(err, &ae) || ae.code != 400) {
			t.Errorf("checkText(%q, %v) = %q, %v", tc.in, tc.multiline, got, err)
		}
	}
}
