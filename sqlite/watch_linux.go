//go:build linux

package sqlite

import (
	"encoding/binary"
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
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			gone := ignored(buf[:n])
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
			if gone {
				// The file was removed or replaced: the watch is over, and
				// the closed channel tells Watch to look on a timer.
				return
			}
		}
	}()
	return ch, sync.OnceFunc(func() { close(done); f.Close() }), nil
}

// ignored reports whether the events in buf end the watch (IN_IGNORED: the
// file was deleted, or its file system unmounted). Each event is a struct
// inotify_event: wd, mask, cookie and len, four bytes each, then len bytes
// of name.
func ignored(buf []byte) bool {
	for len(buf) >= unix.SizeofInotifyEvent {
		if binary.NativeEndian.Uint32(buf[4:8])&unix.IN_IGNORED != 0 {
			return true
		}
		buf = buf[min(len(buf), unix.SizeofInotifyEvent+int(binary.NativeEndian.Uint32(buf[12:16]))):]
	}
	return false
}
