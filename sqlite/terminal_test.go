package sqlite_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/sqlite"
)

// TestTerminalMigration: on a database whose devices came before
// processing terminals, the migration gives every merchant's terminal its
// row, with the defaults ferry.NewProcessingTerminal gives, created when
// the terminal's first device was.
func TestTerminalMigration(t *testing.T) {
	ctx := context.Background()
	path := ferrytest.Dir(t) + "/f.db"
	db, err := sqlite.OpenAt(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	err = db.Update(ctx, func(tx ferry.Tx) error {
		for _, m := range []string{"m1", "m2"} {
			if err := tx.MerchantInsert(ctx, &ferry.Merchant{ID: m, Name: m, CreatedAt: t0}); err != nil {
				return err
			}
		}
		for i, d := range []struct{ merchant, serial, terminal string }{
			{"m1", "A", "T-1"}, {"m1", "B", "T-1"}, {"m1", "C", "T-2"}, {"m2", "A", "T-1"},
		} {
			err := tx.DeviceInsert(ctx, &ferry.Device{ID: ferry.NewID(), MerchantID: d.merchant, SerialNumber: d.serial,
				ProcessingTerminalID: d.terminal, CreatedAt: t0.Add(time.Duration(i) * time.Minute)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Back to the schema before the migration.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"DROP INDEX devices_terminal",
		"DROP TABLE processing_terminals",
		"DELETE FROM schema_migrations WHERE version = '0008_processing_terminals'",
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	db, err = sqlite.OpenAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		merchant, terminal string
		created            time.Time
	}{
		{"m1", "T-1", t0}, {"m1", "T-2", t0.Add(2 * time.Minute)}, {"m2", "T-1", t0.Add(3 * time.Minute)},
	} {
		got, err := db.TerminalGet(ctx, tc.merchant, tc.terminal)
		want := ferry.NewProcessingTerminal(tc.merchant, tc.terminal, tc.created)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("terminal %s of %s after the migration: %+v, %v; want %+v", tc.terminal, tc.merchant, got, err, want)
		}
	}
	if _, err := db.TerminalGet(ctx, "m2", "T-2"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Errorf("a terminal no device names: %v", err)
	}
}
