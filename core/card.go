package core

import (
	"context"
	"slices"
	"time"

	"github.com/ferrygateway/ferry"
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
// completes the instruction with the refund. The processor is called at
// most once per instruction: only the call that moves the instruction out
// of delivered calls it, and the instruction's id is its idempotency key.
// A repeated call waits for that outcome and returns it.
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
		// From here the instruction belongs to the server: the device can
		// no longer cancel it or lose it, and the sweeper settles it if
		// this call dies before the processor answers.
		settle := tx.Now().Add(c.s.cfg.AuthorizeTimeout + authorizeGrace)
		in.Phase = ferry.PhaseAuthorizing
		in.Card = &masked
		in.LeaseExpiresAt = settle
		in.DeadlineAt = settle
		first = true
		return "card_read", masked.Type + " " + masked.CardNumber, nil
	})
	if err != nil {
		return nil, err
	}
	if first {
		return c.s.authorize(ctx, in, card)
	}
	return c.s.outcome(ctx, in)
}

// authorize calls the processor for an instruction in authorizing and
// completes it with the answer.
func (s *Service) authorize(ctx context.Context, in *ferry.Instruction, card ferry.CardRead) (*ferry.CardReadResult, error) {
	// The call runs to its own timeout even if the device hangs up: the
	// device learns the outcome by sending the card read again.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.AuthorizeTimeout)
	result, err := s.processor.Refund(actx, ferry.ProcessorRefund{
		Key:                  in.ID,
		MerchantID:           in.MerchantID,
		ProcessingTerminalID: in.Request.ProcessingTerminalID,
		Amount:               in.Amount(),
		Card:                 card,
	})
	cancel()
	if err != nil {
		s.log.Error("processor refund failed; the sweeper will settle the instruction",
			"instruction_id", in.ID, "err", err)
		return nil, &ferry.Error{Code: ferry.CodeUnavailable, RetryAfter: 1, Err: err,
			Message: "The processor did not answer; Ferry settles the outcome. Send the card read again to learn it"}
	}
	in, err = s.complete(ctx, in, result)
	if err != nil {
		return nil, err
	}
	return s.outcome(ctx, in)
}

// complete stores the refund for an instruction in authorizing and marks it
// completed. If the instruction was settled meanwhile, it is left alone.
func (s *Service) complete(ctx context.Context, in *ferry.Instruction, result ferry.TransactionResult) (*ferry.Instruction, error) {
	result.Type = ferry.TransactionTypeRefund
	result.Currency = in.Request.Order.Currency
	var err error
	for range 3 { // a new refund id on the (astronomically rare) collision
		var out *ferry.Instruction
		out, err = s.transition(ctx, in.MerchantID, in.ID, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
			if in.Phase != ferry.PhaseAuthorizing || in.Card == nil {
				return "", "", errNoChange
			}
			r := ferry.NewRefund(ferry.NewRefundID(), in, *in.Card, result, tx.Now())
			if err := tx.RefundInsert(ctx, r); err != nil {
				return "", "", err
			}
			end(in, ferry.PhaseCompleted, true)
			in.RefundID = r.RefundID
			return "completed", "refund " + r.RefundID + ": " + result.ResponseCode + " " + result.ResponseMessage, nil
		})
		if ferry.ErrorCode(err) != ferry.CodeConflict {
			return out, err
		}
	}
	return nil, err
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
				return nil, &ferry.Error{Code: ferry.CodeUnavailable, RetryAfter: 1,
					Message: "The refund is still being authorized; send the card read again to learn the outcome"}
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
	r, err := s.store.RefundGetByInstruction(ctx, in.MerchantID, in.ID)
	if err != nil {
		return nil, err
	}
	tr := r.TransactionResult
	res.Approved = tr.Approved()
	res.RefundID = r.RefundID
	res.ResponseCode = tr.ResponseCode
	res.ResponseMessage = tr.ResponseMessage
	res.ApprovalCode = tr.ApprovalCode
	res.CardNumber = r.Card.CardNumber
	return res, nil
}
