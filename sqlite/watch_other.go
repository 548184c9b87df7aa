//go:build !linux

package sqlite

import (
	"errors"
	"time"
)

// watchFile is not available here: Watch looks every interval instead.
func watchFile(path string, interval time.Duration) (<-chan struct{}, func(), error) {
	return nil, nil, errors.New("sqlite: file change notices are not available on this system")
}
