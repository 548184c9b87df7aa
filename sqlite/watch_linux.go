//go:build linux

package sqlite

import (
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// watchFile reports writes to the file at path by any process: a write, or
// the close of a descriptor that was open for writing (an admin command's
// connection closing after its commit). It reports an interval after a
// write, and at most once per interval, so that a busy writer costs a few
// reads a second; it reports nothing while nothing is written. stop ends
// the watch; calling it again does nothing.
func watchFile(path string, interval time.Duration) (changed <-chan struct{}, stop func(), err error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY|unix.IN_CLOSE_WRITE); err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	// A non-blocking descriptor makes a pollable file: Read waits in the
	// runtime's poller, and Close ends a Read that waits.
	f := os.NewFile(uintptr(fd), "inotify:"+path)
	ch := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			// Report an interval after the first write: by then the
			// commit it began is on disk and visible. Events that arrive
			// meanwhile wait in the kernel, which merges repeats; the
			// next Read takes them all at once.
			select {
			case <-time.After(interval):
			case <-done:
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch, sync.OnceFunc(func() { close(done); f.Close() }), nil
}
