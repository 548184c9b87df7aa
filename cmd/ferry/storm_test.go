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
// clients retrying the same submission would, for 1,000 idempotency keys:
// one instruction per key, and eight identical answers.
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
	s := boot(t, "--sim-delay", "0s")
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
		for d, serial := range serials {
			key := ferry.NewIdempotencyKey()
			body := refundBody(4999) // approved at once, see docs/sandbox.md
			for i := range copies {
				wg.Go(func() { answers[d][i] = c.submitKey(t, serial, key, body) })
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
			var in ferry.RefundInstruction
			first.JSON(t, &in)
			if ids[in.RefundInstructionID] {
				t.Fatalf("two keys answered with instruction %s", in.RefundInstructionID)
			}
			ids[in.RefundInstructionID] = true
			round = append(round, in.RefundInstructionID)
		}
		for _, id := range round { // the devices are free again
			if in := c.poll(t, id); in.Status != ferry.StatusCompleted {
				t.Errorf("round %d: instruction %s ended %s", r, id, in.Status)
			}
		}
	}
	if n := countRows(t, s.DB, "SELECT count(*) FROM instructions"); n != devices*rounds {
		t.Errorf("%d keys made %d instructions", devices*rounds, n)
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
