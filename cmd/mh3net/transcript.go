package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mh3net/mh3net/transcript"
)

// runTranscript plays fixed sessions against a server (mh3net or MH3SP)
// and prints every frame it sends, for diff (docs/DEVELOPING.md).
func runTranscript(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("transcript", flag.ContinueOnError)
	opn := fs.String("opn", "127.0.0.1:8200", "OPN (TLS) address of the server; LMP and FMP come from its redirects")
	quiet := fs.Duration("quiet", 250*time.Millisecond, "how long each step listens after its answer for notifications")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mh3net transcript [flags] SCRIPT...\nscripts: %v\n", transcript.Scripts)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	scripts := fs.Args()
	if len(scripts) == 0 {
		scripts = transcript.Scripts
	}
	for _, s := range scripts {
		fmt.Printf("#### %s\n", s)
		if err := transcript.Run(os.Stdout, transcript.Config{OPN: *opn, Quiet: *quiet}, s); err != nil {
			return fmt.Errorf("transcript %s: %w", s, err)
		}
	}
	return nil
}
