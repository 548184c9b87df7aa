// Package agent is Ferry's device agent: the device side of the
// instruction lifecycle. It takes instructions from a ferry.DeviceConn,
// keeps its lease alive, lets a Cardholder act, and reports the result.
// Simulated devices inside the server and the `ferry device run` terminal
// program are both this agent, over different connections.
package agent

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/ferrygateway/ferry"
)

// ActionKind is what happened at the device.
type ActionKind int

// What a cardholder can do.
const (
	// ActionCard: a card was read; Action.Card holds it.
	ActionCard ActionKind = iota
	// ActionCancel: the cardholder canceled.
	ActionCancel
	// ActionFail: the device cannot go on; Action.Reason says why.
	ActionFail
	// ActionSignature: the cardholder signed; Action.Signature holds it.
	ActionSignature
	// ActionClosedLoop: a closed-loop card was read; Action.Data holds
	// what the device read, a JSON object.
	ActionClosedLoop
)

// Action is the outcome of the cardholder's turn.
type Action struct {
	Kind      ActionKind
	Card      ferry.CardRead
	Reason    string
	Signature ferry.SignatureCapture
	Data      []byte
}

// Cardholder is the person (or the simulation of one) at the device.
type Cardholder interface {
	// Present shows the instruction and waits for the cardholder to act. ctx
	// ends if the instruction is stopped meanwhile; Present then returns
	// ctx's error.
	Present(ctx context.Context, a *ferry.Assignment) (Action, error)
	// Show tells the cardholder how the instruction ended.
	Show(a *ferry.Assignment, r *Result)
}

// Result is how an instruction ended, as the device saw it.
type Result struct {
	Status ferry.Status
	// Refund is set when a card read reached the processor (for a refund
	// or a payment), or a signature or closed-loop read was taken.
	Refund *ferry.CardReadResult
	Reason string
}

// Agent runs one device session. Set the fields, then call Run.
type Agent struct {
	Conn       ferry.DeviceConn
	Cardholder Cardholder
	// Log receives what the agent does. Default: discard.
	Log *slog.Logger
	// PollWait is how long each wait for work lasts; 0 waits until the
	// context ends (fine in-process, too long over HTTP). Default: 0.
	PollWait time.Duration
	// HeartbeatWait is how long each lease renewal waits for a change.
	// Default: 5s.
	HeartbeatWait time.Duration
	// MaxBackoff caps the wait between retries after errors. Default: 10s.
	MaxBackoff time.Duration
}

func (a *Agent) defaults() {
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.HeartbeatWait <= 0 {
		a.HeartbeatWait = 5 * time.Second
	}
	if a.MaxBackoff <= 0 {
		a.MaxBackoff = 10 * time.Second
	}
}

// Run serves instructions until ctx ends; it returns nil then. Errors talking
// to the server are retried with exponential backoff; only an error that
// retrying cannot fix (the credential was revoked, say) ends Run early.
func (a *Agent) Run(ctx context.Context) error {
	a.defaults()
	failures := 0
	for ctx.Err() == nil {
		asg, err := a.Conn.Next(ctx, a.PollWait)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if fatal(err) {
				return err
			}
			failures++
			a.Log.Warn("waiting for work failed", "err", err, "attempt", failures)
			sleep(ctx, backoff(failures, a.MaxBackoff))
			continue
		}
		failures = 0
		switch {
		case asg == nil:
		case asg.Stop:
			a.Cardholder.Show(asg, &Result{Status: asg.Status, Reason: asg.Reason})
			a.ack(ctx, asg)
		default:
			a.serve(ctx, asg)
		}
	}
	return nil
}

// fatal reports errors that retrying cannot fix.
func fatal(err error) bool {
	switch ferry.ErrorCode(err) {
	case ferry.CodeUnauthorized, ferry.CodeForbidden:
		return true
	}
	return false
}

// stopped is the cause of the work context's end when the server says stop.
type stopped struct{ state *ferry.LeaseState }

func (s *stopped) Error() string { return "stopped: " + s.state.Reason }

