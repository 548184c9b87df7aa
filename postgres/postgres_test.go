package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/postgres"
	"github.com/ferrygateway/ferry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock ferry.Clock) ferry.Store {
		return ferrytest.Postgres(t, clock)
	})
}

// TestMigrationsOnce: instances that start together apply each migration
// once.
func TestMigrationsOnce(t *testing.T) {
	dsn := ferrytest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 2})
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

// TestNotifierAcrossInstances: a change committed through one instance
// wakes a waiter in another within the test's patience.
func TestNotifierAcrossInstances(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := ferrytest.PostgresURL(t)
	open := func() (*postgres.DB, *postgres.Notifier) {
		db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		n := postgres.NewNotifier(db, notify.New())
		go n.Run(ctx)
		select {
		case <-n.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("the notifier did not start listening")
		}
		return db, n
	}
	a, _ := open()
	_, nb := open()

	sub := nb.Subscribe(ferry.InstructionTopic("i1"))
	defer sub.Close()
	devSub := nb.Subscribe(ferry.DeviceTopic("d1"))
	defer devSub.Close()
	simSub := nb.Subscribe(ferry.SimulatorTopic)
	defer simSub.Close()

	now := time.Now().UTC().Truncate(time.Microsecond)
	err := a.Update(ctx, func(tx ferry.Tx) error {
		if err := tx.MerchantInsert(ctx, &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.DeviceInsert(ctx, &ferry.Device{ID: "d1", MerchantID: "m1", SerialNumber: "S1", ProcessingTerminalID: "1234001", Simulated: true, CreatedAt: now}); err != nil {
			return err
		}
		return tx.InstructionInsert(ctx, &ferry.Instruction{ID: "i1", MerchantID: "m1", DeviceID: "d1", Kind: ferry.KindRefund,
			Phase: ferry.PhaseQueued, Request: ferry.RefundInstructionRequest{Order: ferry.InstructionOrder{Amount: 1, Currency: "USD"}},
			CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]ferry.Subscription{"instruction": sub, "device": devSub, "simulator": simSub} {
		select {
		case <-s.C():
		case <-time.After(5 * time.Second):
			t.Errorf("the %s topic was not notified in the other instance", name)
		}
	}
	// A lease renewal (no change of phase or token) wakes nobody.
	err = a.Update(ctx, func(tx ferry.Tx) error {
		in, err := tx.InstructionGet(ctx, "m1", "i1")
		if err != nil {
			return err
		}
		in.LeaseExpiresAt = now.Add(time.Minute)
		return tx.InstructionUpdate(ctx, in, in.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.C():
		t.Error("a lease renewal woke a waiter")
	case <-time.After(300 * time.Millisecond):
	}
	// A rolled-back change notifies nobody.
	a.Update(ctx, func(tx ferry.Tx) error {
		in, _ := tx.InstructionGet(ctx, "m1", "i1")
		in.Phase = ferry.PhaseCanceled
		tx.InstructionUpdate(ctx, in, in.Version)
		return context.Canceled
	})
	select {
	case <-sub.C():
		t.Error("a rolled-back change woke a waiter")
	case <-time.After(300 * time.Millisecond):
	}
}

// TestNotifierReconnects: when the listening connection is killed, the
// notifier reconnects by itself and wakes every local waiter, because
// notifications may have been lost meanwhile.
func TestNotifierReconnects(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := ferrytest.Postgres(t, nil)
	n := postgres.NewNotifier(db, notify.New())
	n.Recheck = 100 * time.Millisecond
	go n.Run(ctx)
	<-n.Ready()
	sub := n.Subscribe(ferry.InstructionTopic("gone"))
	defer sub.Close()
	// Kill this test's listener from the server side.
	tag, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN "ferry:' || current_schema() || '"' AND datname = current_database()`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("killing the listener: %v (%d rows)", err, tag.RowsAffected())
	}
	select {
	case <-sub.C():
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up after the listener was killed")
	}
}
