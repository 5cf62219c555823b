package dnsd

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// namesFile is the one list of the names the server answers itself.
//
//go:embed names.txt
var namesFile string

// captured holds those names, lower case and fully qualified.
var captured = mustParseNames(namesFile)

// Names returns the names the server answers with its own address, lower
// case and fully qualified, sorted.
func Names() []string {
	out := make([]string, 0, len(captured))
	for n := range captured {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Captured reports whether name (any case, with or without the final dot)
// is one of Names.
func Captured(name string) bool {
	_, ok := captured[dns.Fqdn(strings.ToLower(name))]
	return ok
}

func mustParseNames(text string) map[string]struct{} {
	m, err := parseNames(text)
	if err != nil {
		panic("dnsd: names.txt: " + err.Error())
	}
	return m
}

func parseNames(text string) (map[string]struct{}, error) {
	m := map[string]struct{}{}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name := dns.Fqdn(strings.ToLower(line))
		if _, ok := dns.IsDomainName(name); !ok || strings.ContainsAny(name, " \\*") {
			return nil, fmt.Errorf("line %d: %q is not a plain domain name", i+1, line)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("line %d: %q listed twice", i+1, line)
		}
		m[name] = struct{}{}
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no names")
	}
	return m, nil
}
