package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestDuplicateStorm sends every request eight times at once, as eight POS
// clients retrying the same submission would, for 1,000 idempotency keys,
// refunds and sales in turn: one instruction per key, and eight identical
// answers.
func TestDuplicateStorm(t *testing.T) { eachDB(t, testDuplicateStorm) }

func testDuplicateStorm(t *testing.T, boot starter) {
	if testing.Short() {
		t.Skip("8,000 requests")
	}
	const (
		devices = 50
		rounds  = 20 // devices × rounds keys
		copies  = 8
	)
	// A generous timeout: on a loaded machine the simulator may take a while
	// to reach fifty new devices, and the test is about idempotency.
	s := boot(t, "--sim-delay", "0s", "--instruction-timeout", "30s")
	c := s.client(t, s.APIKey)
	serials := make([]string, devices)
	for i := range serials {
		serials[i] = fmt.Sprintf("STORM-%02d", i)
		s.addDevice(t, s.Merchant, serials[i], true)
	}
	ids := map[string]bool{}
	for r := range rounds {
		answers := make([][copies]*response, devices)
		var wg sync.WaitGroup
		kind, body := ferry.KindRefund, refundBody(4999) // approved at once, see docs/sandbox.md
		if r%2 == 1 {
			kind, body = ferry.KindPayment, saleJSON(4999, "")
		}
		for d, serial := range serials {
			key := ferry.NewIdempotencyKey()
			for i := range copies {
				wg.Go(func() {
					answers[d][i] = c.do(t, "POST", "/v1/devices/"+serial+"/"+string(kind)+"-instructions", body,
						"Content-Type", "application/json", "Idempotency-Key", key)
				})
			}
		}
		wg.Wait()
		round := make([]string, 0, devices)
		for d := range answers {
			first := answers[d][0]
			for _, a := range answers[d] {
				if a.Status != 202 || !bytes.Equal(a.Body, first.Body) {
					t.Fatalf("round %d, device %s: answers differ:\n%s\n%s", r, serials[d], a, first)
				}
			}
			var in instruction
			first.JSON(t, &in)
			if ids[in.id()] || in.id() == "" {
				t.Fatalf("two keys answered with instruction %q", in.id())
			}
			ids[in.id()] = true
			round = append(round, in.id())
		}
		for _, id := range round { // the devices are free again
			if in := c.follow(t, kind, id); in.Status != ferry.StatusCompleted {
				t.Errorf("round %d: %s %s ended %s", r, kind.Noun(), id, in.Status)
			}
		}
	}
	if n := countRows(t, s.DB, "SELECT count(*) FROM instructions"); n != devices*rounds {
		t.Errorf("%d keys made %d instructions", devices*rounds, n)
	}
	if n := countRows(t, s.DB, "SELECT count(*) FROM payments"); n != devices*rounds/2 {
		t.Errorf("%d sales made %d payments", devices*rounds/2, n)
	}
}

// countRows runs a SELECT count(...) on a server's database.
func countRows(t *testing.T, dsn, query string) int {
	t.Helper()
	var n int
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := pool.QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
