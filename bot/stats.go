package bot

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/latency"
)

// kind is one thing a hunter does.
type kind int

const (
	kLogin       kind = iota // OPN (TLS) and both LMP connections up to the profile
	kServerPick              // the server list, FmpInfo, the FMP connection and the arrival
	kLayerList               // the gates of a server or the cities of a gate
	kGate                    // LayerDown into a gate
	kCityCreate              // LayerCreateHead/Set/Foot
	kCityJoin                // LayerDown into a city and LayerHost
	kChat                    // NtcLayerChat; latency: delivery to each other hunter
	kMove                    // NtcLayerUserPosition; latency: delivery to each other hunter
	kBoard                   // the city's quest board
	kCirclePost              // CircleCreate
	kCircleJoin              // CircleJoin
	kReady                   // CircleMatchOptionSet (ready)
	kPartyCall               // the leader's CircleInfoSet ("departing") and party list
	kDepart                  // CircleMatchStart
	kPartyChat               // NtcCircleChat; latency: delivery to each other member
	kQuestEnd                // CircleMatchEnd
	kCircleLeave             // CircleLeave
	kTell                    // Tell
	kCityLeave               // LayerUp from a city
	kGateLeave               // LayerUp from a gate
	kLogout                  // LayerEnd and Shut
	kListen                  // reading between actions: drops and shuts that came while waiting
	numKinds
)

var kindNames = [numKinds]string{
	kLogin: "login", kServerPick: "server pick", kLayerList: "layer list", kGate: "gate",
	kCityCreate: "city create", kCityJoin: "city join", kChat: "chat", kMove: "move",
	kBoard: "board", kCirclePost: "circle post", kCircleJoin: "circle join", kReady: "ready",
	kPartyCall: "party call", kDepart: "depart", kPartyChat: "party chat", kQuestEnd: "quest end",
	kCircleLeave: "circle leave", kTell: "tell", kCityLeave: "city leave", kGateLeave: "gate leave",
	kLogout: "logout", kListen: "listen",
}

func (k kind) String() string { return kindNames[k] }

// delivered kinds are notifications: their latency is from the send to
// its arrival at each other bot hunter, not the send itself.
func (k kind) delivered() bool { return k == kChat || k == kMove || k == kPartyChat }

// refusable kinds meet the game's ordinary refusals (a full gate or city,
// a city someone else created first, a full or departed party, no free
// quest slot): an alert there is a refusal, counted apart from errors.
func (k kind) refusable() bool {
	switch k {
	case kGate, kCityCreate, kCityJoin, kCirclePost, kCircleJoin:
		return true
	}
	return false
}

// What the hunters heard of each other.
const (
	seenChat     = "chat"       // layer chat lines of other bot hunters
	seenPosition = "position"   // their position updates
	seenArrival  = "city in"    // NtcLayerIn in a city: someone entered it
	seenTell     = "tell"       // tells from other bot hunters
	seenJoin     = "party in"   // NtcCircleJoin: someone joined the hunter's party
	seenRoster   = "roster"     // NtcCircleMatchStart: departed with a party
	seenParty    = "party chat" // party chat of other bot hunters
)

type kindStats struct {
	ok, refused, failed atomic.Int64
	lat                 latency.Histogram
}

// stats are a run's counters, shared by its hunters.
type stats struct {
	kinds [numKinds]kindStats

	online, peak, sessions, reconnects, cut atomic.Int64

	mu       sync.Mutex
	errors   map[string]int // class → count
	texts    map[string]int // "class: text" → count (refusals: "refused: text")
	seen     map[string]int
	examples []string
	exampled map[string]bool
	failures []Failure
	begin    time.Time
}

// maxFailures bounds the failure timeline of a report.
const maxFailures = 1000

func newStats() *stats {
	return &stats{errors: map[string]int{}, texts: map[string]int{}, seen: map[string]int{}, exampled: map[string]bool{}, begin: time.Now()}
}

// refusal is an ordinary refusal by the game (see kind.refusable).
type refusal struct{ text string }

func (r *refusal) Error() string { return "refused: " + r.text }

func refused(err error) bool {
	var r *refusal
	return errors.As(err, &r)
}

// errStopped ends what a hunter was doing because the run is ending.
var errStopped = errors.New("bot: the run is ending")

