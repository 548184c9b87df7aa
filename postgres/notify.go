package postgres

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/jackc/pgx/v5"
)

// Local is the in-process fan-out the Notifier delivers to.
type Local interface {
	ferry.Notifier
	// WakeAll wakes every subscriber, for when notifications may have been
	// missed.
	WakeAll()
}

// Notifier carries wake-ups between the Ferry instances on one database.
//
// A wake-up goes to this instance's waiters at once, and to the other
// instances with NOTIFY, sent after the change committed, in batches. (A
// NOTIFY inside the transaction would be sent exactly at commit, but
// PostgreSQL commits notifying transactions one at a time, which halved the
// throughput.) Run LISTENs on one dedicated connection and hands what
// arrives to the local fan-out.
//
// What could be lost, the re-check finds: every Recheck it reads which
// instructions changed lately and wakes their waiters here, and it checks
// that the listening connection still works; after a reconnect it wakes
// every waiter. So a lost notification (an instance that died between its
// commit and its NOTIFY, a dropped connection) delays a wake-up by about a
// second and never loses it. Admin changes (revocations, new simulated
// devices) come from database triggers.
type Notifier struct {
	db    *DB
	local Local
	log   *slog.Logger
	// Recheck is how often recent changes are read again and the listening
	// connection is checked. Default: 1s.
	Recheck time.Duration

	ready   chan struct{}
	outbox  chan string
	channel string
}

var _ ferry.Notifier = (*Notifier)(nil)

// recheckMargin is how far back each re-check looks beyond the one before:
// it covers transactions that committed late and clocks that differ between
// instances.
const recheckMargin = 3 * time.Second

// NewNotifier returns a notifier for the instances on db that delivers to
// local. Call Run to start it.
func NewNotifier(db *DB, local Local) *Notifier {
	return &Notifier{db: db, local: local, log: db.log, Recheck: time.Second,
		ready: make(chan struct{}), outbox: make(chan string, 4096)}
}

// Notify wakes this instance's waiters at once and queues the keys for the
// other instances. If the queue is full, the keys wait for the re-check.
func (n *Notifier) Notify(ctx context.Context, keys ...string) error {
	n.local.Notify(ctx, keys...)
	for _, k := range keys {
		select {
		case n.outbox <- k:
		default:
		}
	}
	return nil
}

// Subscribe listens on key in this instance.
func (n *Notifier) Subscribe(key string) ferry.Subscription { return n.local.Subscribe(key) }

// Ready is closed once the notifier listens for the first time.
func (n *Notifier) Ready() <-chan struct{} { return n.ready }

// Run listens, publishes and re-checks until ctx ends, reconnecting with
// backoff when the listening connection drops.
func (n *Notifier) Run(ctx context.Context) error {
	if err := n.db.pool.QueryRow(ctx, "SELECT 'ferry:' || current_schema()").Scan(&n.channel); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { n.publish(ctx) })
	wg.Go(func() { n.recheck(ctx) })
	first := true
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := n.listen(ctx, func() {
			if first {
				close(n.ready)
				first = false
			} else {
				n.local.WakeAll()
			}
			attempt = 0
		})
		if ctx.Err() != nil {
			break
		}
		n.log.Warn("postgres: the listening connection failed; reconnecting", "err", err)
		d := min(100*time.Millisecond<<min(attempt, 7), 10*time.Second)
		select {
		case <-time.After(d/2 + rand.N(d/2+1)):
		case <-ctx.Done():
		}
	}
	return nil
}

// listen holds one connection: LISTEN, then relay notifications, pinging
// when none came for Recheck.
func (n *Notifier) listen(ctx context.Context, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, n.db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{n.channel}.Sanitize()); err != nil {
		return err
	}
	listening()
	for {
		wctx, cancel := context.WithTimeout(ctx, n.Recheck)
		note, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			n.local.Notify(ctx, note.Payload)
		case ctx.Err() != nil:
			return nil
		case wctx.Err() != nil:
			// Quiet for a while: make sure the connection is still there.
			pctx, cancel := context.WithTimeout(ctx, n.Recheck)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// publish sends queued keys with NOTIFY, as many as are queued in one
// statement, each key once.
func (n *Notifier) publish(ctx context.Context) {
	seen := make(map[string]bool)
	for {
		var keys []string
		select {
		case k := <-n.outbox:
			keys = append(keys, k)
			seen[k] = true
		case <-ctx.Done():
			return
		}
	more:
		for len(keys) < 512 {
			select {
			case k := <-n.outbox:
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			default:
				break more
			}
		}
		clear(seen)
		_, err := n.db.pool.Exec(ctx, "SELECT pg_notify($1, k) FROM unnest($2::text[]) AS k", n.channel, keys)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("postgres: NOTIFY failed; the re-check will find the changes", "err", err, "keys", len(keys))
		}
	}
}

// recheck wakes the waiters of instructions that changed since the last
// look (less recheckMargin), in case a notification was lost.
func (n *Notifier) recheck(ctx context.Context) {
	t := time.NewTicker(n.Recheck)
	defer t.Stop()
	// The database's clock, which stamps updated_at, places the window.
	since := n.db.clock.Now().Add(-recheckMargin)
	// woken holds the change each instruction in the window was last woken
	// for: each change wakes its waiters once, not at every look.
	woken := map[string]time.Time{}
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		now := n.db.clock.Now()
		rows, err := n.db.pool.Query(ctx, "SELECT id, device_id, updated_at FROM instructions WHERE updated_at >= $1", since)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("postgres: re-check failed", "err", err)
			}
			continue
		}
		var keys []string
		seen := make(map[string]time.Time, len(woken))
		for rows.Next() {
			var id, device string
			var updated time.Time
			if rows.Scan(&id, &device, &updated) != nil {
				continue
			}
			seen[id] = updated
			if last, ok := woken[id]; !ok || !last.Equal(updated) {
				keys = append(keys, ferry.InstructionTopic(id), ferry.DeviceTopic(device))
			}
		}
		rows.Close()
		woken = seen
		if len(keys) > 0 {
			n.local.Notify(ctx, keys...)
		}
		since = now.Add(-recheckMargin)
	}
}
