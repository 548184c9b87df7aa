package core

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// SubmitParams is an instruction submission as the API received it.
type SubmitParams struct {
	// Kind is what the instruction asks the device to do.
	Kind           ferry.InstructionKind
	MerchantID     string
	IdempotencyKey string
	SerialNumber   string
	// Fingerprint identifies the request for idempotency
	// (see ferry.RequestFingerprint).
	Fingerprint []byte
	// Body is the raw request body.
	Body []byte
	// Render returns the response body for a new instruction. It is stored
	// with the idempotency key and sent again, byte for byte, on a replay.
	Render func(*ferry.Instruction) ([]byte, error)
}

// Response is a stored or fresh response to an idempotent request.
type Response struct {
	Status int
	Body   []byte
	// Replayed reports that the response was stored by an earlier request.
	Replayed bool
	// Instruction is the new instruction; nil on a replay.
	Instruction *ferry.Instruction
}

// SubmitInstruction queues an instruction of p.Kind for a device.
//
// The idempotency key comes before anything else: a request that repeats
// an earlier one (same key, same request) gets the earlier response and
// changes nothing; the same key with a different request is
// CodeIdempotencyKeyInUse, whatever else is wrong with it. Then come
// validation (CodeInvalid, every problem at once), the device (CodeNotFound
// if the merchant has no device with that serial number) and the
// one-instruction-per-device rule (CodeDeviceBusy). (The key is looked up
// only when something else fails, or inside the transaction: a new request
// costs no extra read.)
func (s *Service) SubmitInstruction(ctx context.Context, p SubmitParams) (*Response, error) {
	req, dev, err := s.checkSubmission(ctx, p)
	if err != nil {
		// The key was used before? Then that answer wins over this error.
		if resp, rerr := s.replay(ctx, s.store, p); resp != nil || rerr != nil {
			return resp, rerr
		}
		return nil, err
	}

	// Everything that needs no transaction happens before it: the
	// transaction holds the database's one writer (on SQLite) or a pooled
	// connection (on PostgreSQL).
	in := &ferry.Instruction{
		ID:         newInstructionID(),
		MerchantID: p.MerchantID,
		DeviceID:   dev.ID,
		Kind:       p.Kind,
		Phase:      ferry.PhaseQueued,
		Request:    req,
		StopAcked:  true, // no device session holds it yet
	}
	body, err := p.Render(in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().Truncate(time.Microsecond)
	in.DeadlineAt = now.Add(s.cfg.InstructionTimeout)
	in.CreatedAt, in.UpdatedAt = now, now
	// The key goes in with the instruction: a duplicate of a request in
	// flight waits for it to end, then replays its answer.
	inserted, err := s.store.Submit(ctx, &ferry.Submission{
		Key: &ferry.IdempotencyRecord{
			MerchantID:  p.MerchantID,
			Key:         p.IdempotencyKey,
			Fingerprint: p.Fingerprint,
			Status:      202,
			Body:        body,
			CreatedAt:   now,
		},
		Instruction: in,
		Event: &ferry.Event{
			InstructionID: in.ID,
			MerchantID:    in.MerchantID,
			At:            now,
			Phase:         in.Phase,
			Kind:          ferry.EventSubmitted,
			Detail:        "device " + dev.SerialNumber,
		},
	})
	if ferry.ErrorCode(err) == ferry.CodeDeviceBusy {
		return nil, s.busy(ctx, dev, err)
	}
	if err != nil {
		return nil, err
	}
	if !inserted {
		resp, err := s.replay(ctx, s.store, p)
		if resp == nil && err == nil {
			// The key's record was removed between the two reads: its
			// retention ran out just now. Nothing was written; say so.
			err = &ferry.Error{Code: ferry.CodeConflict, Message: "The idempotency key was in use a moment ago; try again"}
		}
		return resp, err
	}
	keys := []string{ferry.DeviceTopic(dev.ID)}
	if _, driven := s.driven.Load(dev.ID); dev.Simulated && !driven {
		// A simulator that does not drive the device yet lists the
		// devices again; one that does needs only the device's topic.
		keys = append(keys, ferry.SimulatorTopic)
	}
	s.notify(ctx, keys...)
	s.kickSweeper(in.DueAt())
	return &Response{Status: 202, Body: body, Instruction: in}, nil
}

// checkSubmission validates a submission and finds its device: what can be
// checked before the transaction, which checks the idempotency key.
func (s *Service) checkSubmission(ctx context.Context, p SubmitParams) (ferry.InstructionRequest, *ferry.Device, error) {
	spec, ok := kinds[p.Kind]
	if !ok {
		return nil, nil, ferry.Internal(fmt.Errorf("unknown instruction kind %q", p.Kind))
	}
	if !ferry.ValidSerialNumber(p.SerialNumber) {
		return nil, nil, ferry.Invalid(ferry.FieldError{Parameter: "serialNumber", Detail: "invalid length", Message: "serialNumber must be 1 to 64 characters"})
	}
	req, err := spec.decode(p.Body)
	if err != nil {
		return nil, nil, err
	}
	dev, err := s.device(ctx, p.MerchantID, p.SerialNumber)
	if err != nil {
		return nil, nil, err
	}
	if req.Terminal() != dev.ProcessingTerminalID {
		return nil, nil, ferry.Invalid(ferry.FieldError{Parameter: "processingTerminalId", Detail: "wrong terminal",
			Message: fmt.Sprintf("device %s belongs to processing terminal %s, not %s", shown(dev.SerialNumber), shown(dev.ProcessingTerminalID), ferry.Quote(req.Terminal()))})
	}
	if r, ok := req.(*payroc.PaymentInstructionRequest); ok && r.Order.Breakdown != nil && r.Order.Breakdown.Tip != nil {
		// A tip needs a terminal that takes tips (one read, only then).
		t, err := s.store.TerminalGet(ctx, p.MerchantID, dev.ProcessingTerminalID)
		if err == nil && !t.Tips.Enabled {
			return nil, nil, ferry.Invalid(ferry.FieldError{Parameter: "order.breakdown.tip", Detail: "not allowed",
				Message: fmt.Sprintf("processing terminal %s does not take tips (see ferry terminal set --tips)", shown(dev.ProcessingTerminalID))})
		}
	}
	return req, dev, nil
}

// busy describes a device that runs another instruction, of any kind.
func (s *Service) busy(ctx context.Context, dev *ferry.Device, cause error) error {
	e := &ferry.Error{Code: ferry.CodeDeviceBusy, Err: cause,
		Message: fmt.Sprintf("Device %s is already running an instruction; wait for it to finish or cancel it", shown(dev.SerialNumber))}
	if running, err := s.store.InstructionActiveForDevice(ctx, dev.ID); err == nil {
		e.Instance = running.Kind.Path() + "/" + running.ID
		e.Message = fmt.Sprintf("Device %s is already running %s %s; wait for it to finish or cancel it", shown(dev.SerialNumber), running.Kind.Noun(), running.ID)
	}
	return e
}

// newInstructionID returns a UUID in hex without dashes, the form of
// Payroc's instruction ids. It is a version 7 UUID: time-ordered, so that
// new instructions go to the end of the database's indexes instead of to
// random pages, with 74 random bits, so that ids cannot be guessed.
func newInstructionID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return hex.EncodeToString(u[:])
}

