package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/postgres"
	"github.com/jackc/pgx/v5"
)

// TestConnectionsEnded: when the server ends every connection of the store
// (a restart or a failover does), each call either works or fails with
// CodeUnavailable and a Retry-After of one second (a 503 to the client),
// never another error, and the pool reconnects by itself.
func TestConnectionsEnded(t *testing.T) {
	ctx := context.Background()
	dsn := ferrytest.PostgresURL(t)
	db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	if err := db.Update(ctx, func(tx ferry.Tx) error {
		return tx.MerchantInsert(ctx, &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dsn)
	name := u.Query().Get("application_name")
	admin, err := pgx.Connect(ctx, os.Getenv(ferrytest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)

	calls := map[string]func() error{
		"read": func() error { _, err := db.MerchantGet(ctx, "m1"); return err },
		"write": func() error {
			return db.Update(ctx, func(tx ferry.Tx) error {
				return tx.MerchantInsert(ctx, &ferry.Merchant{ID: ferry.NewID(), Name: "Beta", CreatedAt: now})
			})
		},
	}
	for round := range 3 {
		for _, what := range []string{"read", "write"} {
			calls["read"]() // the pool holds a connection
			var ended int
			if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE application_name = $1 AND pid <> pg_backend_pid()`, name).Scan(&ended); err != nil {
				t.Fatal(err)
			}
			if ended == 0 {
				t.Fatalf("round %d: no connection of the store to end", round)
			}
			var unavailable int
			for attempt := 0; ; attempt++ {
				err := calls[what]()
				if err == nil {
					break
				}
				var fe *ferry.Error
				if !errors.As(err, &fe) || fe.Code != ferry.CodeUnavailable || fe.RetryAfter != 1 {
					t.Fatalf("round %d, %s after %d connections ended: %v, want CodeUnavailable with Retry-After 1", round, what, ended, err)
				}
				if attempt == 10 {
					t.Fatalf("round %d: the %s still fails after 10 attempts: %v", round, what, err)
				}
				unavailable++
			}
			t.Logf("round %d: %d connections ended; the %s failed %d times as unavailable, then worked", round, ended, what, unavailable)
		}
	}
}
