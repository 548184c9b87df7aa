package postgres

import (
	"context"
	"log/slog"
	"math/rand/v2"
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
// The database's triggers NOTIFY every change to an instruction, a device's
// credentials or the simulated devices when the transaction commits; Run
// LISTENs on one dedicated connection and hands each to the local fan-out.
// A wake-up inside this instance goes to the local fan-out at once.
type Notifier struct {
	db    *DB
	local Local
	log   *slog.Logger
	// Recheck is how often the listening connection is checked; after it
	// dropped, the Notifier reconnects and wakes every local waiter, since
	// notifications may have been lost meanwhile. Default: 1s.
	Recheck time.Duration

	ready chan struct{}
}

var _ ferry.Notifier = (*Notifier)(nil)

// NewNotifier returns a notifier for the instances on db that delivers to
// local. Call Run to start listening.
func NewNotifier(db *DB, local Local) *Notifier {
	return &Notifier{db: db, local: local, log: db.log, Recheck: time.Second, ready: make(chan struct{})}
}

// Notify wakes this instance's waiters; the database's triggers have told
// the other instances already.
func (n *Notifier) Notify(ctx context.Context, keys ...string) error {
	return n.local.Notify(ctx, keys...)
}

// Subscribe listens on key in this instance.
func (n *Notifier) Subscribe(key string) ferry.Subscription { return n.local.Subscribe(key) }

// Ready is closed once the notifier listens for the first time.
func (n *Notifier) Ready() <-chan struct{} { return n.ready }

// Run listens until ctx ends, reconnecting with backoff when the
// connection drops.
func (n *Notifier) Run(ctx context.Context) error {
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
	cfg := n.db.pool.Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var channel string
	if err := conn.QueryRow(ctx, "SELECT 'ferry:' || current_schema()").Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
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
