package core

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ferrygateway/ferry"
)

// AddDeviceParams registers a device.
type AddDeviceParams struct {
	MerchantID           string
	SerialNumber         string
	ProcessingTerminalID string
	Simulated            bool
	Model                string
}

var serialPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// AddDevice registers a device for a merchant. Serial numbers are 1 to 64
// letters, digits, '.', '_', ':' or '-', unique per merchant (CodeConflict).
// The processing terminal the device names is created in the same
// transaction, with the defaults, if the merchant does not have it yet.
func (s *Service) AddDevice(ctx context.Context, p AddDeviceParams) (*ferry.Device, error) {
	var d *ferry.Device
	err := s.store.Update(ctx, func(tx ferry.Tx) (err error) {
		d, err = s.addDevice(ctx, tx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.Simulated {
		s.notify(ctx, ferry.SimulatorTopic)
	}
	return d, nil
}

func (s *Service) addDevice(ctx context.Context, tx ferry.Tx, p AddDeviceParams) (*ferry.Device, error) {
	var fields []ferry.FieldError
	if !serialPattern.MatchString(p.SerialNumber) {
		fields = append(fields, ferry.FieldError{Parameter: "serialNumber", Detail: "invalid",
			Message: "serialNumber must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"})
	}
	if n := len([]rune(p.ProcessingTerminalID)); n < ferry.MinProcessingTermID || n > ferry.MaxProcessingTermID || !ferry.ValidText(p.ProcessingTerminalID) {
		fields = append(fields, ferry.FieldError{Parameter: "processingTerminalId", Detail: "invalid length",
			Message: "processingTerminalId must be 4 to 50 characters of UTF-8 text, without NUL"})
	}
	if len([]rune(p.Model)) > 64 || !ferry.ValidText(p.Model) {
		fields = append(fields, ferry.FieldError{Parameter: "model", Detail: "invalid",
			Message: "model must be at most 64 characters of UTF-8 text, without NUL"})
	}
	if len(fields) > 0 {
		return nil, &ferry.Error{Code: ferry.CodeInvalid, Message: "The device is not valid", Fields: fields}
	}
	if _, err := tx.MerchantGet(ctx, p.MerchantID); err != nil {
		return nil, err
	}
	model := p.Model
	if model == "" {
		model = "ferryVirtual"
	}
	d := &ferry.Device{
		ID:                   ferry.NewID(),
		MerchantID:           p.MerchantID,
		SerialNumber:         p.SerialNumber,
		ProcessingTerminalID: p.ProcessingTerminalID,
		Simulated:            p.Simulated,
		Model:                model,
		CreatedAt:            tx.Now(),
	}
	err := tx.DeviceInsert(ctx, d)
	if ferry.ErrorCode(err) == ferry.CodeConflict {
		return nil, &ferry.Error{Code: ferry.CodeConflict, Message: fmt.Sprintf("The merchant already has a device with serial number %s", shown(p.SerialNumber)), Err: err}
	}
	if err != nil {
		return nil, err
	}
	// The processing terminal the device names exists from its first device on.
	if err := ensureTerminal(ctx, tx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// ListDevices returns devices that match p.
func (s *Service) ListDevices(ctx context.Context, p ferry.DeviceListParams) ([]*ferry.Device, error) {
	return s.store.DeviceList(ctx, p)
}

// DeviceOnline reports whether d counts as online now.
func (s *Service) DeviceOnline(d *ferry.Device) bool {
	return d.Online(s.clock.Now(), s.cfg.OnlineWindow)
}

// DeviceConn returns the connection of one device session, for a device
// that runs inside this process (a simulated device). session names the
// session; two sessions of one device compete for its instructions and at
// most one holds each.
func (s *Service) DeviceConn(d *ferry.Device, session string) ferry.DeviceConn {
	s.driven.Store(d.ID, true)
	return &deviceConn{s: s, dev: d, session: session, protocol: ferry.DeviceProtocolVersion}
}

// deviceConn implements ferry.DeviceConn on the core.
type deviceConn struct {
	s       *Service
	dev     *ferry.Device
	cred    *ferry.DeviceCredential // nil for a device inside the server
	session string
	// protocol is the device protocol version the session speaks.
	protocol string
	lastSeen time.Time
}

var _ ferry.DeviceConn = (*deviceConn)(nil)

// touch records that the device is alive, at most once per TouchInterval.
func (c *deviceConn) touch(ctx context.Context) error {
	now := c.s.clock.Now()
	if now.Sub(c.lastSeen) < c.s.cfg.TouchInterval && now.Sub(c.dev.LastSeenAt) < c.s.cfg.TouchInterval {
		return nil
	}
	c.lastSeen = now
	return c.s.store.Update(ctx, func(tx ferry.Tx) error {
		return tx.DeviceTouch(ctx, c.dev.ID, tx.Now())
	})
}

func (c *deviceConn) Next(ctx context.Context, wait time.Duration) (*ferry.Assignment, error) {
	if err := c.touch(ctx); err != nil {
		return nil, err
	}
	wait = min(wait, c.s.cfg.MaxDeviceWait)
	sub := c.s.notifier.Subscribe(ferry.DeviceTopic(c.dev.ID))
	defer sub.Close()
	var timeout <-chan time.Time
	if wait > 0 {
		t := c.s.clock.NewTimer(wait)
		defer t.Stop()
		timeout = t.C()
	}
	for {
		if err := c.checkCredential(ctx); err != nil {
			return nil, err
		}
		a, err := c.claim(ctx)
		if a != nil || err != nil {
			return a, err
		}
		select {
		case <-sub.C():
		case <-timeout:
			return nil, nil
		case <-c.s.drain:
			return nil, nil // shutting down: nothing for now
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// claim hands the session its next piece of work, if any: first the stop of
// an instruction it held that ended, then the device's active instruction if
// it is free to take. Reads come first so that an idle poll writes nothing.
func (c *deviceConn) claim(ctx context.Context) (*ferry.Assignment, error) {
	if in, err := c.s.store.InstructionUnacked(ctx, c.dev.ID, c.session); err == nil {
		return stopAssignment(in), nil
	} else if ferry.ErrorCode(err) != ferry.CodeNotFound {
		return nil, err
	}
	in, err := c.s.store.InstructionActiveForDevice(ctx, c.dev.ID)
	if ferry.ErrorCode(err) == ferry.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := c.s.clock.Now()
	if !c.claimable(in, now) {
		return nil, nil
	}
	if !ferry.ProtocolKinds(c.protocol, in.Kind) {
		return nil, c.unsupported(ctx, in)
	}
	var got *ferry.Assignment
	_, err = c.s.transition(ctx, in.MerchantID, in.ID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		got = nil
		now := tx.Now()
		if in.Phase == ferry.PhaseDelivered && in.LeaseSession == c.session && now.Before(in.LeaseExpiresAt) {
			got = assignment(in) // the session asks again for what it holds
			return "", "", errNoChange
		}
		if !c.claimable(in, now) {
			return "", "", errNoChange
		}
		in.Phase = ferry.PhaseDelivered
		in.LeaseToken++
		in.LeaseSession = c.session
		in.LeaseExpiresAt = now.Add(c.s.cfg.LeaseTTL)
		in.DeadlineAt = now.Add(c.s.cfg.InstructionTimeout)
		in.StopAcked = false
		got = assignment(in)
		return ferry.EventDelivered, fmt.Sprintf("lease %d", in.LeaseToken), nil
	})
	if err == nil && got != nil && got.Payment != nil && len(got.Payment.TipPrompt) > 0 {
		got.Payment.TipPrompt = c.s.suggestedTips(ctx, c.dev.MerchantID, got.ProcessingTerminalID)
	}
	return got, err
}

// suggestedTips are the tips a device offers at a tip prompt: the
// processing terminal's suggestions, or the sandbox's when it has none (the
// cardholder may still enter an amount).
func (s *Service) suggestedTips(ctx context.Context, merchantID, terminalID string) []string {
	t, err := s.store.TerminalGet(ctx, merchantID, terminalID)
	if err != nil || len(t.Tips.Suggested) == 0 {
		return ferry.SandboxSuggestedTips
	}
	out := make([]string, len(t.Tips.Suggested))
	for i, pct := range t.Tips.Suggested {
		out[i] = strconv.Itoa(pct)
	}
	return out
}

// claimable reports whether this session may take in now: it is queued, or
// delivered under a lease that has run out, or this session's own.
func (c *deviceConn) claimable(in *ferry.Instruction, now time.Time) bool {
	switch in.Phase {
	case ferry.PhaseQueued:
		return true
	case ferry.PhaseDelivered:
		return in.LeaseSession == c.session || !now.Before(in.LeaseExpiresAt)
	}
	return false
}

func assignment(in *ferry.Instruction) *ferry.Assignment {
	a := &ferry.Assignment{
		Lease:                ferry.Lease{InstructionID: in.ID, Token: in.LeaseToken},
		ExpiresAt:            in.LeaseExpiresAt,
		Kind:                 in.Kind,
		ProcessingTerminalID: in.Request.Terminal(),
	}
	kinds[in.Kind].assign(a, in)
	return a
}

// unsupported fails a queued instruction that this session's device
// protocol cannot run: an older device never receives a sale it does not
// understand, and the POS learns why at once.
func (c *deviceConn) unsupported(ctx context.Context, in *ferry.Instruction) error {
	_, err := c.s.transition(ctx, in.MerchantID, in.ID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if in.Phase != ferry.PhaseQueued || ferry.ProtocolKinds(c.protocol, in.Kind) {
			return "", "", errNoChange
		}
		end(in, ferry.PhaseFailure, true)
		in.ErrorMessage = fmt.Sprintf("Device %s speaks device protocol %s, which cannot run %ss; update its software",
			shown(c.dev.SerialNumber), c.protocol, in.Kind.Noun())
		return ferry.EventFailed, in.ErrorMessage, nil
	})
	return err
}

func stopAssignment(in *ferry.Instruction) *ferry.Assignment {
	st := leaseState(in)
	return &ferry.Assignment{
		Lease:  ferry.Lease{InstructionID: in.ID, Token: in.LeaseToken},
		Stop:   true,
		Status: st.Status,
		Reason: st.Reason,
		Kind:   in.Kind,
	}
}

// leaseState describes in to the device session that holds it.
func leaseState(in *ferry.Instruction) *ferry.LeaseState {
	st := &ferry.LeaseState{Status: in.Phase.Status(), Phase: in.Phase, ExpiresAt: in.LeaseExpiresAt}
	if !in.Phase.Active() {
		st.Stop = true
		st.ExpiresAt = time.Time{}
		switch {
		case in.Phase == ferry.PhaseCanceled && in.CanceledBy == ferry.CanceledByPOS:
			st.Reason = "Canceled by the POS"
		case in.Phase == ferry.PhaseCanceled:
			st.Reason = "Canceled by the cardholder"
		case in.Phase == ferry.PhaseFailure:
			st.Reason = in.ErrorMessage
		case in.Phase == ferry.PhaseCompleted:
			st.Reason = "Completed"
		}
	}
	return st
}

// held runs fn on the instruction a lease names, in a transition, after
// checking that the lease is still current: the instruction belongs to this
// device, its fencing token is the lease's, and it was not sent back to the
// queue. Anything else is CodeLeaseLost and changes nothing.
func (c *deviceConn) held(ctx context.Context, l ferry.Lease, fn change) (*ferry.Instruction, error) {
	if !ferry.ValidInstructionID(l.InstructionID) {
		return nil, ferry.NotFound("instruction")
	}
	return c.s.transition(ctx, c.dev.MerchantID, l.InstructionID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if err := c.check(in, l); err != nil {
			return "", "", err
		}
		return fn(tx, in)
	})
}

// check fails unless in belongs to this device, l is its current lease,
// and this session holds it: a lease belongs to the session that took it,
// and no other session of the device (nor a call that names none) may
// report on it.
func (c *deviceConn) check(in *ferry.Instruction, l ferry.Lease) error {
	if in.DeviceID != c.dev.ID {
		return ferry.NotFound("instruction")
	}
	if in.LeaseToken != l.Token || in.Phase == ferry.PhaseQueued || in.LeaseToken == 0 {
		return &ferry.Error{Code: ferry.CodeLeaseLost,
			Message: fmt.Sprintf("Lease %d on instruction %s is no longer current; drop the instruction", l.Token, in.ID)}
	}
	if in.LeaseSession != c.session {
		return notHolder(in, l)
	}
	return nil
}

// notHolder is the error for a call about a lease that another session of
// the device holds.
func notHolder(in *ferry.Instruction, l ferry.Lease) error {
	return &ferry.Error{Code: ferry.CodeLeaseLost,
		Message: fmt.Sprintf("Lease %d on instruction %s belongs to another device session; only the session that took it (named in the %s header) may report on it",
			l.Token, in.ID, ferry.SessionHeader)}
}

// renew extends the lease when less than half of it is left; a lease with
// more left needs no write.
func (c *deviceConn) renew(ctx context.Context, l ferry.Lease) (*ferry.Instruction, error) {
	if !ferry.ValidInstructionID(l.InstructionID) {
		return nil, ferry.NotFound("instruction")
	}
	in, err := c.s.store.InstructionGet(ctx, c.dev.MerchantID, l.InstructionID)
	if err != nil {
		return nil, err
	}
	if err := c.check(in, l); err != nil {
		return nil, err
	}
	if in.Phase != ferry.PhaseDelivered || in.LeaseExpiresAt.Sub(c.s.clock.Now()) > c.s.cfg.LeaseTTL/2 {
		return in, nil
	}
	return c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if in.Phase != ferry.PhaseDelivered {
			return "", "", errNoChange
		}
		in.LeaseExpiresAt = tx.Now().Add(c.s.cfg.LeaseTTL)
		return "", "", nil
	})
}

func (c *deviceConn) Heartbeat(ctx context.Context, l ferry.Lease, wait time.Duration) (*ferry.LeaseState, error) {
	if err := c.touch(ctx); err != nil {
		return nil, err
	}
	var sub, devSub ferry.Subscription
	if wait > 0 {
		// Subscribe before renewing so that no change after it is missed.
		sub = c.s.notifier.Subscribe(ferry.InstructionTopic(l.InstructionID))
		defer sub.Close()
		devSub = c.s.notifier.Subscribe(ferry.DeviceTopic(c.dev.ID))
		defer devSub.Close()
	}
	in, err := c.renew(ctx, l)
	if err != nil || sub == nil || !in.Phase.Active() {
		return stateOf(in, err)
	}
	timer := c.s.clock.NewTimer(min(wait, c.s.cfg.LeaseTTL/2))
	defer timer.Stop()
	for {
		select {
		case <-sub.C():
		case <-devSub.C():
		case <-timer.C():
			return leaseState(in), nil
		case <-c.s.drain:
			return leaseState(in), nil // shutting down: answer now
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if err := c.checkCredential(ctx); err != nil {
			return nil, err
		}
		now, err := c.s.store.InstructionGet(ctx, c.dev.MerchantID, l.InstructionID)
		if err != nil {
			return nil, err
		}
		if err := c.check(now, l); err != nil {
			return nil, err
		}
		if !now.Phase.Active() {
			return leaseState(now), nil
		}
		in = now
	}
}

func stateOf(in *ferry.Instruction, err error) (*ferry.LeaseState, error) {
	if err != nil {
		return nil, err
	}
	return leaseState(in), nil
}

func (c *deviceConn) Progress(ctx context.Context, l ferry.Lease, step string) (*ferry.LeaseState, error) {
	step = cleanText(step, 64)
	if step == "" {
		return nil, &ferry.Error{Code: ferry.CodeInvalid, Message: "Name the progress step, e.g. \"prompting\"",
			Fields: []ferry.FieldError{{Parameter: "step", Detail: "required", Message: "step is required"}}}
	}
	return stateOf(c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if in.Phase != ferry.PhaseDelivered {
			return "", "", errNoChange
		}
		now := tx.Now()
		in.LeaseExpiresAt = now.Add(c.s.cfg.LeaseTTL)
		in.DeadlineAt = now.Add(c.s.cfg.InstructionTimeout)
		return ferry.EventProgress, step, nil
	}))
}

func (c *deviceConn) Cancel(ctx context.Context, l ferry.Lease) (*ferry.LeaseState, error) {
	return stateOf(c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		switch in.Phase {
		case ferry.PhaseDelivered:
			end(in, ferry.PhaseCanceled, true)
			in.CanceledBy = ferry.CanceledByCardholder
			return ferry.EventCanceled, "by the cardholder", nil
		case ferry.PhaseAuthorizing:
			return "", "", cannotCancel(in)
		}
		return "", "", errNoChange // it already ended; the state says how
	}))
}

