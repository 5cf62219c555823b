package server

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
	"github.com/mh3net/mh3net/world"
)

// The game's alerts (handlers/world.go).
const (
	alertNoSuchLayer  = "<LF=8><BODY><CENTER>There is no such place.<END>"
	alertCityFull     = "<LF=8><BODY><CENTER>This city is full.<END>"
	alertCityGone     = "<LF=8><BODY><CENTER>This city no longer exists.<END>"
	alertCityReserved = "<LF=8><BODY><CENTER>City reserved.<END>"
	alertCityExists   = "<LF=8><BODY><CENTER>City already exists.<END>"
)

// rawFrame sends a frame with any payload, as a broken or hostile client
// would.
func rawFrame(t *testing.T, c *gameclient.Client, id pat.ID, payload []byte) {
	t.Helper()
	b, err := pat.AppendFrame(nil, 0x4000, id, payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteRaw(b); err != nil {
		t.Fatal(err)
	}
}

// chatPayload is an NtcLayerChat as the game sends it (blank sender)
// with text.
func chatPayload(text []byte) []byte {
	var info pat.Data
	info.SetLong(pat.MessageColor, 0).SetLong(pat.MessageUnknown02, 0).
		SetString(pat.MessageSenderID, nil).SetString(pat.MessageSenderName, nil)
	return pat.NewWriter(nil).U8(0).Data(info).LP2(text).Bytes()
}

// hears waits until cl hears text in its layer and returns the sender.
func hears(t *testing.T, cl *gameclient.Client, text string) string {
	t.Helper()
	for {
		from, got, err := cl.Heard()
		if err != nil {
			t.Fatalf("waiting to hear %q: %v", text, err)
		}
		if got == text {
			return from
		}
	}
}

// Bad input in the hunting world, each from a fresh hunter (the victim)
// standing at the gate, in the city, or at the server level: out-of-range
// city and gate numbers, joins into full and into empty cities, relays
// with broken prefixes, chats of 0 bytes and of the largest frame, a
// LayerUp at the top, a creation without its reservation. Each gets the
// game's alert (and the victim keeps playing) or an NtcShut naming a
// malformed packet followed by the close (and the victim leaves the
// world as on any disconnect). After each, the bystanders are intact: a
// city with a host and a member (its user list, its chat), a full city,
// and a hunter at the gate reading the city list.
func TestWorldBadInput(t *testing.T) {
	s := start(t, Config{})
	lmp, fmp := s.Addr("lmp").String(), s.Addr("fmp").String()
	at := func(name string, down ...uint16) (*gameclient.Client, string) {
		t.Helper()
		cl, id := hunterOn(t, "", lmp, fmp, name)
		for _, n := range down {
			if err := cl.Down(n); err != nil {
				t.Fatalf("%s down %d: %v", name, n, err)
			}
		}
		return cl, id
	}
	// City 5: host H and member B. City 6: full. G stands at the gate.
	host, hid := at("Host", 1)
	if err := host.CreateCity(5, nil); err != nil {
		t.Fatal(err)
	}
	member, mid := at("Member", 1)
	if _, err := member.JoinCity(1, 1, 5); err != nil {
		t.Fatal(err)
	}
	var full []string
	for i := 0; i < 4; i++ {
		cl, id := at(fmt.Sprintf("Filler%d", i), 1)
		if i == 0 {
			err := cl.CreateCity(6, nil)
			if err != nil {
				t.Fatal(err)
			}
		} else if _, err := cl.JoinCity(1, 1, 6); err != nil {
			t.Fatal(err)
		}
		full = append(full, id)
	}
	sort.Strings(full)
	gate, _ := at("Gatekeeper", 1)
	pair := []string{hid, mid}
	sort.Strings(pair)

	// bystanders checks that nothing was lost for the others.
	round := 0
	bystanders := func(t *testing.T) {
		t.Helper()
		round++
		text := fmt.Sprintf("still here %d", round)
		if err := host.Chat(text); err != nil {
			t.Fatal(err)
		}
		if from := hears(t, member, text); from != hid {
			t.Fatalf("the member heard %q from %s, want the host %s", text, from, hid)
		}
		if users, err := member.Users(); err != nil || !sameIDs(sorted(users), pair) {
			t.Fatalf("city 5's user list %v (%v), want %v", users, err, pair)
		}
		eventually(t, 5*time.Second, "the gate's city list", func() error {
			for n, want := range map[int]int{5: 2, 6: 4, 9: 0, 8: 0} {
				if pop, _, err := cityEntry(gate, n); err != nil || pop != want {
					return fmt.Errorf("city %d listed with %d (%v), want %d", n, pop, err, want)
				}
			}
			return nil
		})
		if users, err := previewUsers(gate, world.Path{Server: 1, Gate: 1, City: 6}); err != nil || !sameIDs(users, full) {
			t.Fatalf("city 6 previewed with %v (%v), want %v", users, err, full)
		}
	}
	bystanders(t)

	// where: "server", "gate" or "city" (city 5, joined as the game does).
	type badCase struct {
		name  string
		where string
		// send sends the bad input and returns the answer's error (an
		// alert), or nil for raw frames.
		send  func(t *testing.T, v *gameclient.Client) error
		alert string // the alert expected, or
		shut  bool   // an NtcShut and the close
	}
	number := func(m func(n uint16) pat.Message, ans pat.Message, n uint16) func(*testing.T, *gameclient.Client) error {
		return func(_ *testing.T, v *gameclient.Client) error { return v.Call(m(n), ans) }
	}
	raw := func(id pat.ID, payload []byte) func(*testing.T, *gameclient.Client) error {
		return func(t *testing.T, v *gameclient.Client) error { rawFrame(t, v, id, payload); return nil }
	}
	cases := []badCase{}
	for _, n := range []uint16{0, 41, 0xFFFF} {
		cases = append(cases,
			badCase{fmt.Sprintf("LayerDown into gate %d", n), "server",
				number(func(n uint16) pat.Message { return &pat.ReqLayerDown{Number: n} }, &pat.AnsLayerDown{}, n), alertNoSuchLayer, false},
			badCase{fmt.Sprintf("LayerDown into city %d", n), "gate",
				number(func(n uint16) pat.Message { return &pat.ReqLayerDown{Number: n} }, &pat.AnsLayerDown{}, n), alertNoSuchLayer, false},
			badCase{fmt.Sprintf("LayerCreateHead %d", n), "gate",
				number(func(n uint16) pat.Message { return &pat.ReqLayerCreateHead{Number: n} }, &pat.AnsLayerCreateHead{}, n), alertNoSuchLayer, false},
			badCase{fmt.Sprintf("LayerCreateSet %d", n), "gate",
				number(func(n uint16) pat.Message { return &pat.ReqLayerCreateSet{Number: n} }, &pat.AnsLayerCreateSet{}, n), alertNoSuchLayer, false},
			badCase{fmt.Sprintf("LayerCreateFoot %d", n), "gate",
				number(func(n uint16) pat.Message { return &pat.ReqLayerCreateFoot{Number: n} }, &pat.AnsLayerCreateFoot{}, n), alertNoSuchLayer, false},
		)
	}
	// The largest chat the edge takes: one frame of 0xFFFF payload bytes,
	// well formed, its text filling the frame (64 KiB cannot be one frame:
	// the header's size field is 16 bits).
	huge := chatPayload(bytes.Repeat([]byte{'A'}, 0xFFFF-len(chatPayload(nil))))
	if len(huge) != 0xFFFF {
		t.Fatalf("largest chat is %d bytes", len(huge))
	}
	overLimit := chatPayload(bytes.Repeat([]byte{'B'}, pat.MaxRequestPayload(pat.IDNtcLayerChat)+1-len(chatPayload(nil))))
	cases = append(cases,
		badCase{"LayerDown into a full city", "gate",
			number(func(n uint16) pat.Message { return &pat.ReqLayerDown{Number: n} }, &pat.AnsLayerDown{}, 6), alertCityFull, false},
		badCase{"LayerDown into an empty city", "gate",
			number(func(n uint16) pat.Message { return &pat.ReqLayerDown{Number: n} }, &pat.AnsLayerDown{}, 9), alertCityGone, false},
		badCase{"LayerDown from inside a city", "city",
			number(func(n uint16) pat.Message { return &pat.ReqLayerDown{Number: n} }, &pat.AnsLayerDown{}, 1), alertNoSuchLayer, false},
		badCase{"LayerUp at the top", "server",
			func(_ *testing.T, v *gameclient.Client) error { return v.Up() }, alertNoSuchLayer, false},
		badCase{"LayerCreateSet without a Head", "gate",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateSet{Number: n} }, &pat.AnsLayerCreateSet{}, 9), alertCityGone, false},
		badCase{"LayerCreateSet of a city that exists", "gate",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateSet{Number: n} }, &pat.AnsLayerCreateSet{}, 5), alertCityExists, false},
		badCase{"LayerCreateHead of a city that exists", "gate",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateHead{Number: n} }, &pat.AnsLayerCreateHead{}, 6), alertCityExists, false},
		// From inside a city the game creates nothing: a hunter may stand in
		// one city only.
		badCase{"LayerCreateHead from inside a city", "city",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateHead{Number: n} }, &pat.AnsLayerCreateHead{}, 8), alertNoSuchLayer, false},
		badCase{"LayerCreateSet from inside a city", "city",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateSet{Number: n} }, &pat.AnsLayerCreateSet{}, 8), alertNoSuchLayer, false},
		badCase{"LayerCreateHead at the server level", "server",
			number(func(n uint16) pat.Message { return &pat.ReqLayerCreateHead{Number: n} }, &pat.AnsLayerCreateHead{}, 1), alertNoSuchLayer, false},

		// LayerUserInfo of 5 items that stops after its count.
		badCase{"NtcLayerBinary with a broken LayerUserInfo", "city", raw(pat.IDNtcLayerBinary, []byte{5, 1}), "", true},
		badCase{"NtcLayerBinary with nothing", "gate", raw(pat.IDNtcLayerBinary, nil), "", true},
		// A partner id of 16 bytes of which 1 arrives.
		badCase{"NtcLayerBinary2 with a truncated lp2", "city", raw(pat.IDNtcLayerBinary2, []byte{0, 16, 'A'}), "", true},
		badCase{"NtcLayerBinary2 with half a length", "city", raw(pat.IDNtcLayerBinary2, []byte{0}), "", true},
		badCase{"NtcLayerChat of 0 bytes", "city", raw(pat.IDNtcLayerChat, nil), "", true},
		badCase{"NtcLayerChat with a truncated text", "city", raw(pat.IDNtcLayerChat, chatPayload([]byte("hello"))[:len(chatPayload(nil))+2]), "", true},
		badCase{"NtcLayerChat of one byte over the limit", "city", raw(pat.IDNtcLayerChat, overLimit), "", true},
		badCase{"NtcLayerChat of 0xFFFF bytes", "city", raw(pat.IDNtcLayerChat, huge), "", true},
	)

	victims := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			victims++
			v, vid := at(fmt.Sprintf("Victim%d", victims), 1)
			switch tc.where {
			case "server":
				if err := v.Up(); err != nil {
					t.Fatal(err)
				}
			case "city":
				if _, err := v.JoinCity(1, 1, 5); err != nil {
					t.Fatal(err)
				}
				var in pat.NtcLayerIn
				for {
					if _, err := member.Notice(pat.IDNtcLayerIn, &in); err != nil {
						t.Fatal(err)
					}
					if string(in.CapcomID) == vid {
						break
					}
				}
			}
			err := tc.send(t, v)
			if tc.shut {
				msg, err := v.ExpectShut()
				if err != nil {
					t.Fatalf("no NtcShut: %v", err)
				}
				if !strings.Contains(msg, "malformed packet") {
					t.Fatalf("NtcShut %q does not say the packet was malformed", msg)
				}
				closedWithShut(t, v) // and the connection closes
				if tc.where == "city" {
					// The city's hunters see the victim go.
					var out pat.NtcLayerOut
					for {
						if _, err := member.Notice(pat.IDNtcLayerOut, &out); err != nil {
							t.Fatalf("the member never saw the victim go: %v", err)
						}
						if string(out.CapcomID) == vid {
							break
						}
					}
				}
			} else {
				if got := alertText(err); got != tc.alert {
					t.Fatalf("got %v, want the alert %q", err, tc.alert)
				}
				// The victim plays on where it stood.
				users, err := v.Users()
				if err != nil {
					t.Fatalf("after the alert: %v", err)
				}
				if tc.where == "city" {
					want := sorted(append(append([]string(nil), pair...), vid))
					if !sameIDs(sorted(users), want) {
						t.Fatalf("city 5 holds %v, want %v", users, want)
					}
					if err := v.Up(); err != nil {
						t.Fatal(err)
					}
				}
				v.Close()
			}
			bystanders(t)
		})
	}

	// A chat with an empty text is well formed: it is relayed as it is.
	t.Run("NtcLayerChat with an empty text", func(t *testing.T) {
		rawFrame(t, host, pat.IDNtcLayerChat, chatPayload(nil))
		if from := hears(t, member, ""); from != hid {
			t.Fatalf("the empty line came from %s, want %s", from, hid)
		}
		bystanders(t)
	})

	// Two hunters reserve the same city at once: one wins, the other gets
	// the alert; the winner creates it and the loser can then join it but
	// not create it.
	t.Run("two Heads at once", func(t *testing.T) {
		a, aid := at("HeadA", 1)
		b, bid := at("HeadB", 1)
		cls, ids := []*gameclient.Client{a, b}, []string{aid, bid}
		for round := 0; round < 10; round++ {
			errs := raceAll(2, func(i int) error {
				return cls[i].Call(&pat.ReqLayerCreateHead{Number: 8}, &pat.AnsLayerCreateHead{})
			})
			win := -1
			for i, err := range errs {
				if err == nil {
					if win >= 0 {
						t.Fatalf("round %d: both reserved city 8", round)
					}
					win = i
				} else if alertText(err) != alertCityExists {
					// MH3SP counts a reserved city as full: Head says it exists.
					t.Fatalf("round %d: %s: %v", round, ids[i], err)
				}
			}
			if win < 0 {
				t.Fatalf("round %d: nobody reserved city 8: %v", round, errs)
			}
			lose := 1 - win
			if err := cls[lose].Call(&pat.ReqLayerCreateSet{Number: 8}, &pat.AnsLayerCreateSet{}); alertText(err) != alertCityReserved {
				t.Fatalf("round %d: the loser's Set: %v", round, err)
			}
			if err := cls[lose].Down(8); alertText(err) != alertCityReserved {
				t.Fatalf("round %d: the loser's LayerDown into the reserved city: %v", round, err)
			}
			if err := cls[win].Call(&pat.ReqLayerCreateSet{Number: 8}, &pat.AnsLayerCreateSet{}); err != nil {
				t.Fatal(err)
			}
			if err := cls[win].Call(&pat.ReqLayerCreateFoot{Number: 8}, &pat.AnsLayerCreateFoot{}); err != nil {
				t.Fatal(err)
			}
			if err := cls[lose].Call(&pat.ReqLayerCreateSet{Number: 8}, &pat.AnsLayerCreateSet{}); alertText(err) != alertCityExists {
				t.Fatalf("round %d: the loser's Set after the creation: %v", round, err)
			}
			if host, err := cls[lose].JoinCity(1, 1, 8); err != nil || host != ids[win] {
				t.Fatalf("round %d: the loser joins: host %q, %v", round, host, err)
			}
			for _, cl := range cls {
				if err := cl.Up(); err != nil {
					t.Fatal(err)
				}
			}
		}
		bystanders(t)
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
