package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ferrygateway/ferry"
)

// CallOption adjusts one call.
type CallOption func(*call)

// WithIdempotencyKey sends key instead of a new random one: to repeat, in a
// new process, a submission whose answer was lost. Keep the body the same.
func WithIdempotencyKey(key string) CallOption { return func(c *call) { c.idempotencyKey = key } }

// CreateRefundInstruction sends a refund instruction to the device with the
// serial number. Every call gets a new idempotency key, and every retry of
// the call repeats it with the same body, so a retry never runs a refund
// twice. The answer has status inProgress.
func (c *Client) CreateRefundInstruction(ctx context.Context, serialNumber string, req ferry.RefundInstructionRequest, opts ...CallOption) (*ferry.RefundInstruction, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	cl := call{method: "POST", path: "/devices/" + url.PathEscape(serialNumber) + "/refund-instructions", body: body,
		idempotencyKey: ferry.NewIdempotencyKey()}
	for _, o := range opts {
		o(&cl)
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var in ferry.RefundInstruction
	return &in, decode(resp, &in)
}

// GetRefundInstruction asks once for an instruction. The server may hold
// the request until the status changes (up to about a minute) before it
// answers.
func (c *Client) GetRefundInstruction(ctx context.Context, id string) (*ferry.RefundInstruction, error) {
	resp, err := c.do(ctx, call{method: "GET", path: "/refund-instructions/" + url.PathEscape(id), timeout: PollTimeout})
	if err != nil {
		return nil, err
	}
	var in ferry.RefundInstruction
	return &in, decode(resp, &in)
}

// WaitRefundInstruction long-polls until the instruction leaves inProgress,
// sending each request only after the previous one answered, as Payroc
// asks. onUpdate, if not nil, sees every answer whose status differs from
// the one before (the first answer included). It returns when the status is
// completed, failure or canceled, or when ctx ends.
func (c *Client) WaitRefundInstruction(ctx context.Context, id string, onUpdate func(*ferry.RefundInstruction)) (*ferry.RefundInstruction, error) {
	var last ferry.Status
	for {
		in, err := c.GetRefundInstruction(ctx, id)
		if err != nil {
			return nil, err
		}
		if onUpdate != nil && in.Status != last {
			onUpdate(in)
		}
		last = in.Status
		if in.Status != ferry.StatusInProgress {
			return in, nil
		}
		if err := ctx.Err(); err != nil {
			return in, err
		}
	}
}

// CancelRefundInstruction cancels an instruction whose card has not been
// read yet. Afterwards it is an *Error with Code ferry.CodeCannotBeCanceled
// (and a Link to the refund if there is one). If a retry finds the
// instruction already canceled, its first attempt did the job: that is
// success.
func (c *Client) CancelRefundInstruction(ctx context.Context, id string) error {
	resp, err := c.do(ctx, call{method: "DELETE", path: "/refund-instructions/" + url.PathEscape(id)})
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Code == ferry.CodeCannotBeCanceled && resp != nil && resp.attempts > 1 {
		// An ended instruction is answered at once.
		if in, gerr := c.GetRefundInstruction(ctx, id); gerr == nil && in.Status == ferry.StatusCanceled {
			return nil
		}
	}
	return err
}

// GetRefund returns a refund: approved or declined, it is on
// TransactionResult.
func (c *Client) GetRefund(ctx context.Context, refundID string) (*ferry.Refund, error) {
	resp, err := c.do(ctx, call{method: "GET", path: "/refunds/" + url.PathEscape(refundID)})
	if err != nil {
		return nil, err
	}
	var r ferry.Refund
	return &r, decode(resp, &r)
}

// RefundOf returns the refund a completed instruction links to.
func (c *Client) RefundOf(ctx context.Context, in *ferry.RefundInstruction) (*ferry.Refund, error) {
	id, ok := RefundID(in)
	if !ok {
		return nil, fmt.Errorf("client: instruction %s is %s and links to no refund", in.RefundInstructionID, in.Status)
	}
	return c.GetRefund(ctx, id)
}

// RefundID takes the refund id from a completed instruction's link, the
// only place Payroc gives it.
func RefundID(in *ferry.RefundInstruction) (string, bool) {
	if in == nil || in.Status != ferry.StatusCompleted || in.Link == nil || in.Link.Rel != "refund" {
		return "", false
	}
	u, err := url.Parse(in.Link.Href)
	if err != nil {
		return "", false
	}
	i := strings.LastIndex(u.Path, "/refunds/")
	if i < 0 {
		return "", false
	}
	id := u.Path[i+len("/refunds/"):]
	return id, ferry.ValidRefundID(id)
}
