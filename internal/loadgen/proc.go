package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proc is a server process started by the bench: `ferry serve` or `ferry
// bench-baseline`.
type proc struct {
	cmd      *exec.Cmd
	URL      string
	APIKey   string        // the sandbox's, when the process created it
	Merchant string        // the sandbox merchant's id
	Started  time.Duration // from exec to its ready line
	stderr   *lockedBuffer
}

// lockedBuffer keeps the first MiB written to it, for many writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 1<<20 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// readyLine is the line `ferry serve --ready-json` and `ferry
// bench-baseline` print on standard output once they listen
// (docs/operations.md). Only the members the bench uses are here.
type readyLine struct {
	Ready   bool   `json:"ready"`
	URL     string `json:"url"`
	Sandbox *struct {
		MerchantID string `json:"merchantId"`
		APIKey     string `json:"apiKey"`
	} `json:"sandbox"`
}

// readReady reads lines until the ready line and returns it. Other lines
// before it are skipped. It fails when the output ends first.
func readReady(sc *bufio.Scanner) (readyLine, error) {
	for sc.Scan() {
		var r readyLine
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Ready && r.URL != "" {
			return r, nil
		}
	}
	if err := sc.Err(); err != nil {
		return readyLine{}, err
	}
	return readyLine{}, io.ErrUnexpectedEOF
}

// startTimeout is how long a process may take to print its ready line.
const startTimeout = 60 * time.Second

// start runs the bench's binary with args and waits for its ready line.
func (b *Bench) start(ctx context.Context, args ...string) (*proc, error) {
	p := &proc{cmd: exec.CommandContext(ctx, b.Binary, args...), stderr: &lockedBuffer{}}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	type answer struct {
		line readyLine
		at   time.Duration
		err  error
	}
	ready := make(chan answer, 1)
	go func() {
		sc := bufio.NewScanner(out)
		line, err := readReady(sc)
		ready <- answer{line, time.Since(start), err}
		io.Copy(io.Discard, out) // a full pipe would block the process
	}()
	select {
	case a := <-ready:
		if a.err != nil {
			p.stop()
			return nil, fmt.Errorf("%s did not start (%v): %s", args[0], a.err, p.stderr)
		}
		p.URL, p.Started = a.line.URL, a.at
		if s := a.line.Sandbox; s != nil {
			p.Merchant, p.APIKey = s.MerchantID, s.APIKey
		}
		return p, nil
	case <-time.After(startTimeout):
		p.stop()
		return nil, fmt.Errorf("%s did not start: %s", args[0], p.stderr)
	}
}

// stop ends the process gracefully, or kills it after 10s.
func (p *proc) stop() {
	if p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// rss returns the process's resident memory in bytes, from /proc.
func (p *proc) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseRSS(string(b))
}

// parseRSS reads VmRSS from the text of /proc/PID/status, in bytes.
func parseRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpu returns the CPU time the process used so far, from /proc.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseCPU(string(b))
}

// parseCPU reads the user and system CPU time from the text of
// /proc/PID/stat.
func parseCPU(stat string) (time.Duration, error) {
	// The fields after the command name, which is in parentheses and may
	// hold spaces and parentheses itself: state is the first, utime the
	// 12th and stime the 13th.
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name in /proc stat")
	}
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	if err != nil {
		return 0, err
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// settle waits until the process's memory stops growing (two readings a
// quarter of a second apart within 64 KiB, for at most 5 seconds) and
// returns it.
func (p *proc) settle() int64 {
	var last int64
	for range 20 {
		time.Sleep(250 * time.Millisecond)
		r, _ := p.rss()
		if last != 0 && r-last < 64<<10 && last-r < 64<<10 {
			return r
		}
		last = r
	}
	return last
}
