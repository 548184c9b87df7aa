package postgres

import (
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestStateErrors: every SQLSTATE that load or input can cause maps to a
// client's error, never to an internal one.
func TestStateErrors(t *testing.T) {
	for state, want := range map[string]ferry.Code{
		"22P05": ferry.CodeInvalid,     // untranslatable character (\u0000 in text)
		"22021": ferry.CodeInvalid,     // character not in repertoire (invalid UTF-8)
		"22001": ferry.CodeInvalid,     // string data right truncation
		"22003": ferry.CodeInvalid,     // numeric value out of range
		"22007": ferry.CodeInvalid,     // invalid datetime format
		"22P02": ferry.CodeInvalid,     // invalid text representation
		"23502": ferry.CodeInvalid,     // not null violation
		"23514": ferry.CodeInvalid,     // check violation
		"23505": ferry.CodeConflict,    // unique violation
		"23503": ferry.CodeConflict,    // foreign key violation
		"54000": ferry.CodeTooLarge,    // program limit exceeded
		"53100": ferry.CodeUnavailable, // disk full
		"53200": ferry.CodeUnavailable, // out of memory
		"53300": ferry.CodeUnavailable, // too many connections
		"08006": ferry.CodeUnavailable, // connection failure
		"57P01": ferry.CodeUnavailable, // admin shutdown
		"57014": ferry.CodeUnavailable, // query canceled
		"55P03": ferry.CodeUnavailable, // lock not available
	} {
		e := stateError(&pgconn.PgError{Code: state})
		if e == nil || e.Code != want || e.Message == "" {
			t.Errorf("SQLSTATE %s: %+v, want code %s", state, e, want)
			continue
		}
		if want == ferry.CodeUnavailable && e.RetryAfter != 1 {
			t.Errorf("SQLSTATE %s: Retry-After %d", state, e.RetryAfter)
		}
	}
	if e := stateError(&pgconn.PgError{Code: "23505", ConstraintName: "instructions_device_active"}); e == nil || e.Code != ferry.CodeDeviceBusy {
		t.Errorf("the device's active instruction: %+v", e)
	}
	for _, state := range []string{"42P01", "42601", "XX000"} { // undefined table, syntax error, internal: Ferry's bugs
		if e := stateError(&pgconn.PgError{Code: state}); e != nil {
			t.Errorf("SQLSTATE %s: %+v, want an internal error", state, e)
		}
	}
	// A serialization failure is retried, then busy.
	if err := translate(&pgconn.PgError{Code: "40001"}, ""); ferry.ErrorCode(err) != ferry.CodeInternal {
		t.Errorf("40001 is retried by Update, not mapped: %v", err)
	}
}