// replay answers a request whose idempotency key was used before: the
// stored response if the request is the same, CodeIdempotencyKeyInUse if
// not. It returns nil, nil for a new key.
func (s *Service) replay(ctx context.Context, r ferry.Reader, p SubmitParams) (*Response, error) {
	rec, err := r.IdempotencyGet(ctx, p.MerchantID, p.IdempotencyKey)
	if ferry.ErrorCode(err) == ferry.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(rec.Fingerprint, p.Fingerprint) {
		return nil, &ferry.Error{Code: ferry.CodeIdempotencyKeyInUse, Message: "'Idempotency-Key' is already in use against a different request"}
	}
	return &Response{Status: rec.Status, Body: rec.Body, Replayed: true}, nil
}

// GetInstruction returns the merchant's instruction, of any kind; another
// merchant's instruction is CodeNotFound, like an unknown id.
func (s *Service) GetInstruction(ctx context.Context, merchantID, id string) (*ferry.Instruction, error) {
	if !ferry.ValidInstructionID(id) {
		return nil, invalidInstructionID(ferry.KindRefund)
	}
	return s.store.InstructionGet(ctx, merchantID, id)
}

func invalidInstructionID(k ferry.InstructionKind) error {
	p := k.IDParameter()
	return ferry.Invalid(ferry.FieldError{Parameter: p, Detail: "invalid length", Message: p + " must be 1 to 36 characters"})
}

// ofKind fails with CodeNotFound unless the instruction is of kind k: a
// refund instruction's id is no payment instruction's.
func ofKind(k ferry.InstructionKind, got ferry.InstructionKind) error {
	if got != k {
		return ferry.NotFound(k.Noun())
	}
	return nil
}

