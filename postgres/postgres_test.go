package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/payroc"
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

// TestNotifierAcrossInstances: a wake-up in one instance reaches a waiter
// in another by NOTIFY, and a change nobody announced is found by the
// re-check; a rolled-back change wakes nobody.
func TestNotifierAcrossInstances(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := ferrytest.PostgresURL(t)
	// The instances share a clock that moves only when told to: the test
	// moves it past the re-check's margin instead of waiting for that.
	clock := ferrytest.NewClock(time.Now().UTC().Truncate(time.Microsecond))
	open := func(recheck time.Duration) (*postgres.DB, *postgres.Notifier) {
		db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		n := postgres.NewNotifier(db, notify.New())
		n.Recheck = recheck
		go n.Run(ctx)
		select {
		case <-n.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("the notifier did not start listening")
		}
		return db, n
	}
	wait := func(s ferry.Subscription, what string, within time.Duration) {
		t.Helper()
		select {
		case <-s.C():
		case <-time.After(within):
			t.Errorf("%s: no wake-up within %v", what, within)
		}
	}

	// By NOTIFY: B re-checks too rarely to matter.
	a, na := open(time.Second)
	_, nb := open(time.Hour)
	sub := nb.Subscribe(ferry.InstructionTopic("i1"))
	defer sub.Close()
	na.Notify(ctx, ferry.InstructionTopic("i1"), ferry.DeviceTopic("d1"))
	wait(sub, "NOTIFY from another instance", 5*time.Second)

	// By the re-check: a change nobody announced.
	_, nc := open(50 * time.Millisecond)
	subC := nc.Subscribe(ferry.InstructionTopic("i1"))
	defer subC.Close()
	devC := nc.Subscribe(ferry.DeviceTopic("d1"))
	defer devC.Close()
	now := clock.Now()
	err := a.Update(ctx, func(tx ferry.Tx) error {
		if err := tx.MerchantInsert(ctx, &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.DeviceInsert(ctx, &ferry.Device{ID: "d1", MerchantID: "m1", SerialNumber: "S1", ProcessingTerminalID: "1234001", CreatedAt: now}); err != nil {
			return err
		}
		return tx.InstructionInsert(ctx, &ferry.Instruction{ID: "i1", MerchantID: "m1", DeviceID: "d1", Kind: ferry.KindRefund,
			Phase: ferry.PhaseQueued, Request: &payroc.RefundInstructionRequest{Order: payroc.InstructionOrder{Amount: 1, Currency: "USD"}},
			CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	wait(subC, "re-check of the instruction", 5*time.Second)
	wait(devC, "re-check of the device", 5*time.Second)
	// The next looks see the same change: it wakes nobody again.
	drainSub(subC)
	select {
	case <-subC.C():
		t.Error("the re-check woke a waiter twice for one change")
	case <-time.After(300 * time.Millisecond):
	}

	// A rolled-back change is seen by nobody, also once the instruction's
	// last change is past the re-check's margin.
	clock.Advance(4 * time.Second)
	drainSub(subC)
	a.Update(ctx, func(tx ferry.Tx) error {
		in, _ := tx.InstructionGet(ctx, "m1", "i1")
		in.Phase, in.UpdatedAt = ferry.PhaseCanceled, clock.Now()
		tx.InstructionUpdate(ctx, in, in.Version)
		return context.Canceled
	})
	select {
	case <-subC.C():
		t.Error("a rolled-back change woke a waiter")
	case <-time.After(300 * time.Millisecond):
	}
}

func drainSub(s ferry.Subscription) {
	for {
		select {
		case <-s.C():
		default:
			return
		}
	}
}

// TestSimulatedDeviceTrigger: a simulated device added by an admin command
// (which announces nothing itself) wakes the simulators of every instance.
func TestSimulatedDeviceTrigger(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := ferrytest.Postgres(t, nil)
	n := postgres.NewNotifier(db, notify.New())
	n.Recheck = time.Hour
	go n.Run(ctx)
	<-n.Ready()
	sim := n.Subscribe(ferry.SimulatorTopic)
	defer sim.Close()
	now := time.Now().UTC()
	db.Update(ctx, func(tx ferry.Tx) error {
		tx.MerchantInsert(ctx, &ferry.Merchant{ID: "m1", Name: "Acme", CreatedAt: now})
		return tx.DeviceInsert(ctx, &ferry.Device{ID: "d1", MerchantID: "m1", SerialNumber: "S1", ProcessingTerminalID: "1234001", Simulated: true, CreatedAt: now})
	})
	select {
	case <-sim.C():
	case <-time.After(5 * time.Second):
		t.Error("a new simulated device did not wake the simulator")
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
