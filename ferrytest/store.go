package ferrytest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/sqlite"
)

// SQLite opens a store on a new database file in Dir(t), closed when the
// test ends.
func SQLite(t testing.TB, clock ferry.Clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(Dir(t), "ferry.db"), sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatalf("opening SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