// WaitInstruction returns the state of p's merchant's instruction as soon
// as it is no longer in progress, or when wait passes, or when the service
// drains (the server is shutting down), whichever comes first. It does not
// poll: it sleeps until the notifier reports a change. If p's API key is
// revoked meanwhile, the wait ends with CodeUnauthorized.
func (s *Service) WaitInstruction(ctx context.Context, p *ferry.Principal, kind ferry.InstructionKind, id string, wait time.Duration) (*ferry.InstructionState, error) {
	if !ferry.ValidInstructionID(id) {
		return nil, invalidInstructionID(kind)
	}
	merchantID := p.MerchantID
	st, err := s.instructionState(ctx, merchantID, id)
	if err == nil {
		err = ofKind(kind, st.Kind)
	}
	if err != nil || !st.Phase.Active() || wait <= 0 {
		return st, err
	}
	// Subscribe before reading again, so that a change between the first
	// read and the subscription is not missed.
	sub := s.notifier.Subscribe(ferry.InstructionTopic(id))
	defer sub.Close()
	revoked := s.notifier.Subscribe(ferry.RevokedTopic)
	defer revoked.Close()
	// A revocation between the token's check and the subscription: it
	// reached the cache before this subscription existed.
	if err := s.checkPrincipal(ctx, p, false); err != nil {
		return nil, err
	}
	timer := s.clock.NewTimer(wait)
	defer timer.Stop()
	for {
		st, err = s.instructionState(ctx, merchantID, id)
		if err != nil || !st.Phase.Active() {
			return st, err
		}
		select {
		case <-sub.C():
		case <-revoked.C():
			if err := s.checkPrincipal(ctx, p, true); err != nil {
				return nil, err
			}
		case <-timer.C():
			return st, nil
		case <-s.drain:
			return st, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// CancelInstruction cancels an instruction of kind k whose card has not
// been read (or signature captured) yet. A device that holds it is told to
// stop. Once the card was read, or the instruction ended, it is
// CodeCannotBeCanceled, with a link to the result if there is one.
func (s *Service) CancelInstruction(ctx context.Context, merchantID string, k ferry.InstructionKind, id string) (*ferry.Instruction, error) {
	if !ferry.ValidInstructionID(id) {
		return nil, invalidInstructionID(k)
	}
	return s.transition(ctx, merchantID, id, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		if err := ofKind(k, in.Kind); err != nil {
			return "", "", err
		}
		switch in.Phase {
		case ferry.PhaseQueued:
			end(in, ferry.PhaseCanceled, true)
		case ferry.PhaseDelivered:
			end(in, ferry.PhaseCanceled, false) // the device must be told to stop
		default:
			return "", "", cannotCancel(in)
		}
		in.CanceledBy = ferry.CanceledByPOS
		return ferry.EventCanceled, "by the POS", nil
	})
}

func cannotCancel(in *ferry.Instruction) error {
	var msg string
	var link *ferry.Link
	switch in.Phase {
	case ferry.PhaseAuthorizing:
		msg = "The card has been read and the " + string(in.Kind) + " is being authorized"
	case ferry.PhaseCompleted:
		msg = "Completed instruction cannot be canceled"
		link = &ferry.Link{Rel: in.ResultRel, Method: "GET", Href: ferry.ResultPath(in.ResultRel) + in.ResultID}
	case ferry.PhaseFailure:
		msg = "Failed instruction cannot be canceled"
	default:
		msg = "Canceled instruction cannot be canceled"
	}
	return &ferry.Error{
		Code:    ferry.CodeCannotBeCanceled,
		Message: "You cannot cancel this resource in its current state",
		Fields:  []ferry.FieldError{{Parameter: in.Kind.IDParameter(), Message: msg}},
		Link:    link,
	}
}

// GetRefund returns the merchant's refund; another merchant's refund is
// CodeNotFound, like an unknown id.
func (s *Service) GetRefund(ctx context.Context, merchantID, refundID string) (*ferry.Refund, error) {
	if !ferry.ValidRefundID(refundID) {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "refundId", Detail: "invalid length", Message: "refundId must be exactly 10 characters"})
	}
	return s.store.RefundGet(ctx, merchantID, refundID)
}

// Events returns the merchant's instruction's history.
func (s *Service) Events(ctx context.Context, merchantID, id string) ([]*ferry.Event, error) {
	if _, err := s.GetInstruction(ctx, merchantID, id); err != nil {
		return nil, err
	}
	return s.store.EventList(ctx, id)
}
