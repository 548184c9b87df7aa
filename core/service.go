// Package core is Ferry's business logic, written once above the Store,
// Notifier, Processor and Clock seams: merchants and credentials, the
// instruction state machine, idempotency, device leases and deadlines.
package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrygateway/ferry"
)

// Config holds the core's timings. Zero fields take their defaults.
type Config struct {
	// TokenTTL is how long a bearer token lives. Default: 1h.
	TokenTTL time.Duration
	// InstructionTimeout ends an instruction as failure when its device makes
	// no progress for this long (or never picks it up). Default: 2m.
	InstructionTimeout time.Duration
	// LeaseTTL is how long a device session holds an instruction without
	// renewing its lease. Default: 15s.
	LeaseTTL time.Duration
	// AuthorizeTimeout bounds one processor call. Default: 30s.
	AuthorizeTimeout time.Duration
	// OnlineWindow: a device seen within it counts as online. Default: 2m.
	OnlineWindow time.Duration
	// MaxDeviceWait caps how long a device poll may wait. Default: 60s.
	MaxDeviceWait time.Duration
	// TouchInterval is how often a device's last-seen time is written while
	// it polls. Default: 10s, and at most a quarter of OnlineWindow.
	TouchInterval time.Duration
	// TokenRate caps the bearer tokens one API key gets a minute, on all
	// instances together. Default: 60.
	TokenRate int
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TokenTTL, time.Hour)
	def(&c.InstructionTimeout, 2*time.Minute)
	def(&c.LeaseTTL, 15*time.Second)
	def(&c.AuthorizeTimeout, 30*time.Second)
	def(&c.OnlineWindow, 2*time.Minute)
	def(&c.MaxDeviceWait, 60*time.Second)
	def(&c.TouchInterval, 10*time.Second)
	if c.TokenRate <= 0 {
		c.TokenRate = 60
	}
	// A device that polls must never look offline between two touches.
	c.TouchInterval = min(c.TouchInterval, c.OnlineWindow/4)
}

// authorizeGrace is how long after AuthorizeTimeout an instruction stuck in
// authorizing is settled by the sweeper: long enough that the call that
// started it has surely given up, even with some clock skew between instances.
const authorizeGrace = 5 * time.Second

// Service is Ferry's core. Its methods are safe for concurrent use.
type Service struct {
	store     ferry.Store
	notifier  ferry.Notifier
	processor ferry.Processor
	clock     ferry.Clock
	log       *slog.Logger
	cfg       Config

	kick    chan struct{} // wakes the sweeper when an earlier deadline appears
	sweepAt atomic.Int64  // when the sweeper plans to wake, in Unix nanoseconds; 0 while it works
	tokens  *tokenCache
	devices deviceCache
	ended   endedCache
	driven  sync.Map // ids of the devices this process drives itself (DeviceConn)

	drain     chan struct{} // closed by Drain: every wait ends
	drainOnce sync.Once
}

// New returns a service over its dependencies. logger may be nil.
func New(store ferry.Store, notifier ferry.Notifier, processor ferry.Processor, clock ferry.Clock, logger *slog.Logger, cfg Config) *Service {
	cfg.setDefaults()
	if clock == nil {
		clock = ferry.SystemClock{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		drain:     make(chan struct{}),
		store:     store,
		notifier:  notifier,
		processor: processor,
		clock:     clock,
		log:       logger,
		cfg:       cfg,
		kick:      make(chan struct{}, 1),
		tokens:    newTokenCache(notifier),
		devices:   deviceCache{m: make(map[[2]string]*ferry.Device)},
		ended:     endedCache{m: make(map[[2]string]ferry.InstructionState)},
	}
}

// Config returns the service's configuration with defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Drain ends every wait at once, for a shutdown: a status long-poll answers
// with the instruction's current state, a device's wait for work answers
// with none, a heartbeat answers with the lease's state; and every later
// wait answers without waiting. Call it before http.Server.Shutdown, which
// does not cancel requests in flight.
func (s *Service) Drain() { s.drainOnce.Do(func() { close(s.drain) }) }

// Store returns the service's store.
func (s *Service) Store() ferry.Store { return s.store }

// notify wakes waiters on keys. A lost notification only delays a waiter
// (every wait ends by its own deadline), so errors are logged, not returned.
func (s *Service) notify(ctx context.Context, keys ...string) {
	if err := s.notifier.Notify(context.WithoutCancel(ctx), keys...); err != nil {
		s.log.Warn("notify failed", "err", err)
	}
}

// kickSweeper makes the sweeper recompute its next wake-up, if due (an
// instruction's new due time) comes before the wake-up it has planned.
func (s *Service) kickSweeper(due time.Time) {
	if due.IsZero() {
		return
	}
	if planned := s.sweepAt.Load(); planned != 0 && due.UnixNano() >= planned {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// errNoChange tells transition that the instruction stays as it is.
var errNoChange = errors.New("no change")

// change is a transition of one instruction: it mutates in and names the
// event to record ("" for none, as for a lease renewal), or returns
// errNoChange to leave it alone, or another error.
type change func(tx ferry.Tx, in *ferry.Instruction) (event, detail string, err error)

// transition loads an instruction in a transaction, applies fn, and writes
// the result with its event: a compare-and-set on the version the
// transaction read. After the commit of a change with an event it wakes
// everyone waiting on the instruction or its device. It returns the
// instruction as it stands.
func (s *Service) transition(ctx context.Context, merchantID, id string, fn change) (*ferry.Instruction, error) {
	var out *ferry.Instruction
	var changed bool
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		out, changed = nil, false
		in, err := tx.InstructionGet(ctx, merchantID, id)
		if err != nil {
			return err
		}
		version, phase := in.Version, in.Phase
		event, detail, err := fn(tx, in)
		if errors.Is(err, errNoChange) {
			out = in
			return nil
		}
		if err != nil {
			return err
		}
		if !phase.CanMove(in.Phase) {
			return ferry.Internal(fmt.Errorf("instruction %s: %s to %s is not a move of the instruction machine", in.ID, phase, in.Phase))
		}
		in.UpdatedAt = tx.Now()
		if err := tx.InstructionUpdate(ctx, in, version); err != nil {
			return err
		}
		if event != "" {
			if err := s.event(ctx, tx, in, event, detail); err != nil {
				return err
			}
		}
		out, changed = in, event != ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	if changed {
		if !out.Phase.Active() {
			// The polls about to wake read the end from memory.
			s.ended.keep(out.MerchantID, out.State())
		}
		s.notify(ctx, ferry.InstructionTopic(out.ID), ferry.DeviceTopic(out.DeviceID))
		s.kickSweeper(out.DueAt())
	}
	return out, nil
}

// event records what happened to in.
func (s *Service) event(ctx context.Context, tx ferry.Tx, in *ferry.Instruction, kind, detail string) error {
	return tx.EventInsert(ctx, &ferry.Event{
		InstructionID: in.ID,
		MerchantID:    in.MerchantID,
		At:            tx.Now(),
		Phase:         in.Phase,
		Kind:          kind,
		Detail:        detail,
	})
}

// end moves an instruction to a final phase. acked says whether no device
// session needs to be told to stop.
func end(in *ferry.Instruction, phase ferry.Phase, acked bool) {
	in.Phase = phase
	in.StopAcked = acked
	in.DeadlineAt = time.Time{}
	if !acked {
		return
	}
	in.LeaseExpiresAt = time.Time{}
}

func durationText(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprint(d)
	}
	return d.Round(time.Millisecond).String()
}
