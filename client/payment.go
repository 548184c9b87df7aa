package client

import (
	"context"
	"fmt"
	"net/url"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// CreatePaymentInstruction sends a payment instruction (a sale, or a
// pre-authorization with AutoCapture false) to the device with the serial
// number. The answer has status inProgress.
func (c *Client) CreatePaymentInstruction(ctx context.Context, serialNumber string, req payroc.PaymentInstructionRequest, opts ...CallOption) (*payroc.PaymentInstruction, error) {
	var in payroc.PaymentInstruction
	return &in, c.submit(ctx, ferry.KindPayment, serialNumber, req, &in, opts)
}

// GetPaymentInstruction asks once for a payment instruction; the server
// may hold the request until the status changes.
func (c *Client) GetPaymentInstruction(ctx context.Context, id string) (*payroc.PaymentInstruction, error) {
	var in payroc.PaymentInstruction
	return &in, c.get(ctx, ferry.KindPayment, id, &in)
}

// WaitPaymentInstruction long-polls until the instruction leaves
// inProgress, as WaitRefundInstruction does.
func (c *Client) WaitPaymentInstruction(ctx context.Context, id string, onUpdate func(*payroc.PaymentInstruction)) (*payroc.PaymentInstruction, error) {
	return wait(ctx, func() (*payroc.PaymentInstruction, error) { return c.GetPaymentInstruction(ctx, id) },
		func(in *payroc.PaymentInstruction) ferry.Status { return in.Status }, onUpdate)
}

// CancelPaymentInstruction cancels a payment instruction whose card has
// not been read yet.
func (c *Client) CancelPaymentInstruction(ctx context.Context, id string) error {
	return c.cancel(ctx, ferry.KindPayment, id, func() (ferry.Status, error) {
		in, err := c.GetPaymentInstruction(ctx, id)
		if err != nil {
			return "", err
		}
		return in.Status, nil
	})
}

// GetPayment returns a payment: approved, partly approved or declined, it
// is on TransactionResult.
func (c *Client) GetPayment(ctx context.Context, paymentID string) (*ferry.Payment, error) {
	var p ferry.Payment
	return &p, c.getResource(ctx, "/payments/"+url.PathEscape(paymentID), &p)
}

// PaymentOf returns the payment a completed instruction links to.
func (c *Client) PaymentOf(ctx context.Context, in *payroc.PaymentInstruction) (*ferry.Payment, error) {
	id, ok := PaymentID(in)
	if !ok {
		return nil, fmt.Errorf("client: instruction %s is %s and links to no payment", in.PaymentInstructionID, in.Status)
	}
	return c.GetPayment(ctx, id)
}

// PaymentID takes the payment id from a completed instruction's link. A
// closed-loop read links elsewhere (see ClosedLoopReadID).
func PaymentID(in *payroc.PaymentInstruction) (string, bool) {
	if in == nil {
		return "", false
	}
	return linkID(in.Status, in.Link, ferry.RelPayment)
}

// ClosedLoopReadID takes the closed-loop read's id from a completed
// instruction's link.
func ClosedLoopReadID(in *payroc.PaymentInstruction) (string, bool) {
	if in == nil {
		return "", false
	}
	return linkID(in.Status, in.Link, ferry.RelClosedLoopRead)
}

// GetClosedLoopRead returns what a device read from a closed-loop card.
func (c *Client) GetClosedLoopRead(ctx context.Context, id string) (*ferry.ClosedLoopRead, error) {
	var r ferry.ClosedLoopRead
	return &r, c.getResource(ctx, "/closed-loop-reads/"+url.PathEscape(id), &r)
}

// CreateSignatureInstruction asks the device to capture the cardholder's
// signature. The answer has status inProgress.
func (c *Client) CreateSignatureInstruction(ctx context.Context, serialNumber, processingTerminalID string, opts ...CallOption) (*payroc.SignatureInstruction, error) {
	var in payroc.SignatureInstruction
	req := payroc.SignatureInstructionRequest{ProcessingTerminalID: processingTerminalID}
	return &in, c.submit(ctx, ferry.KindSignature, serialNumber, req, &in, opts)
}

// GetSignatureInstruction asks once for a signature instruction.
func (c *Client) GetSignatureInstruction(ctx context.Context, id string) (*payroc.SignatureInstruction, error) {
	var in payroc.SignatureInstruction
	return &in, c.get(ctx, ferry.KindSignature, id, &in)
}

// WaitSignatureInstruction long-polls until the instruction leaves
// inProgress.
func (c *Client) WaitSignatureInstruction(ctx context.Context, id string, onUpdate func(*payroc.SignatureInstruction)) (*payroc.SignatureInstruction, error) {
	return wait(ctx, func() (*payroc.SignatureInstruction, error) { return c.GetSignatureInstruction(ctx, id) },
		func(in *payroc.SignatureInstruction) ferry.Status { return in.Status }, onUpdate)
}

// CancelSignatureInstruction cancels a signature instruction that has not
// been signed yet.
func (c *Client) CancelSignatureInstruction(ctx context.Context, id string) error {
	return c.cancel(ctx, ferry.KindSignature, id, func() (ferry.Status, error) {
		in, err := c.GetSignatureInstruction(ctx, id)
		if err != nil {
			return "", err
		}
		return in.Status, nil
	})
}

// GetSignature returns a signature; its Image holds the decoded bytes.
func (c *Client) GetSignature(ctx context.Context, signatureID string) (*ferry.Signature, error) {
	var s ferry.Signature
	return &s, c.getResource(ctx, "/signatures/"+url.PathEscape(signatureID), &s)
}

// SignatureOf returns the signature a completed instruction links to.
func (c *Client) SignatureOf(ctx context.Context, in *payroc.SignatureInstruction) (*ferry.Signature, error) {
	id, ok := linkID(in.Status, in.Link, ferry.RelSignature)
	if !ok {
		return nil, fmt.Errorf("client: instruction %s is %s and links to no signature", in.SignatureInstructionID, in.Status)
	}
	return c.GetSignature(ctx, id)
}
