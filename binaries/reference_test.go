package binaries

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference is MH3SP (github.com/sepalani/MH3SP, branch dev). Its
// output for fixed clocks was recorded once, by running the reference with
// its clock fixed and printing every type's content (hex):
//
//	mh3sp_dev.golden        start 1705300000, six clocks around a
//	                        fog/sandstorm cycle (2024-01-15 … 2024-01-21)
//	mh3sp_dev_event.golden  start 1234567890, with testdata/event/ as the
//	                        reference's event folder (made-up data)
//
// Only the outputs are kept here; none of the reference's code is.

type referenceDump struct {
	start time.Time
	cases []referenceCase
}

type referenceCase struct {
	now     time.Time
	typ     uint8
	version uint32
	content []byte
}

func parseDump(r io.Reader) (*referenceDump, error) {
	d := &referenceDump{}
	blobs := map[string][]byte{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "start":
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return nil, err
			}
			d.start = time.Unix(n, 0)
		case len(f) == 3 && f[0] == "blob":
			b, err := hex.DecodeString(f[2])
			if err != nil {
				return nil, err
			}
			blobs[f[1]] = b
		case len(f) == 5 && f[0] == "at":
			now, err1 := strconv.ParseInt(f[1], 10, 64)
			typ, err2 := strconv.ParseUint(f[2], 16, 8)
			ver, err3 := strconv.ParseUint(f[3], 10, 32)
			content, ok := blobs[f[4]]
			if err1 != nil || err2 != nil || err3 != nil || !ok {
				return nil, fmt.Errorf("bad line %q", sc.Text())
			}
			d.cases = append(d.cases, referenceCase{time.Unix(now, 0), uint8(typ), uint32(ver), content})
		default:
			return nil, fmt.Errorf("bad line %q", sc.Text())
		}
	}
	return d, sc.Err()
}

// span is a text field whose wording is ours, not the reference's.
type span struct{ off, size int }

// ownWording lists, for content of binary typ, the fields worded
// differently from the reference. Everything else must be identical.
func ownWording(typ uint8, content []byte) []span {
	var spans []span
	switch pos := (typ - FirstType) % blockLen; {
	case pos == posServerTypes:
		for i := range serverTypes {
			spans = append(spans, span{i*(serverTypeNameLen+serverTypeDescLen) + serverTypeNameLen, serverTypeDescLen})
		}
		for _, i := range []int{16, 17} {
			spans = append(spans, span{offSeekings + i*(seekingLen+4), seekingLen})
		}
	case pos == posNPCTexts:
		for _, i := range []int{npcToolShop, npcMaterialShop, npcTradingPost, npcGuildmaster} {
			spans = append(spans, span{i * npcTextLen, npcTextLen})
		}
	case pos >= posFirstQuest && len(content) >= questBodySize:
		switch id := int(content[0x2C])<<8 | int(content[0x2D]); id {
		case 61002: // Mercy Mission: client and details
			spans = append(spans, span{0x19A, 0x29}, span{0x1C9, 0x100})
		case 60008, 60011: // The Two Flames, Land Lords: details
			spans = append(spans, span{0x1C9, 0x100})
		}
	}
	return spans
}

// isTextField reports whether b is printable ASCII text followed by at
// least one zero byte and nothing else.
func isTextField(b []byte) bool {
	n := bytes.IndexByte(b, 0)
	if n < 0 {
		return false
	}
	for _, c := range b[:n] {
		if (c < 0x20 || c > 0x7E) && c != '\n' {
			return false
		}
	}
	return len(bytes.Trim(b[n:], "\x00")) == 0
}

// compareToReference checks got against the reference's want, byte for
// byte outside the fields worded differently.
func compareToReference(t *testing.T, name string, typ uint8, got, want []byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %#x bytes, reference %#x", name, len(got), len(want))
		return
	}
	got, want = bytes.Clone(got), bytes.Clone(want)
	for _, sp := range ownWording(typ, want) {
		if !isTextField(got[sp.off : sp.off+sp.size]) {
			t.Errorf("%s: field at %#x is not a text field: %q", name, sp.off, got[sp.off:sp.off+sp.size])
		}
		clear(got[sp.off : sp.off+sp.size])
		clear(want[sp.off : sp.off+sp.size])
	}
	if i := firstDifference(got, want); i >= 0 {
		t.Errorf("%s: first difference at %#x: %02x, reference %02x", name, i, got[i], want[i])
	}
}

func firstDifference(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func checkDump(t *testing.T, d *referenceDump, opts ...Option) {
	t.Helper()
	if len(d.cases) == 0 {
		t.Fatal("no cases")
	}
	s := New(d.start, opts...)
	seen := map[uint8]bool{}
	for _, c := range d.cases {
		seen[c.typ] = true
		name := fmt.Sprintf("type %#02x at %d", c.typ, c.now.Unix())
		v, got, ok := s.Get(c.typ, c.now)
		if !ok {
			t.Errorf("%s: not served", name)
			continue
		}
		if v != c.version {
			t.Errorf("%s: version %d, reference %d", name, v, c.version)
		}
		compareToReference(t, name, c.typ, got, c.content)
	}
	for typ := FirstType; typ <= LastType; typ++ {
		if !seen[uint8(typ)] {
			t.Errorf("type %#02x is not in the reference dump", typ)
		}
	}
}

func readDump(t *testing.T, path string) *referenceDump {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := parseDump(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMatchesReference(t *testing.T) {
	checkDump(t, readDump(t, "testdata/mh3sp_dev.golden"))
}

func TestMatchesReferenceWithSmallMonsterData(t *testing.T) {
	files, err := ReadSmallMonsterData(os.DirFS("testdata/event"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("read %d files, want 2", len(files))
	}
	checkDump(t, readDump(t, "testdata/mh3sp_dev_event.golden"), WithSmallMonsterData(files))
}
