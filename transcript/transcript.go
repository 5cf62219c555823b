// Package transcript plays fixed game sessions against a server and
// writes down every frame the server sends, per step, so that two servers
// (mh3net and MH3SP) can be compared with diff: see docs/DEVELOPING.md,
// "Side by side with MH3SP". Capcom IDs are written as <name-ID>; what
// else differs by nature between two runs (support codes, tickets, times,
// identity pairs, addresses) is left as it is.
package transcript

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// Scripts are the sessions Run plays, by name.
var Scripts = []string{"login", "returning", "city", "social", "crowd", "move", "stray"}

// Config says where to play and how long to listen.
type Config struct {
	OPN string // OPN (TLS) address; LMP and FMP come from its redirects
	// Quiet is how long a step listens after its answer for more frames
	// (notifications to anyone); default 250ms.
	Quiet time.Duration
	// Patience is how long a request waits for its answer (some get
	// none: unknown or misplaced packets); default 5s.
	Patience time.Duration
}

// Run plays script and writes its transcript to w.
func Run(w io.Writer, cfg Config, script string) (err error) {
	if cfg.Quiet <= 0 {
		cfg.Quiet = 250 * time.Millisecond
	}
	if cfg.Patience <= 0 {
		cfg.Patience = 5 * time.Second
	}
	t := &tape{w: w, cfg: cfg, ids: map[string]string{}}
	defer func() {
		for _, p := range t.players {
			p.cl.Close()
		}
		if v := recover(); v != nil {
			f, ok := v.(failure)
			if !ok {
				panic(v)
			}
			fmt.Fprintf(w, "!! %v\n", f.err)
			err = f.err
		}
	}()
	switch script {
	case "login":
		t.login()
	case "returning":
		t.returning()
	case "city":
		t.city()
	case "social":
		t.social()
	case "crowd":
		t.crowd()
	case "move":
		t.move()
	case "stray":
		t.stray()
	default:
		return fmt.Errorf("transcript: no script %q (have %s)", script, strings.Join(Scripts, ", "))
	}
	return nil
}

// failure ends a script (Run recovers it): a server that stops talking
// ends the transcript there, which is itself a difference to see.
type failure struct{ err error }

func must(err error) {
	if err != nil {
		panic(failure{err})
	}
}

type tape struct {
	w       io.Writer
	cfg     Config
	ids     map[string]string // Capcom ID (hex) → placeholder
	players []*player
}

type player struct {
	name string
	cl   *gameclient.Client
	seq  uint16
	id   string
	con  *gameclient.Console // what the game keeps between connections
}

// join adds a connected player to the tape.
func (t *tape) join(name string, cl *gameclient.Client) *player {
	p := &player{name: name, cl: cl, seq: 100}
	t.players = append(t.players, p)
	return p
}

// known makes a Capcom ID print as <name-ID>.
func (t *tape) known(p *player, id string) {
	p.id = id
	t.ids[hex.EncodeToString([]byte(id))] = "<" + p.name + "-ID>"
}

func (t *tape) printf(format string, args ...any) { fmt.Fprintf(t.w, format, args...) }

// listen reads p's frames until it has the answer to req (0: none
// expected) and then for the quiet time.
func (t *tape) listen(p *player, req pat.ID) []pat.Packet {
	var got []pat.Packet
	deadline := time.Now().Add(t.cfg.Patience)
	answered := req == 0
	for {
		d := t.cfg.Quiet
		if !answered {
			d = time.Until(deadline)
		}
		p.cl.Timeout = d
		pk, err := p.cl.Next()
		if err != nil {
			break
		}
		got = append(got, pk)
		if !answered && pk.ID.Base() == req.Answer().Base() {
			answered = true
		}
	}
	p.cl.Conn().SetDeadline(time.Time{})
	p.cl.Timeout = 10 * time.Second
	return got
}

