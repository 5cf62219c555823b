package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// rssBound is the most resident memory `mh3net up` (embedded NATS, edge
// and handlers in one process) may use while eight connections flood it
// (docs/ARCHITECTURE.md, "Edge limits").
const rssBound = 256 << 20

// attackFor is how long the flood runs.
const attackFor = 45 * time.Second

// TestUpRSSBoundedUnderFlood starts `mh3net up` as its own process and
// lets eight connections send as fast as they can, each mixing ReqUserObject
// frames carrying a ~15 KB UserObject (the answer echoes it, and answers
// of state-changing requests are kept for retries), legal 0xFFFF-byte
// frames with an unknown id, and ordinary requests. Six of them keep as
// many requests unanswered as the edge allows without closing them; two
// write without waiting for answers, so the edge throttles them and
// closes them once their queue passes its byte bound. A connection the
// server closes is opened again. The process's resident memory, sampled
// from /proc/<pid>/status, must stay under rssBound; a full login made
// during the flood must work.
func TestUpRSSBoundedUnderFlood(t *testing.T) {
	c := &cluster{t: t, bin: buildBinary(t)}
	opn, lmp := freePort(t), freePort(t)
	up := c.start("up", "up", "--http", "", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", t.TempDir(),
		"--opn-port", strconv.Itoa(opn), "--lmp-port", strconv.Itoa(lmp),
		"--fmp-port", strconv.Itoa(freePort(t)), "--rfp-port", strconv.Itoa(freePort(t)),
		"--connection-delay", "10ms")
	lmpAddr := fmt.Sprintf("127.0.0.1:%d", lmp)
	opnAddr := fmt.Sprintf("127.0.0.1:%d", opn)
	waitTCP(t, lmpAddr)
	pid := up.cmd.Process.Pid
	before := procStatus(t, pid, "VmRSS")

	ctx, cancel := context.WithTimeout(context.Background(), attackFor)
	defer cancel()
	var st floodStats
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); flood(ctx, t, lmpAddr, i%4 != 3, &st) }()
	}

	var peak int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if v := procStatus(t, pid, "VmRSS"); v > peak {
				peak = v
			}
		}
	}()

	// A player logging in while the flood runs.
	time.Sleep(attackFor / 2)
	loginErr := func() error {
		_, err := gameclient.FullLogin(opnAddr, &gameclient.Console{}, false, "Bystander")
		return err
	}()

	wg.Wait()
	<-sampled
	hwm := procStatus(t, pid, "VmHWM")
	t.Logf("flood for %v: %d frames (%d MB) sent, %d answers (%d MB) read, %d connections opened, %d closed by the server with NtcShut",
		attackFor, st.frames.Load(), st.sent.Load()>>20, st.answers.Load(), st.read.Load()>>20, st.dials.Load(), st.shuts.Load())
	t.Logf("VmRSS before %d MiB, sampled peak %d MiB, VmHWM %d MiB (bound %d MiB)", before>>20, peak>>20, hwm>>20, rssBound>>20)
	if loginErr != nil {
		t.Errorf("a login during the flood failed: %v", loginErr)
	}
	if hwm > rssBound {
		t.Errorf("peak resident memory %d MiB over the bound of %d MiB", hwm>>20, rssBound>>20)
	}
	if st.answers.Load() < 1000 {
		t.Errorf("the flood got no answers: it tested nothing")
	}
}

type floodStats struct {
	frames, sent, answers, read, dials, shuts atomic.Int64
}

// flood keeps one hostile connection busy until ctx ends: an LMP login
// with a ticket (ReqUserObject needs a console), then batches of frames
// as fast as the server answers them (windowed) or as the socket takes
// them.
func flood(ctx context.Context, t *testing.T, lmpAddr string, windowed bool, st *floodStats) {
	con := &gameclient.Console{}
	user := pat.Data{}
	user.SetLong(pat.UserSlotIndex, 1).SetString(pat.UserCapcomID, []byte("******")).
		SetString(pat.UserHunterName, []byte("Flood")).SetBinary(0x10, make([]byte, 15000))
	// One batch: five ReqUserObject, two other requests, one unknown frame.
	var frames []byte
	for seq := uint16(1); seq <= batchFrames; seq++ {
		var m pat.Message
		switch seq {
		case 1:
			frames, _ = pat.AppendFrame(frames, seq, pat.ID(0x7F7F0100), make([]byte, pat.MaxPayload))
			continue
		case 2:
			m = &pat.ReqUserListData{First: 1, Count: 6}
		case 3:
			m = &pat.ReqFmpListVersion{}
		default:
			m = &pat.ReqUserObject{IsSlotEmpty: 1, Slot: 1, User: user}
		}
		var err error
		if frames, err = pat.AppendMessage(frames, seq, m); err != nil {
			t.Errorf("encode: %v", err)
			return
		}
	}
	for ctx.Err() == nil {
		first, err := gameclient.Dial(lmpAddr)
		if err != nil {
			continue
		}
		st.dials.Add(1)
		_, err = first.LMPFirst(con)
		first.Close()
		if err != nil {
			continue
		}
		cl, err := gameclient.Dial(lmpAddr)
		if err != nil {
			continue
		}
		st.dials.Add(1)
		if _, err := cl.Greet(con, true); err != nil {
			cl.Close()
			continue
		}
		conn := cl.Conn()
		conn.SetReadDeadline(time.Time{}) // the greeting's
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		done := make(chan struct{})
		window := make(chan struct{}, floodWindow)
		go func() {
			defer close(done)
			drain(conn, st, window)
		}()
	send:
		for {
			for i := 0; windowed && i < batchFrames-1; i++ {
				select {
				case window <- struct{}{}:
				case <-done:
					break send
				}
			}
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write(frames); err != nil {
				break
			}
			st.frames.Add(batchFrames)
			st.sent.Add(int64(len(frames)))
		}
		conn.Close()
		<-done
		stop()
	}
}

// floodWindow is how many requests a flooding connection keeps
// unanswered: as many as it can without being closed for flooding (three
// batches, fifteen 15 KB ReqUserObject: under the edge's 256 KiB queue),
// so the flood goes as fast as the server answers.
const floodWindow = 3 * (batchFrames - 1)

// batchFrames is the number of frames a flooding connection writes at once.
const batchFrames = 8

// drain reads whatever the server sends, answering line checks, and
// counts the answers and NtcShuts; each answer frees a place in window.
func drain(conn net.Conn, st *floodStats, window chan struct{}) {
	r := bufio.NewReaderSize(conn, 1<<16)
	var hdr [pat.HeaderSize]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		h, _ := pat.ParseHeader(hdr[:], pat.MaxPayload)
		if _, err := r.Discard(int(h.Size)); err != nil {
			return
		}
		st.read.Add(int64(pat.HeaderSize) + int64(h.Size))
		switch h.ID {
		case pat.IDReqLineCheck:
			b, _ := pat.AppendMessage(nil, h.Seq, &pat.AnsLineCheck{})
			conn.Write(b)
		case pat.IDNtcShut:
			st.shuts.Add(1)
		default:
			st.answers.Add(1)
			select {
			case <-window:
			default:
			}
		}
	}
}

// procStatus reads one "kB" field of /proc/<pid>/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Errorf("read status of %d: %v", pid, err)
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Errorf("%s: %q: %v", field, line, err)
			}
			return kb << 10
		}
	}
	t.Errorf("no %s in /proc/%d/status", field, pid)
	return 0
}
