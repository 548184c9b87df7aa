package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// CallOption adjusts one call.
type CallOption func(*call)

// WithIdempotencyKey sends key instead of a new random one: to repeat, in a
// new process, a submission whose answer was lost. Keep the body the same.
func WithIdempotencyKey(key string) CallOption { return func(c *call) { c.idempotencyKey = key } }

// submit sends an instruction of kind k to the device with the serial
// number. Every call gets a new idempotency key, and every retry of the
// call repeats it with the same body, so a retry never runs an instruction
// twice.
func (c *Client) submit(ctx context.Context, k ferry.InstructionKind, serialNumber string, req, out any, opts []CallOption) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	cl := call{method: "POST", path: "/devices/" + url.PathEscape(serialNumber) + "/" + string(k) + "-instructions", body: body,
		idempotencyKey: ferry.NewIdempotencyKey()}
	for _, o := range opts {
		o(&cl)
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return decode(resp, out)
}

// get asks once for an instruction of kind k. The server may hold the
// request until the status changes (up to about a minute).
func (c *Client) get(ctx context.Context, k ferry.InstructionKind, id string, out any) error {
	resp, err := c.do(ctx, call{method: "GET", path: "/" + string(k) + "-instructions/" + url.PathEscape(id), timeout: PollTimeout})
	if err != nil {
		return err
	}
	return decode(resp, out)
}

// wait long-polls with get until the status leaves inProgress, sending
// each request only after the previous one answered, as Payroc asks.
// onUpdate, if not nil, sees every answer whose status differs from the one
// before (the first answer included).
func wait[T any](ctx context.Context, get func() (*T, error), status func(*T) ferry.Status, onUpdate func(*T)) (*T, error) {
	var last ferry.Status
	for {
		in, err := get()
		if err != nil {
			return nil, err
		}
		st := status(in)
		if onUpdate != nil && st != last {
			onUpdate(in)
		}
		last = st
		if st != ferry.StatusInProgress {
			return in, nil
		}
		if err := ctx.Err(); err != nil {
			return in, err
		}
	}
}

// cancel cancels an instruction of kind k. If a retry finds the
// instruction already canceled, its first attempt did the job: that is
// success.
func (c *Client) cancel(ctx context.Context, k ferry.InstructionKind, id string, status func() (ferry.Status, error)) error {
	resp, err := c.do(ctx, call{method: "DELETE", path: "/" + string(k) + "-instructions/" + url.PathEscape(id)})
	var apiErr *Error
	if errors.As(err, &apiErr) && apiErr.Code == ferry.CodeCannotBeCanceled && resp != nil && resp.attempts > 1 {
		// An ended instruction is answered at once.
		if st, gerr := status(); gerr == nil && st == ferry.StatusCanceled {
			return nil
		}
	}
	return err
}

// getResource fetches a resource by path into out.
func (c *Client) getResource(ctx context.Context, path string, out any) error {
	resp, err := c.do(ctx, call{method: "GET", path: path})
	if err != nil {
		return err
	}
	return decode(resp, out)
}

// linkID takes the id of the resource a completed instruction links to
// with rel, from the link, the only place Payroc gives it.
func linkID(status ferry.Status, link *ferry.Link, rel string) (string, bool) {
	if status != ferry.StatusCompleted || link == nil || link.Rel != rel {
		return "", false
	}
	u, err := url.Parse(link.Href)
	if err != nil {
		return "", false
	}
	prefix := strings.TrimPrefix(ferry.ResultPath(rel), "/v1")
	i := strings.LastIndex(u.Path, prefix)
	if i < 0 {
		return "", false
	}
	id := u.Path[i+len(prefix):]
	return id, ferry.ValidRefundID(id)
}

// CreateRefundInstruction sends a refund instruction to the device with the
// serial number. The answer has status inProgress.
func (c *Client) CreateRefundInstruction(ctx context.Context, serialNumber string, req payroc.RefundInstructionRequest, opts ...CallOption) (*payroc.RefundInstruction, error) {
	var in payroc.RefundInstruction
	return &in, c.submit(ctx, ferry.KindRefund, serialNumber, req, &in, opts)
}

// GetRefundInstruction asks once for an instruction. The server may hold
// the request until the status changes (up to about a minute) before it
// answers.
func (c *Client) GetRefundInstruction(ctx context.Context, id string) (*payroc.RefundInstruction, error) {
	var in payroc.RefundInstruction
	return &in, c.get(ctx, ferry.KindRefund, id, &in)
}

// WaitRefundInstruction long-polls until the instruction leaves inProgress.
// onUpdate, if not nil, sees every answer whose status differs from the one
// before (the first answer included). It returns when the status is
// completed, failure or canceled, or when ctx ends.
func (c *Client) WaitRefundInstruction(ctx context.Context, id string, onUpdate func(*payroc.RefundInstruction)) (*payroc.RefundInstruction, error) {
	return wait(ctx, func() (*payroc.RefundInstruction, error) { return c.GetRefundInstruction(ctx, id) },
		func(in *payroc.RefundInstruction) ferry.Status { return in.Status }, onUpdate)
}

// CancelRefundInstruction cancels an instruction whose card has not been
// read yet. Afterwards it is an *Error with Code ferry.CodeCannotBeCanceled
// (and a Link to the refund if there is one).
func (c *Client) CancelRefundInstruction(ctx context.Context, id string) error {
	return c.cancel(ctx, ferry.KindRefund, id, func() (ferry.Status, error) {
		in, err := c.GetRefundInstruction(ctx, id)
		if err != nil {
			return "", err
		}
		return in.Status, nil
	})
}

// GetRefund returns a refund: approved or declined, it is on
// TransactionResult.
func (c *Client) GetRefund(ctx context.Context, refundID string) (*ferry.Refund, error) {
	var r ferry.Refund
	return &r, c.getResource(ctx, "/refunds/"+url.PathEscape(refundID), &r)
}

// RefundOf returns the refund a completed instruction links to.
func (c *Client) RefundOf(ctx context.Context, in *payroc.RefundInstruction) (*ferry.Refund, error) {
	id, ok := RefundID(in)
	if !ok {
		return nil, fmt.Errorf("client: instruction %s is %s and links to no refund", in.RefundInstructionID, in.Status)
	}
	return c.GetRefund(ctx, id)
}

// RefundID takes the refund id from a completed instruction's link.
func RefundID(in *payroc.RefundInstruction) (string, bool) {
	if in == nil {
		return "", false
	}
	return linkID(in.Status, in.Link, ferry.RelRefund)
}
