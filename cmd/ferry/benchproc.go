package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the bench's machinery: server processes, their memory
// and CPU, and latency records.

// proc is a server process started by the bench.
type proc struct {
	cmd      *exec.Cmd
	URL      string
	APIKey   string
	Merchant string
	Started  time.Duration // from exec to its "listening" line
	stderr   *lockedBuffer
}

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

var (
	benchListening = regexp.MustCompile(`^Ferry listening on (\S+)|^listening on (\S+)`)
	benchKey       = regexp.MustCompile(`API key:\s+(fy_key_\w+)`)
	benchMerchant  = regexp.MustCompile(`^Sandbox merchant "Sandbox" \(id (\w+)\)`)
)

// startProc runs this binary with args and waits for its listening line.
func startProc(ctx context.Context, args ...string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: exec.CommandContext(ctx, self, args...), stderr: &lockedBuffer{}}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := benchKey.FindStringSubmatch(line); m != nil {
				p.APIKey = m[1]
			}
			if m := benchMerchant.FindStringSubmatch(line); m != nil {
				p.Merchant = m[1]
			}
			if m := benchListening.FindStringSubmatch(line); m != nil && p.URL == "" {
				p.URL = m[1] + m[2]
				p.Started = time.Since(start)
				close(ready)
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case <-ready:
		return p, nil
	case <-time.After(60 * time.Second):
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
	for _, line := range strings.Split(string(b), "\n") {
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
	// Fields after the command name, which is in parentheses.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// settle waits until the process's memory stops growing.
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

// latencies collects durations from many goroutines.
type latencies struct {
	mu     sync.Mutex
	all    []time.Duration
	err    int
	sample []string // the first few distinct errors
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d)
	l.mu.Unlock()
}

func (l *latencies) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.err++
	if err != nil && len(l.sample) < 5 && !slices.Contains(l.sample, err.Error()) {
		l.sample = append(l.sample, err.Error())
	}
}

// percentile returns the p-th percentile (0 to 100) in milliseconds.
func (l *latencies) percentile(p float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return 0
	}
	sort.Slice(l.all, func(i, j int) bool { return l.all[i] < l.all[j] })
	i := int(float64(len(l.all)-1) * p / 100)
	return float64(l.all[i]) / float64(time.Millisecond)
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

// loadClient is an HTTP client for the load: keep-alive connections, as
// many as the concurrency.
func loadClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 120 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			MaxIdleConns:        conns + 16,
			MaxIdleConnsPerHost: conns + 16,
			MaxConnsPerHost:     0,
			IdleConnTimeout:     2 * time.Minute,
			DisableCompression:  true,
		},
	}
}

// drain reads and closes a response body so the connection is reused.
func drain(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
