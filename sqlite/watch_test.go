package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/sqlite"
)

// TestWatchRelaysSignals: a wake-up that another connection to the file
// publishes (an admin command) reaches the server's subscribers soon, long
// before the safety-net recheck, and a burst of them arrives whole.
func TestWatchRelaysSignals(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "ferry.db")
	server, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	hub := notify.New()
	watched := make(chan error, 1)
	go func() { watched <- server.Watch(ctx, hub, 20*time.Millisecond) }()
	// Watch starts after the newest signal there: publish until one arrives,
	// so that the rounds below run with Watch under way.
	ready := hub.Subscribe("ready")
	for attempt := 0; ; attempt++ {
		if attempt == 10 {
			t.Fatal("no signal was relayed in 10 seconds")
		}
		if err := server.Publisher().Notify(ctx, "ready"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ready.C():
		case <-time.After(time.Second):
			continue
		}
		break
	}
	ready.Close()

	for round := range 3 {
		sub := hub.Subscribe("revoked")
		admin, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := admin.Publisher().Notify(ctx, "revoked"); err != nil {
			t.Fatal(err)
		}
		if round < 2 {
			admin.Close() // an admin command exits; the last round stays open
		}
		select {
		case <-sub.C():
			t.Logf("round %d: relayed after %v", round, time.Since(start).Round(time.Millisecond))
		case <-time.After(2 * time.Second):
			t.Fatalf("round %d: the signal was not relayed within 2s", round)
		}
		sub.Close()
		if round == 2 {
			admin.Close()
		}
	}
	cancel()
	if err := <-watched; err != nil {
		t.Fatal(err)
	}
}

// TestWatchFile: on Linux the watch reports a write and a close after
// writing, by any descriptor, and nothing while nothing is written (so an
// idle server does no work).
func TestWatchFile(t *testing.T) {
	path, changed, stop := watchNewFile(t)
	quiet := func(d time.Duration) {
		t.Helper()
		select {
		case <-changed:
			t.Fatal("a report while nothing was written")
		case <-time.After(d):
		}
	}
	quiet(100 * time.Millisecond)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	quiet(100 * time.Millisecond) // opening is not writing
	f.Write([]byte("x"))
	select {
	case <-changed:
	case <-time.After(time.Second):
		t.Fatal("a write was not reported")
	}
	quiet(100 * time.Millisecond)
	f.Close()
	select {
	case <-changed:
	case <-time.After(time.Second):
		t.Fatal("a close after writing was not reported")
	}
	quiet(100 * time.Millisecond)
	stop()
	if _, ok := <-changed; ok {
		t.Fatal("the channel stays open after stop")
	}
}

// TestWatchFileRemoved: when the file goes away the watch reports it and
// ends, so that Watch falls back to looking on a timer.
func TestWatchFileRemoved(t *testing.T) {
	path, changed, _ := watchNewFile(t)
	os.Remove(path)
	deadline := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-changed:
			if !ok {
				return // ended
			}
		case <-deadline:
			t.Fatal("the watch of a removed file did not end")
		}
	}
}

// watchNewFile watches a new, empty file (on Linux only; the test is
// skipped elsewhere) until the test ends.
func watchNewFile(t *testing.T) (path string, changed <-chan struct{}, stop func()) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("file change notices are used on Linux only")
	}
	path = filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	changed, stop, err := sqlite.WatchFile(path, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return path, changed, stop
}
