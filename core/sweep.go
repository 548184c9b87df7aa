package core

import (
	"context"
	"fmt"
	"time"

	"github.com/ferrygateway/ferry"
)

// sweepBatch is how many due instructions one pass settles.
const sweepBatch = 100

// maxSweepSleep bounds how long the sweeper sleeps when nothing is due, so
// that it notices deadlines set by other processes on the same database.
const maxSweepSleep = 30 * time.Second

// cleanupEvery is how often expired tokens and idempotency records are
// deleted.
const cleanupEvery = time.Hour

// RunSweeper settles instructions whose deadline or lease has passed, until
// ctx ends. It sleeps until the next deadline (or until an instruction
// changes in this process), not on a fixed tick. Several processes may run
// it on one database: every settlement is a compare-and-set.
func (s *Service) RunSweeper(ctx context.Context) {
	timer := s.clock.NewTimer(0)
	defer timer.Stop()
	var lastCleanup time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-s.kick:
		}
		s.sweepAt.Store(0) // at work: every change kicks
		now := s.clock.Now()
		if now.Sub(lastCleanup) >= cleanupEvery {
			s.cleanup(ctx, now)
			lastCleanup = now
		}
		n, err := s.Sweep(ctx, now)
		if err != nil && ctx.Err() == nil {
			s.log.Error("sweep failed", "err", err)
		}
		sleep := maxSweepSleep
		if n == sweepBatch {
			sleep = 0 // more are due
		} else if next, err := s.store.InstructionNextDue(ctx); err == nil && !next.IsZero() {
			sleep = min(sleep, max(0, next.Sub(s.clock.Now())))
		}
		timer.Stop()
		timer.Reset(sleep)
		s.sweepAt.Store(s.clock.Now().Add(sleep).UnixNano())
	}
}

// Sweep settles up to one batch of instructions due at now and returns how
// many it looked at.
func (s *Service) Sweep(ctx context.Context, now time.Time) (int, error) {
	due, err := s.store.InstructionListDue(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	for _, in := range due {
		if err := s.settle(ctx, in); err != nil {
			s.log.Error("settling instruction failed", "instruction_id", in.ID, "err", err)
		}
	}
	return len(due), nil
}

// settle handles one instruction whose deadline or lease passed:
//   - queued past its deadline: no device took it → failure;
//   - delivered past its deadline: the device made no progress → failure;
//   - delivered with an expired lease: the session is gone, the card was
//     not read → back to queued for the next session;
//   - authorizing past its settle time: the call that read the card died →
//     the outcome comes from the processor, or the instruction fails.
func (s *Service) settle(ctx context.Context, in *ferry.Instruction) error {
	var result *ferry.TransactionResult
	if in.Phase == ferry.PhaseAuthorizing {
		r, err := s.processor.Lookup(ctx, in.ID)
		switch ferry.ErrorCode(err) {
		case "":
			result = &r
		case ferry.CodeNotFound:
		default:
			return fmt.Errorf("processor lookup: %w", err)
		}
	}
	if result != nil {
		_, err := s.complete(ctx, in, *result)
		return err
	}
	timeout := durationText(s.cfg.InstructionTimeout)
	_, err := s.transition(ctx, in.MerchantID, in.ID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		now := tx.Now()
		if due := in.DueAt(); due.IsZero() || due.After(now) {
			return "", "", errNoChange // settled or renewed meanwhile
		}
		deadlinePassed := !in.DeadlineAt.After(now)
		switch {
		case in.Phase == ferry.PhaseQueued:
			end(in, ferry.PhaseFailure, true)
			in.ErrorMessage = "The device did not pick up the instruction within " + timeout + "; check that it is online"
		case in.Phase == ferry.PhaseDelivered && deadlinePassed:
			// A session whose lease is still alive is told to stop.
			end(in, ferry.PhaseFailure, !now.Before(in.LeaseExpiresAt))
			in.ErrorMessage = "The device made no progress for " + timeout
		case in.Phase == ferry.PhaseDelivered:
			in.Phase = ferry.PhaseQueued
			in.LeaseSession = ""
			in.LeaseExpiresAt = time.Time{}
			return ferry.EventLeaseExpired, fmt.Sprintf("lease %d expired; queued again", in.LeaseToken), nil
		case in.Phase == ferry.PhaseAuthorizing:
			end(in, ferry.PhaseFailure, true)
			in.ErrorMessage = "The card was read, but the processor has no record of the refund: it was not authorized"
		default:
			return "", "", errNoChange
		}
		return ferry.EventFailed, in.ErrorMessage, nil
	})
	return err
}

// cleanup deletes expired bearer tokens, pairing codes an hour after they
// expired (so that a late device still hears "expired") and idempotency
// records past their retention.
func (s *Service) cleanup(ctx context.Context, now time.Time) {
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		if _, err := tx.TokenDeleteExpired(ctx, now); err != nil {
			return err
		}
		if _, err := tx.PairCodeDeleteBefore(ctx, now.Add(-time.Hour)); err != nil {
			return err
		}
		_, err := tx.IdempotencyDeleteBefore(ctx, now.Add(-ferry.IdempotencyRetention))
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("cleanup failed", "err", err)
	}
}
