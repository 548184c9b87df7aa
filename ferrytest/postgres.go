package ferrytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/postgres"
	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the environment variable with the PostgreSQL server
// that tests use, such as postgres://postgres@127.0.0.1:5432/test.
const PostgresEnv = "FERRY_TEST_POSTGRES_URL"

// PostgresURL returns a DSN for a new, empty schema of its own on the test
// server, dropped when the test ends. Without FERRY_TEST_POSTGRES_URL the
// test is skipped with a line that says how to run it.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL test skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run it", PostgresEnv)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", PostgresEnv, err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ferry_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a store on a new schema of the test server, closed when
// the test ends.
func Postgres(t testing.TB, clock ferry.Clock) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), PostgresURL(t), postgres.Options{Clock: clock, MaxConns: 8})
	if err != nil {
		t.Fatalf("opening PostgreSQL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
