package transcript_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/server"
	"github.com/mh3net/mh3net/transcript"
)

// Every script plays through against mh3net, and its transcript holds
// what the script is for: the answers and the notifications to others,
// with Capcom IDs written as placeholders.
func TestScriptsPlayThrough(t *testing.T) {
	s, err := server.Start(context.Background(), server.Config{
		Edge: true, Handlers: true, DataDir: t.TempDir(),
		Host: "127.0.0.1", Advertise: "127.0.0.1", Ports: map[string]int{},
		ConnectionDelay: 10 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	want := map[string][]string{
		"login":     {"AnsLmpConnect", "AnsUserObject", "AnsLayerCreateFoot", "AnsFmpInfo2(", "AnsShut"},
		"returning": {"AnsUserListData", "<First-ID>", "<Second-ID>"},
		"city":      {"Bbb 0068 AnsLayerDown", "NtcLayerIn", "NtcLayerChat", "NtcCircleMatchStart", "NtcLayerHost", "<Aaa-ID>"},
		"social":    {"AnsFriendAccept", "NtcFriendAdd", "AnsUserSearchData", "AnsLayerDetailSearchData", "<Ddd-ID>"},
		"move":      {"AnsFmpInfo2(", "Lll 0000 NtcLayerOut", "Mmm 0068 NtcLayerIn(0x64141000)             0006<Kkk-ID>", "<Kkk-ID>"},
		"stray":     {"fmp 0000 NtcShut", "## lmp Unknown(0x6A010100)", "opn 0068 AnsLineCheck"},
		"crowd":     {"AnsLayerDownAlert", "AnsCircleJoinAlert", "Ggg 006c AnsCircleJoin(", "NtcCircleInfoSet", "AnsCircleInfoSetAlert", "NtcCircleBinary2", "AnsUserSearchInfoAlert"},
	}
	for _, script := range transcript.Scripts {
		t.Run(script, func(t *testing.T) {
			var b strings.Builder
			if err := transcript.Run(&b, transcript.Config{OPN: s.Addr("opn").String(), Quiet: 20 * time.Millisecond, Patience: 2 * time.Second}, script); err != nil {
				t.Fatalf("%v\n%s", err, b.String())
			}
			out := b.String()
			for _, w := range want[script] {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in the transcript:\n%s", w, out)
				}
			}
		})
	}
}
