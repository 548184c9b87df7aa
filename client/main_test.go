package client

import (
	"testing"

	"github.com/ferrygateway/ferry/ferrytest"
)

// TestMain keeps the databases and logs of the whole package's tests and
// fails the run if any of them holds a card number.
func TestMain(m *testing.M) { ferrytest.Main(m) }