// record counts one outcome of hunter who's k that took d and returns
// err, or a *refusal for an ordinary refusal. cut reports that the run
// closed the hunter's connections itself (its grace after the stop ran
// out): such failures are counted apart.
func (s *stats) record(who int, at where, k kind, d time.Duration, err error, cut bool) error {
	st := &s.kinds[k]
	if err == nil {
		st.ok.Add(1)
		if !k.delivered() && k != kListen {
			st.lat.Add(d)
		}
		return nil
	}
	if errors.Is(err, errStopped) {
		return err
	}
	class, text := classify(err)
	if class == "alert" && k.refusable() {
		st.refused.Add(1)
		s.mu.Lock()
		s.texts["refused: "+text]++
		s.mu.Unlock()
		return &refusal{text: text}
	}
	if cut {
		s.cut.Add(1)
		return err
	}
	st.failed.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[class]++
	if key := class + ": " + text; text != "" && (len(s.texts) < 100 || s.texts[key] > 0) {
		s.texts[key]++
	}
	if len(s.failures) < maxFailures {
		s.failures = append(s.failures, Failure{At: time.Since(s.begin), Hunter: who, Action: k.String(), Class: class, Text: text, Server: at.server, FMP: at.fmp})
	}
	// The first error of each kind and class, as it was.
	if key := k.String() + "/" + class; len(s.examples) < 10 && !s.exampled[key] {
		s.exampled[key] = true
		s.examples = append(s.examples, fmt.Sprintf("%s: %v", k, err))
	}
	return err
}

func (s *stats) delivery(k kind, d time.Duration) { s.kinds[k].lat.Add(d) }

func (s *stats) saw(what string) {
	s.mu.Lock()
	s.seen[what]++
	s.mu.Unlock()
}

