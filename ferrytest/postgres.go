package ferrytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
		if err := scanSchema(ctx, c, schema); err != nil {
			t.Error(err)
		}
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
	q.Set("application_name", schema) // lets a test find its own connections
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

// scanSchema reads every row of every table in schema as text: a card
// number anywhere is an error.
func scanSchema(ctx context.Context, c *pgx.Conn, schema string) error {
	// Bytes as text where they are printable, not as hex digits.
	if _, err := c.Exec(ctx, "SET bytea_output = 'escape'"); err != nil {
		return err
	}
	rows, err := c.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, table := range tables {
		var text *string
		name := pgx.Identifier{schema, table}.Sanitize()
		if err := c.QueryRow(ctx, "SELECT string_agg(r::text, E'\\n') FROM "+name+" r").Scan(&text); err != nil {
			return err
		}
		if text == nil {
			continue
		}
		if pans := FindCardNumbers([]byte(*text)); len(pans) > 0 {
			return fmt.Errorf("table %s holds %d card numbers, such as %s", name, len(pans), ferry.MaskCardNumber(pans[0]))
		}
	}
	return nil
}