func (c *deviceConn) Fail(ctx context.Context, l ferry.Lease, reason string) (*ferry.LeaseState, error) {
	reason = cleanText(reason, 512)
	if reason == "" {
		reason = "The device reported a failure"
	}
	return stateOf(c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		switch in.Phase {
		case ferry.PhaseDelivered:
			end(in, ferry.PhaseFailure, true)
			in.ErrorMessage = reason
			return ferry.EventFailed, reason, nil
		case ferry.PhaseAuthorizing:
			return "", "", &ferry.Error{Code: ferry.CodeCannotBeCanceled,
				Message: "The card has been read; the outcome comes from the processor"}
		}
		return "", "", errNoChange
	}))
}

func (c *deviceConn) Ack(ctx context.Context, l ferry.Lease) error {
	_, err := c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if in.Phase.Active() {
			return "", "", &ferry.Error{Code: ferry.CodeInvalid, Message: "The instruction is still in progress; there is no stop to acknowledge"}
		}
		if in.StopAcked {
			return "", "", errNoChange
		}
		in.StopAcked = true
		return ferry.EventStopAcked, "", nil
	})
	return err
}

// shown is a stored identifier (a serial number, a terminal id) as a
// message repeats it: one that looks like a card number is masked, as
// everything Ferry repeats is.
func shown(id string) string { return ferry.RedactCardNumbers(id) }

// cleanText makes device-supplied text safe to store and show. It
// normalises first: control and format characters go, and every run of
// whitespace becomes one space. Then card numbers are masked, and last the
// length is capped; no step after the masking can join digits up again.
func cleanText(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.In(r, unicode.Cc, unicode.Cf):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = ferry.RedactCardNumbers(b.String())
	if r := []rune(s); len(r) > max {
		s = string(r[:max])
	}
	return s
}

// LastTransaction returns the device's most recently completed payment or
// refund instruction; CodeNotFound if it has none.
func (s *Service) LastTransaction(ctx context.Context, d *ferry.Device) (*ferry.Instruction, error) {
	in, err := s.store.InstructionLastCompleted(ctx, d.ID)
	if err == nil && in.Request.Reference() == "" {
		return nil, ferry.NotFound("transaction") // a signature is no transaction
	}
	return in, err
}
