package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/latency"
	"github.com/mh3net/mh3net/pat"
)

// runLoadRelay measures relay latency: hunters in full 4-hunter cities,
// spread over the given edges (a city's hunters alternate between them),
// each sending NtcLayerUserPosition at --rate; every delivery's latency
// (send → the other hunters' sockets) is recorded. The same traffic then
// runs through a direct TCP relay (one process, no NATS, no handlers) in
// the same run, for comparison.
func runLoadRelay(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load relay", flag.ContinueOnError)
	lmps := fs.String("lmp", "127.0.0.1:8201", "comma list of the edges' LMP addresses")
	fmps := fs.String("fmp", "127.0.0.1:8202", "comma list of the edges' FMP addresses (same order)")
	hunters := fs.Int("hunters", 100, "hunters (a multiple of 4)")
	rate := fs.Float64("rate", 10, "position updates per hunter per second")
	duration := fs.Duration("duration", 20*time.Second, "how long positions are sent")
	server := fs.Int("server", 1, "FMP server (1-based) the hunters play on")
	direct := fs.Bool("direct", true, "also measure a direct TCP relay of the same traffic")
	inTool := fs.Bool("direct-in-tool", false, "run the direct relay inside this tool's process, not as a process of its own")
	logins := fs.Int("login-clients", 8, "logins at once while setting up")
	if err := parse(fs, args); err != nil {
		return err
	}
	lmpList, fmpList := strings.Split(*lmps, ","), strings.Split(*fmps, ",")
	if len(lmpList) != len(fmpList) || *hunters%4 != 0 || *hunters <= 0 {
		return fmt.Errorf("need as many --lmp as --fmp addresses and a positive multiple of 4 hunters")
	}
	fmt.Printf("setting up %d hunters on %d edge(s)...\n", *hunters, len(lmpList))
	begin := time.Now()
	clients, err := seatHunters(ctx, lmpList, fmpList, *hunters, *server, *logins)
	for _, c := range clients {
		if c != nil {
			defer c.Close()
		}
	}
	if err != nil {
		return err
	}
	fmt.Printf("seated in %v\n", time.Since(begin).Round(time.Millisecond))
	res := relayRun(ctx, clients, *rate, *duration)
	fmt.Printf("mh3net relay  (%d hunters, %.0f/s each): %s\n", *hunters, *rate, res)
	if !*direct {
		return nil
	}
	dres, err := directRelay(ctx, *hunters, *rate, *duration, *inTool)
	if err != nil {
		return err
	}
	where := "own process"
	if *inTool {
		where = "in the tool"
	}
	fmt.Printf("direct relay  (%d hunters, %.0f/s each, %s): %s\n", *hunters, *rate, where, dres)
	return nil
}

// seatHunters logs hunters in and puts every 4 in one city: the first
// creates it, the other three join, alternating edges.
func seatHunters(ctx context.Context, lmps, fmps []string, n, server, parallel int) ([]*gameclient.Client, error) {
	clients := make([]*gameclient.Client, n)
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				e := i % len(lmps)
				c, id, err := gameclient.LoginFromLMP(lmps[e], fmps[e], &gameclient.Console{}, fmt.Sprintf("R%d", i), server)
				if err == nil {
					_, _, err = c.Arrive(50)
				}
				mu.Lock()
				clients[i], ids[i] = c, id
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("hunter %d: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return clients, firstErr
	}
	// 96 hunters (24 cities) per gate keeps gates under their capacity
	// (100 in the default world) and 1 000 hunters within 11 gates.
	for g := 0; g*4 < n; g++ {
		group := clients[g*4 : g*4+4]
		gate, city := uint16(g/24+1), uint16(g%24+1)
		for _, c := range group {
			if err := c.Down(gate); err != nil {
				return clients, fmt.Errorf("into gate %d: %w", gate, err)
			}
		}
		if err := group[0].CreateCity(city, nil); err != nil {
			return clients, fmt.Errorf("create city %d/%d: %w", gate, city, err)
		}
		for _, c := range group[1:] {
			if _, err := c.JoinCity(uint32(server), gate, city); err != nil {
				return clients, fmt.Errorf("join city %d/%d: %w", gate, city, err)
			}
		}
	}
	for _, c := range clients {
		c.Drain(100 * time.Millisecond) // notices of the seating
	}
	return clients, nil
}

// relayResult summarises one run.
type relayResult struct {
	sent, delivered int64
	p50, p99, max   time.Duration
}

func (r relayResult) String() string {
	return fmt.Sprintf("sent %d, delivered %d; latency p50 %v p99 %v max %v",
		r.sent, r.delivered, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.max.Round(10*time.Microsecond))
}

// positionPayload is 8 bytes of send time (Unix ns) and padding to the
// size of a real position update (~0x20 bytes).
func positionPayload(t time.Time) []byte {
	b := make([]byte, 32)
	binary.BigEndian.PutUint64(b, uint64(t.UnixNano()))
	return b
}

