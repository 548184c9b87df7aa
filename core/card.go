package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

var entryMethods = []string{"icc", "keyed", "swiped", "swipedFallback", "contactlessIcc", "contactlessMsr"}

// checkCard validates what a device read. The card number itself never
// appears in a message.
func checkCard(card *ferry.CardRead, now time.Time) error {
	var fields []ferry.FieldError
	if !ferry.ValidCardNumber(card.CardNumber) {
		fields = append(fields, ferry.FieldError{Parameter: "cardNumber", Detail: "invalid",
			Message: "cardNumber must be 13 to 19 digits that pass the Luhn check"})
	}
	if !ferry.ValidExpiry(card.ExpiryDate, now) {
		fields = append(fields, ferry.FieldError{Parameter: "expiryDate", Detail: "invalid",
			Message: "expiryDate must be a month and year, MMYY, that has not passed"})
	}
	if card.EntryMethod == "" {
		card.EntryMethod = ferry.EntryMethodICC
	}
	if !slices.Contains(entryMethods, card.EntryMethod) {
		fields = append(fields, ferry.FieldError{Parameter: "entryMethod", Detail: "not allowed",
			Message: "entryMethod must be one of icc, keyed, swiped, swipedFallback, contactlessIcc, contactlessMsr"})
	}
	if len(fields) > 0 {
		return &ferry.Error{Code: ferry.CodeInvalid, Message: "The card read is not valid", Fields: fields}
	}
	return nil
}

// CardRead moves the instruction to authorizing, asks the processor, and
// completes the instruction with the refund or payment. The processor is
// called at most once per instruction: only the call that moves the
// instruction out of delivered calls it, and the instruction's id is its
// idempotency key. A repeated call waits for that outcome and returns it.
func (c *deviceConn) CardRead(ctx context.Context, l ferry.Lease, card ferry.CardRead) (*ferry.CardReadResult, error) {
	if err := checkCard(&card, c.s.clock.Now()); err != nil {
		return nil, err
	}
	masked := ferry.Card{
		Type:           ferry.CardBrand(card.CardNumber),
		EntryMethod:    card.EntryMethod,
		CardholderName: cleanText(card.CardholderName, 50),
		CardNumber:     ferry.MaskCardNumber(card.CardNumber),
		ExpiryDate:     card.ExpiryDate,
	}
	var first bool
	in, err := c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		first = false
		if in.Phase != ferry.PhaseDelivered {
			return "", "", errNoChange
		}
		if !kinds[in.Kind].readsCard {
			return "", "", wrongCall(in, ferry.DeviceCallCardRead)
		}
		if r, ok := in.Request.(*payroc.PaymentInstructionRequest); ok {
			if r.ClosedLoop() != "" {
				return "", "", wrongCall(in, ferry.DeviceCallCardRead)
			}
			sale, err := saleRead(r, card)
			if err != nil {
				return "", "", err
			}
			in.Sale = &sale
		}
		// From here the instruction belongs to the server: the device can
		// no longer cancel it or lose it, and the sweeper settles it if
		// this call dies before the processor answers.
		settle := tx.Now().Add(c.s.cfg.AuthorizeTimeout + authorizeGrace)
		in.Phase = ferry.PhaseAuthorizing
		in.Card = &masked
		in.LeaseExpiresAt = settle
		in.DeadlineAt = settle
		first = true
		return ferry.EventCardRead, masked.Type + " " + masked.CardNumber, nil
	})
	if err != nil {
		return nil, err
	}
	if first {
		return c.s.authorize(ctx, in, card)
	}
	return c.s.outcome(ctx, in)
}

// wrongCall is the error for a device call that the instruction's kind
// does not take.
func wrongCall(in *ferry.Instruction, call string) error {
	return &ferry.Error{Code: ferry.CodeInvalid,
		Message: fmt.Sprintf("A %s does not take a %s call", in.Kind.Noun(), call)}
}

