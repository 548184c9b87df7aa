package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ferrygateway/ferry"
)

// Publisher is the ferry.Notifier of a process that changes the database
// beside a running server, such as an admin command: it leaves each
// wake-up in the signals table, where the server's Watch finds it. Its
// subscriptions never fire: such a process does not wait.
type Publisher struct{ db *DB }

// Publisher returns a notifier that writes wake-ups to the database.
func (db *DB) Publisher() *Publisher { return &Publisher{db: db} }

var _ ferry.Notifier = (*Publisher)(nil)

// Notify records the keys for the server to relay.
func (p *Publisher) Notify(ctx context.Context, keys ...string) error {
	return p.db.Update(ctx, func(t ferry.Tx) error {
		for _, k := range keys {
			if _, err := t.(*tx).exec(ctx, "INSERT INTO signals (key, at) VALUES (?, ?)", k, micros(t.Now())); err != nil {
				return err
			}
		}
		return nil
	})
}

// Subscribe returns a subscription that never fires.
func (p *Publisher) Subscribe(string) ferry.Subscription { return silent{} }

type silent struct{}

func (silent) C() <-chan struct{} { return nil }
func (silent) Close()             {}

// signalKeep is how long signals stay in the table: far longer than a
// watcher's interval, far shorter than anything that would grow.
const signalKeep = time.Minute

// signalRecheck is how often Watch looks for signals when no write to the
// database has been noticed: a safety net for a notice that never came.
const signalRecheck = 5 * time.Second

// Watch relays the wake-ups that other processes publish to notifier until
// ctx ends. It looks for new signals when the database's WAL is written
// (on Linux, told by the kernel; at most once per interval), and every
// signalRecheck besides; where the system gives no such notice, every
// interval. While nothing is written it costs nothing but the recheck. It
// starts after the newest signal already there, and deletes signals older
// than a minute.
func (db *DB) Watch(ctx context.Context, notifier ferry.Notifier, interval time.Duration) error {
	var last int64
	if err := db.row(ctx, func(s scanner) error { return s.Scan(&last) },
		"SELECT coalesce(max(seq), 0) FROM signals"); err != nil {
		return err
	}
	recheck := signalRecheck
	changed, stop, err := watchFile(db.path+"-wal", interval)
	if err != nil {
		db.log.Debug("sqlite: looking for signals on a timer", "interval", interval, "err", err)
		recheck = interval
	} else {
		defer stop()
	}
	t := time.NewTicker(recheck)
	defer t.Stop()
	lastClean := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-changed:
			if !ok {
				// The watch ended (the file went away): look on the timer.
				changed = nil
				t.Reset(interval)
			}
		case <-t.C:
		}
		keys, seq, err := db.signalsAfter(ctx, last)
		if err != nil {
			if ctx.Err() == nil {
				db.log.Warn("reading signals failed", "err", err)
			}
			continue
		}
		last = seq
		if len(keys) > 0 {
			notifier.Notify(ctx, keys...)
		}
		if time.Since(lastClean) > signalKeep {
			lastClean = time.Now()
			db.Update(ctx, func(t ferry.Tx) error {
				_, err := t.(*tx).exec(ctx, "DELETE FROM signals WHERE at < ?", micros(t.Now().Add(-signalKeep)))
				return err
			})
		}
	}
}

func (db *DB) signalsAfter(ctx context.Context, after int64) ([]string, int64, error) {
	rows, err := db.query(ctx, "SELECT seq, key FROM signals WHERE seq > ? ORDER BY seq", after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var keys []string
	last := after
	for rows.Next() {
		var key string
		var seq sql.NullInt64
		if err := rows.Scan(&seq, &key); err != nil {
			return nil, after, err
		}
		keys = append(keys, key)
		last = seq.Int64
	}
	return keys, last, rows.Err()
}