// relayRun measures one run. The tool shares the box with the servers it
// measures, so it keeps its own cost low: each hunter's socket is read
// through a buffer (one read for every frame that has arrived, no
// deadline per frame), and one goroutine sends every hunter's updates,
// waking each millisecond to send those that are due, instead of a
// goroutine and a ticker per hunter. Hunter i sends at i/N of a period
// after hunter 0, as players do: tickers started together would send in
// bursts of every hunter at once and measure that queue. An update
// carries the time it is written to its socket.
func relayRun(ctx context.Context, clients []*gameclient.Client, rate float64, d time.Duration) relayResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	rec := latency.NewRecorder()
	var sent, delivered atomic.Int64
	var wg sync.WaitGroup
	for _, c := range clients {
		c.Timeout = d + 5*time.Second
		c.Conn().SetReadDeadline(time.Time{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			readPositions(c, rec, &delivered)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		period := time.Duration(float64(time.Second) / rate)
		n := len(clients)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		begin := time.Now()
		for next := 0; ; {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				for {
					due := begin.Add(time.Duration(next/n)*period + time.Duration(next%n)*period/time.Duration(n))
					if due.After(now) {
						break
					}
					if clients[next%n].Position(positionPayload(time.Now())) == nil {
						sent.Add(1)
					}
					next++
				}
			}
		}
	}()
	<-ctx.Done()
	// The senders stop now; the readers take what is still on its way
	// for another second.
	end := time.Now().Add(time.Second)
	for _, c := range clients {
		c.Conn().SetReadDeadline(end)
	}
	wg.Wait()
	p := rec.Percentiles(50, 99, 100)
	return relayResult{sent: sent.Load(), delivered: delivered.Load(), p50: p[0], p99: p[1], max: p[2]}
}

// readPositions records the latency of every position update c receives
// until its connection fails or its read deadline passes; line checks are
// answered on the way.
func readPositions(c *gameclient.Client, rec *latency.Recorder, delivered *atomic.Int64) {
	r := bufio.NewReaderSize(c.Conn(), 4096)
	buf := make([]byte, pat.HeaderSize+pat.MaxPayload)
	for {
		h, b, err := readFrame(r, buf)
		if err != nil {
			return
		}
		switch h.ID {
		case pat.IDReqLineCheck:
			if c.SendSeq(h.Seq, &pat.AnsLineCheck{}) != nil {
				return
			}
		case pat.IDNtcLayerUserPosition:
			var m pat.NtcLayerUserPosition
			if pat.Unmarshal(b, &m) != nil || len(m.Payload) < 8 {
				continue
			}
			sentAt := time.Unix(0, int64(binary.BigEndian.Uint64(m.Payload)))
			rec.Add(time.Since(sentAt))
			delivered.Add(1)
		}
	}
}

// readFrame reads one frame from r into buf (room for the largest) and
// returns its header and payload, which the next call overwrites.
func readFrame(r io.Reader, buf []byte) (pat.Header, []byte, error) {
	if _, err := io.ReadFull(r, buf[:pat.HeaderSize]); err != nil {
		return pat.Header{}, nil, err
	}
	h, err := pat.ParseHeader(buf[:pat.HeaderSize], pat.MaxPayload)
	if err != nil {
		return h, nil, err
	}
	body := buf[pat.HeaderSize : pat.HeaderSize+int(h.Size)]
	_, err = io.ReadFull(r, body)
	return h, body, err
}

// directRelay runs the same traffic through the simplest relay there is:
// one TCP server that copies each client's frames, prefixed with its id
// as mh3net does, to the other three of its group. The relay runs as a
// process of its own (mh3net load direct-relay), as a server does, so it
// sleeps and wakes as mh3net's processes do; inTool runs it inside this
// tool's process instead, where the tool's own goroutines keep it awake.
func directRelay(ctx context.Context, n int, rate float64, d time.Duration, inTool bool) (relayResult, error) {
	var addr string
	if inTool {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return relayResult{}, err
		}
		defer ln.Close()
		go serveDirectRelay(ln)
		addr = ln.Addr().String()
	} else {
		self, err := os.Executable()
		if err != nil {
			return relayResult{}, err
		}
		cmd := exec.CommandContext(ctx, self, "load", "direct-relay", "--listen", "127.0.0.1:0")
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return relayResult{}, err
		}
		if err := cmd.Start(); err != nil {
			return relayResult{}, fmt.Errorf("start the direct relay: %w", err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			return relayResult{}, fmt.Errorf("the direct relay's address: %w", err)
		}
		addr = strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	}
	clients := make([]*gameclient.Client, n)
	for i := range clients {
		c, err := gameclient.Dial(addr)
		if err != nil {
			return relayResult{}, err
		}
		defer c.Close()
		clients[i] = c
	}
	time.Sleep(100 * time.Millisecond) // every connection accepted
	res := relayRun(ctx, clients, rate, d)
	if res.delivered == 0 {
		return res, errors.New("the direct relay delivered nothing")
	}
	return res, nil
}

// runDirectRelay is mh3net load direct-relay: the direct relay as a
// process of its own, until it is killed. It prints the address it
// listens on first.
func runDirectRelay(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load direct-relay", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	go func() { <-ctx.Done(); ln.Close() }()
	serveDirectRelay(ln)
	return nil
}

// serveDirectRelay accepts connections until ln closes; every 4 in a row
// are one group, and each frame one sends goes to the other three.
func serveDirectRelay(ln net.Listener) {
	var mu sync.Mutex
	groups := map[int][]net.Conn{}
	for i := 0; ; i++ {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		g := i / 4
		mu.Lock()
		groups[g] = append(groups[g], c)
		mu.Unlock()
		id := fmt.Sprintf("D%05d", i)
		go func() {
			defer c.Close()
			buf := make([]byte, pat.HeaderSize+pat.MaxPayload)
			for {
				h, body, err := readFrame(c, buf)
				if err != nil {
					return
				}
				frame, _ := pat.AppendMessage(nil, h.Seq, &pat.NtcLayerUserPosition{SenderID: []byte(id), Payload: body})
				mu.Lock()
				mates := slices.Clone(groups[g])
				mu.Unlock()
				for _, m := range mates {
					if m != c {
						m.Write(frame)
					}
				}
			}
		}()
	}
}