// authorize calls the processor for an instruction in authorizing and
// completes it with the answer.
func (s *Service) authorize(ctx context.Context, in *ferry.Instruction, card ferry.CardRead) (*ferry.CardReadResult, error) {
	// The call runs to its own timeout even if the device hangs up: the
	// device learns the outcome by sending the card read again.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.AuthorizeTimeout)
	result, err := kinds[in.Kind].authorize(actx, s.processor, in, card)
	cancel()
	if err != nil {
		s.log.Error("processor call failed; the sweeper will settle the instruction",
			"instruction_id", in.ID, "kind", in.Kind, "err", err)
		return nil, &ferry.Error{Code: ferry.CodeUnavailable, RetryAfter: 1, Err: err,
			Message: "The processor did not answer; Ferry settles the outcome. Send the card read again to learn it"}
	}
	in, err = s.complete(ctx, in, result)
	if err != nil {
		return nil, err
	}
	return s.outcome(ctx, in)
}

// complete stores the resource for an instruction in authorizing and marks
// it completed. If the instruction was settled meanwhile, it is left alone.
func (s *Service) complete(ctx context.Context, in *ferry.Instruction, result ferry.TransactionResult) (*ferry.Instruction, error) {
	var err error
	for range 3 { // a new id on the (astronomically rare) collision
		var out *ferry.Instruction
		out, err = s.transition(ctx, in.MerchantID, in.ID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
			if in.Phase != ferry.PhaseAuthorizing || in.Card == nil {
				return "", "", errNoChange
			}
			id, rel, detail, err := kinds[in.Kind].record(ctx, tx, in, result)
			if err != nil {
				return "", "", err
			}
			end(in, ferry.PhaseCompleted, true)
			in.ResultID, in.ResultRel = id, rel
			return ferry.EventCompleted, detail, nil
		})
		if ferry.ErrorCode(err) != ferry.CodeConflict {
			return out, err
		}
	}
	return nil, err
}

// finish completes a delivered instruction with a resource that needs no
// processor (a signature, a closed-loop read): insert stores it under id.
// A repeated call with the same lease gets the same outcome.
func (c *deviceConn) finish(ctx context.Context, l ferry.Lease, call string, accept func(*ferry.Instruction) bool,
	rel string, insert func(tx ferry.Tx, in *ferry.Instruction, id string) error) (*ferry.CardReadResult, error) {
	var err error
	for range 3 { // a new id on the (astronomically rare) collision
		var in *ferry.Instruction
		in, err = c.held(ctx, l, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
			if in.Phase != ferry.PhaseDelivered {
				return "", "", errNoChange
			}
			if !accept(in) {
				return "", "", wrongCall(in, call)
			}
			id := ferry.NewRefundID()
			if err := insert(tx, in, id); err != nil {
				return "", "", err
			}
			end(in, ferry.PhaseCompleted, true)
			in.ResultID, in.ResultRel = id, rel
			return ferry.EventCompleted, rel + " " + id, nil
		})
		if ferry.ErrorCode(err) != ferry.CodeConflict {
			if err != nil {
				return nil, err
			}
			return c.s.outcome(ctx, in)
		}
	}
	return nil, err
}

// Signature completes a signature instruction with the image.
func (c *deviceConn) Signature(ctx context.Context, l ferry.Lease, sig ferry.SignatureCapture) (*ferry.CardReadResult, error) {
	if len(sig.Image) > ferry.MaxSignatureImage || !ferry.ValidSignatureImage(sig.ContentType, sig.Image) {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "signature.image", Detail: "invalid",
			Message: "signature.image must be a PNG or JPEG image of its contentType, at most 256 KiB"})
	}
	return c.finish(ctx, l, ferry.DeviceCallSignature,
		func(in *ferry.Instruction) bool { return in.Kind == ferry.KindSignature },
		ferry.RelSignature, func(tx ferry.Tx, in *ferry.Instruction, id string) error {
			return tx.SignatureInsert(ctx, &ferry.Signature{
				SignatureID:          id,
				ProcessingTerminalID: in.Request.Terminal(),
				ContentType:          sig.ContentType,
				Image:                sig.Image,
				MerchantID:           in.MerchantID,
				InstructionID:        in.ID,
				CreatedAt:            tx.Now(),
			})
		})
}

