package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
)

// Submissions are committed in groups: what arrives while the workers are
// busy goes into one statement and one commit, as the SQLite store's
// writer does. PostgreSQL spends most of a lone submission's cost on the
// statement and its commit, not on the rows.

const (
	submitWorkers  = 4  // groups in flight at once
	maxSubmitGroup = 64 // submissions in one group
)

type pendingSubmit struct {
	s    *ferry.Submission
	done chan submitResult
}

type submitResult struct {
	inserted bool
	err      error
}

type submitter struct {
	start sync.Once
	queue chan *pendingSubmit
}

// Submit implements ferry.Store. Once queued, the write finishes even if
// ctx ends, so that the caller learns whether it happened.
func (db *DB) Submit(ctx context.Context, s *ferry.Submission) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	db.submits.start.Do(func() {
		db.submits.queue = make(chan *pendingSubmit, 1024)
		for range submitWorkers {
			go db.submitLoop()
		}
	})
	p := &pendingSubmit{s: s, done: make(chan submitResult, 1)}
	select {
	case db.submits.queue <- p:
	case <-db.closed:
		return false, &ferry.Error{Code: ferry.CodeUnavailable, Message: "The database is closed"}
	}
	select {
	case r := <-p.done:
		return r.inserted, r.err
	case <-db.closed:
		// Only at shutdown, after the requests that submit have ended.
		return false, &ferry.Error{Code: ferry.CodeUnavailable, Message: "The database was closed while the submission was being written"}
	}
}

// submitLoop takes what is queued, up to a group, and writes it.
func (db *DB) submitLoop() {
	for {
		var first *pendingSubmit
		select {
		case first = <-db.submits.queue:
		case <-db.closed:
			return
		}
		group := []*pendingSubmit{first}
		var later []*pendingSubmit // same key or device as one in the group
		keys := map[[2]string]bool{{first.s.Key.MerchantID, first.s.Key.Key}: true}
		devices := map[string]bool{first.s.Instruction.DeviceID: true}
	gather:
		for len(group) < maxSubmitGroup {
			select {
			case p := <-db.submits.queue:
				k := [2]string{p.s.Key.MerchantID, p.s.Key.Key}
				if keys[k] || devices[p.s.Instruction.DeviceID] || !fresh(p.s) {
					later = append(later, p)
					continue
				}
				keys[k], devices[p.s.Instruction.DeviceID] = true, true
				group = append(group, p)
			default:
				break gather
			}
		}
		db.writeGroup(group)
		for _, p := range later {
			db.writeGroup([]*pendingSubmit{p})
		}
	}
}

// writeGroup writes a group in one statement; if that fails (a busy
// device, say), each submission is written on its own, so that each gets
// its own answer.
func (db *DB) writeGroup(group []*pendingSubmit) {
	ctx := context.Background()
	if len(group) > 1 {
		inserted, err := db.submitMany(ctx, group)
		if err == nil {
			for _, p := range group {
				k := [2]string{p.s.Key.MerchantID, p.s.Key.Key}
				if inserted[k] {
					p.s.Instruction.Version = 1
				}
				p.done <- submitResult{inserted: inserted[k]}
			}
			return
		}
	}
	var wg sync.WaitGroup
	for _, p := range group {
		wg.Go(func() {
			ok, err := db.submitOne(ctx, p.s)
			p.done <- submitResult{ok, err}
		})
	}
	wg.Wait()
}

// fresh reports whether a submission's instruction has the state every new
// instruction has, which is all that submitManySQL writes.
func fresh(s *ferry.Submission) bool {
	in := s.Instruction
	return in.LeaseToken == 0 && in.LeaseSession == "" && in.LeaseExpiresAt.IsZero() && in.Card == nil &&
		in.ResultID == "" && in.ErrorMessage == "" && in.CanceledBy == "" && !in.DueAt().IsZero()
}