// serve runs one instruction from the cardholder's turn to its result.
func (a *Agent) serve(ctx context.Context, asg *ferry.Assignment) {
	log := a.Log.With("instruction_id", asg.InstructionID, "lease", asg.Token)
	log.Info("instruction received", "amount", asg.Money().String())
	work, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		a.watch(work, cancel, asg.Lease)
	}()
	act, err := a.Cardholder.Present(work, asg)
	cause := context.Cause(work)
	cancel(nil)
	<-watching
	if err != nil {
		var st *stopped
		switch {
		case errors.As(cause, &st):
			a.Cardholder.Show(asg, &Result{Status: st.state.Status, Reason: st.state.Reason})
			a.ack(ctx, asg)
		case ferry.ErrorCode(cause) == ferry.CodeLeaseLost:
			a.Cardholder.Show(asg, &Result{Status: ferry.StatusFailure, Reason: "The lease on this instruction was lost"})
		default:
			log.Info("instruction abandoned", "err", err)
		}
		return
	}
	res := a.act(ctx, asg, act)
	if res != nil {
		a.Cardholder.Show(asg, res)
		log.Info("instruction ended", "status", res.Status, "reason", res.Reason)
	}
}

// watch renews the lease until work ends, and ends work with the reason
// when the server says stop or the lease is lost.
func (a *Agent) watch(work context.Context, cancel context.CancelCauseFunc, l ferry.Lease) {
	failures := 0
	for work.Err() == nil {
		st, err := a.Conn.Heartbeat(work, l, a.HeartbeatWait)
		switch {
		case work.Err() != nil:
			return
		case ferry.ErrorCode(err) == ferry.CodeLeaseLost, err != nil && fatal(err):
			cancel(err)
			return
		case err != nil:
			failures++
			sleep(work, backoff(failures, a.MaxBackoff))
		case st.Stop:
			cancel(&stopped{st})
			return
		default:
			failures = 0
		}
	}
}

// act reports the cardholder's action and returns the result to show.
// Reports are retried on errors that may pass: a card read is idempotent.
func (a *Agent) act(ctx context.Context, asg *ferry.Assignment, act Action) *Result {
	for attempt := 1; ctx.Err() == nil; attempt++ {
		var res *Result
		var err error
		switch act.Kind {
		case ActionCard:
			var r *ferry.CardReadResult
			if r, err = a.Conn.CardRead(ctx, asg.Lease, act.Card); err == nil {
				res = &Result{Status: r.Status, Refund: r, Reason: r.Reason}
			}
		case ActionSignature, ActionClosedLoop:
			var r *ferry.CardReadResult
			if act.Kind == ActionSignature {
				r, err = a.Conn.Signature(ctx, asg.Lease, act.Signature)
			} else {
				r, err = a.Conn.ClosedLoopRead(ctx, asg.Lease, act.Data)
			}
			if err == nil {
				res = &Result{Status: r.Status, Refund: r, Reason: r.Reason}
			}
		case ActionCancel:
			var st *ferry.LeaseState
			if st, err = a.Conn.Cancel(ctx, asg.Lease); err == nil {
				res = &Result{Status: st.Status, Reason: st.Reason}
			}
		case ActionFail:
			var st *ferry.LeaseState
			if st, err = a.Conn.Fail(ctx, asg.Lease, act.Reason); err == nil {
				res = &Result{Status: st.Status, Reason: st.Reason}
			}
		}
		if err == nil {
			if res.Status != ferry.StatusCompleted || act.Kind == ActionCancel || act.Kind == ActionFail {
				a.ack(ctx, asg) // it may have ended otherwise meanwhile
			}
			return res
		}
		switch ferry.ErrorCode(err) {
		case ferry.CodeLeaseLost, ferry.CodeInvalid, ferry.CodeNotFound, ferry.CodeCannotBeCanceled, ferry.CodeUnauthorized:
			return &Result{Status: ferry.StatusFailure, Reason: ferry.ErrorMessage(err)}
		}
		a.Log.Warn("reporting to the server failed; retrying", "instruction_id", asg.InstructionID, "err", err, "attempt", attempt)
		sleep(ctx, backoff(attempt, a.MaxBackoff))
	}
	return nil
}

func (a *Agent) ack(ctx context.Context, asg *ferry.Assignment) {
	if err := a.Conn.Ack(ctx, asg.Lease); err != nil && ferry.ErrorCode(err) != ferry.CodeInvalid {
		a.Log.Warn("acknowledging the stop failed", "instruction_id", asg.InstructionID, "err", err)
	}
}

// backoff is exponential from 100ms, with jitter, capped at max.
func backoff(attempt int, max time.Duration) time.Duration {
	d := 100 * time.Millisecond << min(attempt-1, 16)
	if d > max || d <= 0 {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
