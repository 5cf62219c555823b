package handlers

import (
	"slices"
	"testing"
	"time"

	"github.com/mh3net/mh3net/pat"
)

// The requester's own notices come in its answer, in the order MH3SP
// writes them to it before the answer: at a departure that drops the
// leader (not ready), NtcCircleKick, the board change after the drop,
// the board change after the roster, then AnsCircleMatchStart; the
// member left in the party gets its notices and the board changes in one
// push, in MH3SP's order; and it leaves with the board change, then its
// answer.
func TestCircleNoticesToTheRequesterPrecedeItsAnswer(t *testing.T) {
	r := newRigWith(t, func(c *Config) { c.Lease = time.Hour })
	r.otherProcessWith(func(c *Config) { c.Lease = time.Hour }) // packets go to either of two handler processes
	a := fmpHunter{name: "India", lmp: "lI", conn: "fI"}
	b := fmpHunter{name: "Juliett", lmp: "lJ", conn: "fJ"}
	for _, h := range []*fmpHunter{&a, &b} {
		r.loginForFMP(t, h)
	}
	seq := uint16(0)
	send := func(h fmpHunter, m pat.Message) []pat.ID {
		t.Helper()
		seq++
		var ids []pat.ID
		for _, p := range r.send("fmp", h.conn, h.conn+"."+m.PacketID().Name()+string(rune('a'+seq)), seq, m) {
			ids = append(ids, p.ID)
		}
		return ids
	}
	var settings pat.Data
	settings.SetLong(0x01, 1)
	for _, h := range []fmpHunter{a, b} {
		send(h, &pat.AnsConnection{Data: connectionData(h.ticket)})
		send(h, &pat.ReqLayerStart{})
		send(h, &pat.ReqLayerDown{Number: 1})
	}
	send(a, &pat.ReqLayerCreateHead{Number: 2})
	send(a, &pat.ReqLayerCreateSet{Number: 2, Settings: settings})
	send(a, &pat.ReqLayerCreateFoot{Number: 2})
	send(b, &pat.ReqLayerDown{Number: 2})
	var quest pat.Data
	quest.SetLong(pat.CircleCapacity, 4)
	if got := send(a, &pat.ReqCircleCreate{Info: pat.DataOpt{Data: quest, Opt: pat.Opt{{ID: pat.OptCircleQuestID, Has: true, Value: 7}}}}); !slices.Equal(got, []pat.ID{pat.IDNtcCircleListLayerChange, pat.IDAnsCircleCreate}) {
		t.Fatalf("CircleCreate answered %v", got)
	}
	send(b, &pat.ReqCircleJoin{Index: 1})
	var ready pat.Data
	ready.SetByte(pat.CircleUserStandby, 1)
	send(b, &pat.ReqCircleMatchOptionSet{Options: ready})
	toB := r.pushes(b.conn)
	want := []pat.ID{pat.IDNtcCircleKick, pat.IDNtcCircleListLayerChange, pat.IDNtcCircleListLayerChange, pat.IDAnsCircleMatchStart}
	if got := send(a, &pat.ReqCircleMatchStart{}); !slices.Equal(got, want) {
		t.Fatalf("MatchStart by a leader who is not ready answered %v, want %v", got, want)
	}
	// B, left alone in the party, in one push: A's leave, B the new host,
	// the board, the roster, the board again.
	select {
	case m := <-toB:
		ps, err := pat.SplitFrames(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		var got []pat.ID
		for _, p := range ps {
			got = append(got, p.ID)
		}
		want := []pat.ID{pat.IDNtcCircleLeave, pat.IDNtcCircleHost, pat.IDNtcCircleListLayerChange, pat.IDNtcCircleMatchStart, pat.IDNtcCircleListLayerChange}
		if !slices.Equal(got, want) {
			t.Fatalf("B got %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing pushed to B")
	}
	if got := send(b, &pat.ReqCircleLeave{Index: 1}); !slices.Equal(got, []pat.ID{pat.IDNtcCircleListLayerChange, pat.IDAnsCircleLeave}) {
		t.Fatalf("CircleLeave answered %v", got)
	}
}
