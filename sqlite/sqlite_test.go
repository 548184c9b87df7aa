package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/sqlite"
	"github.com/ferrygateway/ferry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock ferry.Clock) ferry.Store {
		return ferrytest.SQLite(t, clock)
	})
}

// TestGroupCommitIsolation: transactions committed in one group keep their
// own outcome: the failed ones leave nothing, the others are all there.
func TestGroupCommitIsolation(t *testing.T) {
	ctx := context.Background()
	db := ferrytest.SQLite(t, nil)
	const n = 300
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx ferry.Tx) error {
				m := &ferry.Merchant{ID: fmt.Sprint("m", i), Name: "x", CreatedAt: tx.Now()}
				if err := tx.MerchantInsert(ctx, m); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("fail on purpose")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		_, err := db.MerchantGet(ctx, fmt.Sprint("m", i))
		switch {
		case i%3 == 0 && (errs[i] == nil || err == nil):
			t.Errorf("transaction %d should have failed and left nothing: Update=%v, Get=%v", i, errs[i], err)
		case i%3 != 0 && (errs[i] != nil || err != nil):
			t.Errorf("transaction %d should be stored: Update=%v, Get=%v", i, errs[i], err)
		}
	}
}

// TestReopen: data written before Close is there after opening the file
// again, and migrations are not applied twice.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/f.db"
	db, err := sqlite.OpenAt(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx ferry.Tx) error {
		return tx.MerchantInsert(ctx, &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: tx.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(ferry.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
	db, err = sqlite.OpenAt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, err := db.MerchantGet(ctx, "m1"); err != nil || m.Name != "Acme" {
		t.Errorf("after reopening: %v, %v", m, err)
	}
}