// ClosedLoopRead completes a payment instruction for a closed-loop card
// with what the device read. Card numbers in the data are masked.
func (c *deviceConn) ClosedLoopRead(ctx context.Context, l ferry.Lease, data []byte) (*ferry.CardReadResult, error) {
	clean, err := cleanData(data)
	if err != nil {
		return nil, err
	}
	return c.finish(ctx, l, ferry.DeviceCallClosedLoopRead,
		func(in *ferry.Instruction) bool {
			r, ok := in.Request.(*payroc.PaymentInstructionRequest)
			return ok && r.ClosedLoop() != ""
		},
		ferry.RelClosedLoopRead, func(tx ferry.Tx, in *ferry.Instruction, id string) error {
			return tx.ClosedLoopReadInsert(ctx, &ferry.ClosedLoopRead{
				ClosedLoopReadID:     id,
				ProcessingTerminalID: in.Request.Terminal(),
				Data:                 clean,
				MerchantID:           in.MerchantID,
				InstructionID:        in.ID,
				ReadAt:               tx.Now(),
			})
		})
}

// cleanData makes a device's free-form JSON object safe to store: every
// string in it, member names too, is cleaned like device text (card
// numbers masked, control characters gone, at most 256 characters).
func cleanData(data []byte) (json.RawMessage, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "data", Detail: "invalid", Message: "data must be a JSON object"})
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "data", Detail: "wrong type", Message: "data must be a JSON object"})
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return cleanText(v, 256)
		case json.Number:
			if ferry.HasCardNumber(v.String()) {
				return cleanText(v.String(), 256)
			}
			return v
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
			return v
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, x := range v {
				out[cleanText(k, 64)] = walk(x)
			}
			return out
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil || len(out) > ferry.MaxClosedLoopData {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "data", Detail: "too large", Message: "data must be at most 4 KiB of JSON"})
	}
	return out, nil
}

func stillAuthorizing() error {
	return &ferry.Error{Code: ferry.CodeUnavailable, RetryAfter: 1,
		Message: "The card is still being authorized; send the card read again to learn the outcome"}
}

// outcome waits while in is authorizing, then describes its end to the
// device.
func (s *Service) outcome(ctx context.Context, in *ferry.Instruction) (*ferry.CardReadResult, error) {
	if in.Phase == ferry.PhaseAuthorizing {
		sub := s.notifier.Subscribe(ferry.InstructionTopic(in.ID))
		defer sub.Close()
		timer := s.clock.NewTimer(s.cfg.AuthorizeTimeout + 2*authorizeGrace)
		defer timer.Stop()
		for {
			var err error
			if in, err = s.store.InstructionGet(ctx, in.MerchantID, in.ID); err != nil {
				return nil, err
			}
			if in.Phase != ferry.PhaseAuthorizing {
				break
			}
			select {
			case <-sub.C():
			case <-timer.C():
				return nil, stillAuthorizing()
			case <-s.drain: // shutting down: another instance will know
				return nil, stillAuthorizing()
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	res := &ferry.CardReadResult{Status: in.Phase.Status()}
	if in.Phase != ferry.PhaseCompleted {
		res.Reason = leaseState(in).Reason
		return res, nil
	}
	var tr ferry.TransactionResult
	var card ferry.Card
	switch in.ResultRel {
	case ferry.RelRefund:
		r, err := s.store.RefundGet(ctx, in.MerchantID, in.ResultID)
		if err != nil {
			return nil, err
		}
		res.RefundID, tr, card = r.RefundID, r.TransactionResult, r.Card
	case ferry.RelPayment:
		p, err := s.store.PaymentGet(ctx, in.MerchantID, in.ResultID)
		if err != nil {
			return nil, err
		}
		res.PaymentID, tr, card = p.PaymentID, p.TransactionResult, p.Card.Card
		res.AuthorizedAmount = tr.AuthorizedAmount
	case ferry.RelSignature:
		res.Approved, res.SignatureID = true, in.ResultID
		return res, nil
	case ferry.RelClosedLoopRead:
		res.Approved, res.ClosedLoopReadID = true, in.ResultID
		return res, nil
	}
	res.Approved = tr.Approved() || tr.ResponseCode == ferry.ResponsePartial
	res.ResponseCode = tr.ResponseCode
	res.ResponseMessage = tr.ResponseMessage
	res.ApprovalCode = tr.ApprovalCode
	res.CardNumber = card.CardNumber
	return res, nil
}