func (t *tape) show(p *player, got []pat.Packet) {
	for _, pk := range got {
		if pk.ID == pat.IDReqLineCheck {
			continue // the server's keep-alive, on its own clock
		}
		h := hex.EncodeToString(pk.Payload)
		for id, name := range t.ids {
			h = strings.ReplaceAll(h, id, name)
		}
		t.printf("   %s %04x %-34s %s\n", p.name, pk.Seq, pk.ID.String(), h)
	}
}

// send writes one frame of p and records what every player receives
// until the answer and the quiet after it; it returns what p received.
func (t *tape) send(p *player, id pat.ID, payload []byte) []pat.Packet {
	p.seq++
	frame, err := pat.AppendFrame(nil, p.seq, id, payload)
	must(err)
	p.cl.Conn().SetDeadline(time.Time{})
	must(p.cl.WriteRaw(frame))
	shown := hex.EncodeToString(payload)
	for hid, name := range t.ids {
		shown = strings.ReplaceAll(shown, hid, name)
	}
	t.printf("## %s %s %s\n", p.name, id, shown)
	var req pat.ID
	if id.IsRequest() {
		req = id
	}
	mine := t.listen(p, req)
	t.show(p, mine)
	for _, q := range t.players {
		if q != p {
			t.show(q, t.listen(q, 0))
		}
	}
	return mine
}

// msg sends a typed message and returns what p received.
func (t *tape) msg(p *player, m pat.Message) []pat.Packet {
	b, err := pat.Marshal(m)
	must(err)
	return t.send(p, m.PacketID(), b)
}

// answer decodes the packet with id among got into m.
func answer(got []pat.Packet, id pat.ID, m pat.Message) {
	for _, p := range got {
		if p.ID == id {
			must(pat.Unmarshal(p.Payload, m))
			return
		}
	}
	must(fmt.Errorf("transcript: no %s", id))
}

// raw sends a payload written in hex (spaces allowed); {A}, {B}, ...
// stand for the lp2 Capcom ID of the first, second, ... player.
func (t *tape) raw(p *player, id uint32, payload string) {
	for i, q := range t.players {
		payload = strings.ReplaceAll(payload, "{"+string(rune('A'+i))+"}", lp2(q.id))
	}
	b, err := hex.DecodeString(strings.ReplaceAll(payload, " ", ""))
	must(err)
	t.send(p, pat.ID(id), b)
}

func lp2(s string) string { return fmt.Sprintf("%04x", len(s)) + hex.EncodeToString([]byte(s)) }

// greet connects p's client and answers ReqConnection with con's data.
func (t *tape) greet(name, addr string, con *gameclient.Console, ticket, tls bool) *player {
	var cl *gameclient.Client
	var err error
	if tls {
		cl, err = gameclient.DialTLS(addr, false)
	} else {
		cl, err = gameclient.Dial(addr)
	}
	must(err)
	p := t.join(name, cl)
	pk, err := cl.Expect(pat.IDReqConnection, nil)
	must(err)
	t.printf("## %s connects\n", name)
	t.show(p, []pat.Packet{pk})
	t.msg(p, &pat.AnsConnection{Data: con.ConnectionData(ticket)})
	return p
}

// leave closes p's connection and drops it from the tape.
func (t *tape) leave(p *player) {
	p.cl.Close()
	t.players = slices.DeleteFunc(t.players, func(q *player) bool { return q == p })
}

// hunters log new consoles in up to FMP server 1 and play the arrival.
func (t *tape) hunters(names ...string) []*player {
	var out []*player
	for _, n := range names {
		con := &gameclient.Console{}
		cl, id, err := gameclient.LoginToFMP(t.cfg.OPN, con, false, n, 1)
		must(err)
		p := t.join(n, cl)
		p.con = con
		t.known(p, id)
		out = append(out, p)
	}
	stats := "0032000000" + strings.Repeat("00", pat.HunterSettingsSize-5)
	for _, p := range out {
		t.raw(p, 0x66370100, "00")    // UserSearchInfoMine
		t.raw(p, 0x64010100, "00 00") // LayerStart
		t.raw(p, 0x66310100, fmt.Sprintf("00000000 %04x %s", pat.HunterSettingsSize, stats))
	}
	return out
}