func (s *stats) arrived() {
	n := s.online.Add(1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

// classify names what went wrong: "alert" (the game's alert, with its
// text), "shut" (NtcShut, with its text), "timeout", "dropped" (the
// server closed or reset the connection), "connect" (refused), or
// "protocol" (anything else: an unexpected status or packet).
func classify(err error) (class, text string) {
	var alert *gameclient.ErrAlert
	var shut *gameclient.ShutError
	var ne net.Error
	switch {
	case errors.As(err, &alert):
		return "alert", strings.TrimSpace(tags.ReplaceAllString(alert.Message, " "))
	case errors.As(err, &shut):
		return "shut", strings.TrimSpace(tags.ReplaceAllString(shut.Message, " "))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connect", ""
	case errors.Is(err, gameclient.ErrClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return "dropped", ""
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout", ""
	}
	text = err.Error()
	if len(text) > 120 {
		text = text[:120]
	}
	return "protocol", text
}

// ActionStats is what one kind of action did in a run.
type ActionStats struct {
	Action  string `json:"action"`
	Count   int64  `json:"count"`   // done
	Refused int64  `json:"refused"` // the game's ordinary refusals (full city, quest full, ...)
	Errors  int64  `json:"errors"`
	// Samples are the latencies behind the percentiles: one per action,
	// or for chat, move and party chat one per delivery to another hunter.
	Samples uint64        `json:"samples"`
	P50     time.Duration `json:"p50_ns"`
	P99     time.Duration `json:"p99_ns"`
	Max     time.Duration `json:"max_ns"`
}

// Failure is one error in a run's timeline.
type Failure struct {
	At     time.Duration `json:"at_ns"` // since the run began
	Hunter int           `json:"hunter"`
	Action string        `json:"action"`
	Class  string        `json:"class"`
	Text   string        `json:"text,omitempty"`
	// Server is the FMP server the hunter had picked (0 before), and FMP
	// the address of its FMP connection ("" before it had one): what a
	// fault test needs to tell whose hunters a fault may drop.
	Server int    `json:"server,omitempty"`
	FMP    string `json:"fmp,omitempty"`
}

// where is the part of a hunter a failure records.
type where struct {
	server int
	fmp    string
}

// Report is what a run did.
type Report struct {
	Hunters int           `json:"hunters"`
	Idle    int           `json:"idle"`
	Seed    int64         `json:"seed"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Began is when the run began: failures' At count from it.
	Began time.Time `json:"began"`
	// Actions are in a fixed order, kinds that never happened included.
	Actions []ActionStats `json:"actions"`
	// Total adds the actions up; its percentiles are over every request
	// (not the deliveries of chat and moves, nor listening).
	Total ActionStats `json:"total"`
	// Errors by class: alert, shut, timeout, dropped, connect, protocol.
	Errors map[string]int `json:"errors"`
	// Texts counts refusals ("refused: ...") and the errors that carry a
	// text (alerts, shuts, protocol errors) by class and text.
	Texts map[string]int `json:"texts"`
	// Examples are the first error of each action and class, as it was
	// (ten at most).
	Examples []string `json:"examples,omitempty"`
	// Failures are the errors in the order they came, with when and who
	// (the first 1 000): what a fault test lines up against the fault.
	Failures []Failure `json:"failures,omitempty"`
	// Seen counts what the hunters heard of each other: chat, position,
	// city in (NtcLayerIn in a city), tell, party in, roster, party chat.
	Seen map[string]int `json:"seen"`
	// Sessions are arrivals on an FMP server; Reconnects those after a
	// failed session; PeakOnline the most hunters on FMP at once.
	Sessions   int64 `json:"sessions"`
	Reconnects int64 `json:"reconnects"`
	PeakOnline int64 `json:"peak_online"`
	// Cut are requests failed because the run closed its connections
	// when its grace after the stop ran out (not counted as errors).
	Cut int64 `json:"cut"`
}

// Action returns the stats of the named action (zero if unknown).
func (r Report) Action(name string) ActionStats {
	for _, a := range r.Actions {
		if a.Action == name {
			return a
		}
	}
	return ActionStats{Action: name}
}

func (s *stats) report() Report {
	var rep Report
	var all latency.Histogram
	for k := kind(0); k < numKinds; k++ {
		st := &s.kinds[k]
		p := st.lat.Percentiles(50, 99)
		a := ActionStats{Action: k.String(), Count: st.ok.Load(), Refused: st.refused.Load(), Errors: st.failed.Load(),
			Samples: st.lat.Count(), P50: p[0], P99: p[1], Max: st.lat.Max()}
		rep.Actions = append(rep.Actions, a)
		rep.Total.Errors += a.Errors
		if k == kListen {
			continue
		}
		rep.Total.Count += a.Count
		rep.Total.Refused += a.Refused
		if !k.delivered() {
			all.Merge(&st.lat)
		}
	}
	p := all.Percentiles(50, 99)
	rep.Total.Action, rep.Total.Samples, rep.Total.P50, rep.Total.P99, rep.Total.Max = "total", all.Count(), p[0], p[1], all.Max()
	s.mu.Lock()
	rep.Errors, rep.Texts, rep.Seen = clone(s.errors), clone(s.texts), clone(s.seen)
	rep.Examples = append([]string(nil), s.examples...)
	rep.Failures = append([]Failure(nil), s.failures...)
	s.mu.Unlock()
	rep.Sessions, rep.Reconnects, rep.PeakOnline, rep.Cut = s.sessions.Load(), s.reconnects.Load(), s.peak.Load(), s.cut.Load()
	return rep
}

func clone(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// progress is the one-line summary printed while the run goes on.
func (s *stats) progress(elapsed time.Duration, hunters int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "bot %v: online %d/%d, %d sessions (%d after a failure)", elapsed.Round(time.Second), s.online.Load(), hunters,
		s.sessions.Load(), s.reconnects.Load())
	var done, ref, bad int64
	var parts []string
	for k := kind(0); k < numKinds; k++ {
		st := &s.kinds[k]
		n := st.ok.Load()
		bad += st.failed.Load()
		if k == kListen {
			continue
		}
		done += n
		ref += st.refused.Load()
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(&b, "; actions %d (%s); refused %d; errors %d", done, strings.Join(parts, ", "), ref, bad)
	s.mu.Lock()
	if len(s.errors) > 0 {
		fmt.Fprintf(&b, " (%s)", joinCounts(s.errors))
	}
	s.mu.Unlock()
	return b.String()
}

// joinCounts is "a 1, b 2" in key order.
func joinCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// WriteTable prints the report for people: one line per action that
// happened (count, refusals, errors, p50, p99, max), the totals, errors
// by class and text, and what the hunters heard of each other.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "action\tcount\trefused\terrors\tp50\tp99\tmax\t\n")
	ms := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	for _, a := range append(append([]ActionStats(nil), r.Actions...), r.Total) {
		if a.Count == 0 && a.Refused == 0 && a.Errors == 0 && a.Action != "total" {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", a.Action, a.Count, a.Refused, a.Errors, ms(a.P50), ms(a.P99), ms(a.Max))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d hunters (%d idle), seed %d, %v: %d sessions, %d after a failure, at most %d online at once\n",
		r.Hunters, r.Idle, r.Seed, r.Elapsed.Round(time.Millisecond), r.Sessions, r.Reconnects, r.PeakOnline)
	fmt.Fprintf(w, "chat, move and party chat latency: from the send to each other bot hunter's socket\n")
	if len(r.Seen) > 0 {
		fmt.Fprintf(w, "heard of each other: %s\n", joinCounts(r.Seen))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "errors: %s\n", joinCounts(r.Errors))
	}
	if len(r.Texts) > 0 {
		fmt.Fprintf(w, "by text: %s\n", joinCounts(r.Texts))
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	if r.Cut > 0 {
		fmt.Fprintf(w, "%d requests cut when the grace after the stop ran out\n", r.Cut)
	}
	return nil
}