// submitManySQL is submitSQL for many submissions at once, given as arrays.
const submitManySQL = `WITH input AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::bytea[], $6::timestamptz[],
		$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[],
		$15::text[], $16::timestamptz[], $17::timestamptz[], $18::boolean[], $19::timestamptz[], $20::timestamptz[],
		$21::timestamptz[], $22::text[], $23::text[], $24::text[])
	AS t(key_merchant, key, fingerprint, status, body, key_created,
		id, merchant_id, device_id, kind, phase, request, amount, currency,
		order_id, deadline_at, due_at, stop_acked, created_at, updated_at,
		event_at, event_phase, event_kind, event_detail)
), k AS (
	INSERT INTO idempotency_keys (merchant_id, key, fingerprint, status, body, created_at)
	SELECT key_merchant, key, fingerprint, status, body, key_created FROM input
	ON CONFLICT DO NOTHING RETURNING merchant_id, key
), i AS (
	INSERT INTO instructions (id, merchant_id, device_id, kind, phase, version, request, amount,
		currency, order_id, lease_token, lease_session, lease_expires_at, deadline_at, due_at, card, result_id,
		error_message, canceled_by, stop_acked, created_at, updated_at)
	SELECT input.id, input.merchant_id, input.device_id, input.kind, input.phase, 1, input.request::jsonb,
		input.amount, input.currency, input.order_id, 0, '', NULL, input.deadline_at, input.due_at, NULL, NULL,
		'', '', input.stop_acked, input.created_at, input.updated_at
	FROM input JOIN k ON k.merchant_id = input.key_merchant AND k.key = input.key
	RETURNING id
), e AS (
	INSERT INTO events (instruction_id, merchant_id, at, phase, kind, detail)
	SELECT input.id, input.merchant_id, input.event_at, input.event_phase, input.event_kind, input.event_detail
	FROM input JOIN i ON i.id = input.id
)
SELECT merchant_id, key FROM k`

// submitMany writes a group with submitManySQL and returns the keys that
// were new.
func (db *DB) submitMany(ctx context.Context, group []*pendingSubmit) (map[[2]string]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, txTimeout)
	defer cancel()
	n := len(group)
	var (
		keyMerchant, key, id, merchant, device, kind, phase, request, currency, orderID = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		eventPhase, eventKind, eventDetail                                              = make([]string, n), make([]string, n), make([]string, n)
		fingerprint, body                                                               = make([][]byte, n), make([][]byte, n)
		status                                                                          = make([]int32, n)
		amount                                                                          = make([]int64, n)
		stopAcked                                                                       = make([]bool, n)
		keyCreated, deadline, due, created, updated, eventAt                            = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	)
	for j, p := range group {
		rec, in, e := p.s.Key, p.s.Instruction, p.s.Event
		req, _, _, err := instructionJSON(in)
		if err != nil {
			return nil, err
		}
		keyMerchant[j], key[j], fingerprint[j], status[j], body[j], keyCreated[j] = rec.MerchantID, rec.Key, rec.Fingerprint, int32(rec.Status), rec.Body, rec.CreatedAt
		id[j], merchant[j], device[j], kind[j], phase[j], request[j] = in.ID, in.MerchantID, in.DeviceID, string(in.Kind), string(in.Phase), string(req)
		amount[j], currency[j], orderID[j] = in.Request.Money().Amount, string(in.Request.Money().Currency), in.Request.Reference()
		deadline[j], due[j], stopAcked[j], created[j], updated[j] = in.DeadlineAt, in.DueAt(), in.StopAcked, in.CreatedAt, in.UpdatedAt
		eventAt[j], eventPhase[j], eventKind[j], eventDetail[j] = e.At, string(e.Phase), e.Kind, e.Detail
	}
	rows, err := db.pool.Query(ctx, submitManySQL, keyMerchant, key, fingerprint, status, body, keyCreated,
		id, merchant, device, kind, phase, request, amount, currency,
		orderID, deadline, due, stopAcked, created, updated,
		eventAt, eventPhase, eventKind, eventDetail)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	inserted := make(map[[2]string]bool, n)
	for rows.Next() {
		var m, k string
		if err := rows.Scan(&m, &k); err != nil {
			return nil, err
		}
		inserted[[2]string{m, k}] = true
	}
	return inserted, rows.Err()
}
