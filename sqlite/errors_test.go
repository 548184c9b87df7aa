package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/sqlite"
)

// TestResultErrors: every result code that load or input can cause maps to
// a client's error, never to an internal one.
func TestResultErrors(t *testing.T) {
	for code, want := range map[int]ferry.Code{
		5:    ferry.CodeUnavailable, // SQLITE_BUSY
		261:  ferry.CodeUnavailable, // SQLITE_BUSY_RECOVERY
		517:  ferry.CodeUnavailable, // SQLITE_BUSY_SNAPSHOT
		773:  ferry.CodeUnavailable, // SQLITE_BUSY_TIMEOUT
		6:    ferry.CodeUnavailable, // SQLITE_LOCKED
		262:  ferry.CodeUnavailable, // SQLITE_LOCKED_SHAREDCACHE
		13:   ferry.CodeUnavailable, // SQLITE_FULL
		10:   ferry.CodeUnavailable, // SQLITE_IOERR
		1034: ferry.CodeUnavailable, // SQLITE_IOERR_FSYNC
		8:    ferry.CodeUnavailable, // SQLITE_READONLY
		14:   ferry.CodeUnavailable, // SQLITE_CANTOPEN
		7:    ferry.CodeUnavailable, // SQLITE_NOMEM
		2067: ferry.CodeConflict,    // SQLITE_CONSTRAINT_UNIQUE
		1555: ferry.CodeConflict,    // SQLITE_CONSTRAINT_PRIMARYKEY
		787:  ferry.CodeConflict,    // SQLITE_CONSTRAINT_FOREIGNKEY
		275:  ferry.CodeInvalid,     // SQLITE_CONSTRAINT_CHECK
		1299: ferry.CodeInvalid,     // SQLITE_CONSTRAINT_NOTNULL
		18:   ferry.CodeTooLarge,    // SQLITE_TOOBIG
		20:   ferry.CodeInvalid,     // SQLITE_MISMATCH
	} {
		e := sqlite.ResultError(code)
		if e == nil || e.Code != want || e.Message == "" {
			t.Errorf("result code %d: %+v, want code %s", code, e, want)
			continue
		}
		if want == ferry.CodeUnavailable && e.RetryAfter != 1 {
			t.Errorf("result code %d: Retry-After %d", code, e.RetryAfter)
		}
	}
	for _, code := range []int{1, 11, 21, 25} { // ERROR, CORRUPT, MISUSE, RANGE: Ferry's bugs
		if e := sqlite.ResultError(code); e != nil {
			t.Errorf("result code %d: %+v, want an internal error", code, e)
		}
	}
}

// TestLockedDatabaseIsUnavailable: while another process holds the write
// lock for longer than the busy timeout, writes fail with CodeUnavailable
// and Retry-After (503), reads go on, and once the lock is gone writes work
// again.
func TestLockedDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(ferrytest.Dir(t), "ferry.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: time.Now()}
	if err := db.Update(ctx, func(tx ferry.Tx) error { return tx.MerchantInsert(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	insert := func(id string) error {
		return db.Update(ctx, func(tx ferry.Tx) error {
			return tx.MerchantInsert(ctx, &ferry.Merchant{ID: id, Name: "x", CreatedAt: tx.Now()})
		})
	}
	err = insert("m2")
	e, ok := err.(*ferry.Error)
	if !ok || e.Code != ferry.CodeUnavailable || e.RetryAfter != 1 {
		t.Fatalf("a write under another process's lock: %#v", err)
	}
	if _, err := db.MerchantGet(ctx, "m1"); err != nil {
		t.Errorf("a read under the lock: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := insert("m3"); err != nil {
		t.Errorf("a write after the lock: %v", err)
	}
	if _, err := db.MerchantGet(ctx, "m2"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Errorf("the refused write was stored: %v", err)
	}
}
