package agent

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
)

// Console is a cardholder at a terminal: it shows each instruction and
// reads what the person does, a line at a time, from In.
type Console struct {
	In  io.Reader
	Out io.Writer
	// Now gives the time for checking expiry dates. Default: time.Now.
	Now func() time.Time

	once  sync.Once
	lines chan string
}

// readLines feeds In's lines to c.lines; it closes c.lines at the end.
func (c *Console) start() {
	c.once.Do(func() {
		c.lines = make(chan string)
		go func() {
			defer close(c.lines)
			sc := bufio.NewScanner(c.In)
			for sc.Scan() {
				c.lines <- strings.TrimSpace(sc.Text())
			}
		}()
	})
}

// errInputClosed ends Present when the input ends.
var errInputClosed = fmt.Errorf("input closed")

// readLine prompts and waits for a line, or for ctx to end.
func (c *Console) readLine(ctx context.Context, prompt string) (string, error) {
	c.start()
	fmt.Fprint(c.Out, prompt)
	select {
	case line, ok := <-c.lines:
		if !ok {
			return "", errInputClosed
		}
		return line, nil
	case <-ctx.Done():
		fmt.Fprintln(c.Out)
		return "", ctx.Err()
	}
}

// Present shows the instruction and asks what the cardholder does, as the
// entry method allows: present the sandbox card, key in a card, cancel, or
// report a failure.
func (c *Console) Present(ctx context.Context, a *ferry.Assignment) (Action, error) {
	read := a.EntryMethod != ferry.EntryManualEntry
	keyed := a.EntryMethod == ferry.EntryManualEntry || a.EntryMethod == ferry.EntryDeviceReadOrManualEntry
	fmt.Fprintf(c.Out, "\n── %s %s ──\n", strings.ToUpper(string(a.Kind[:1]))+string(a.Kind[1:]), a.Money())
	fmt.Fprintf(c.Out, "   order %s", a.OrderID)
	if a.Description != "" {
		fmt.Fprintf(c.Out, " · %q", a.Description)
	}
	if a.Operator != "" {
		fmt.Fprintf(c.Out, " · operator %s", a.Operator)
	}
	fmt.Fprintln(c.Out)
	var menu []string
	if read {
		menu = append(menu, "[Enter] present the sandbox card")
	}
	if keyed {
		menu = append(menu, "[k] key in a card")
	}
	menu = append(menu, "[c] cancel", "[f] fail")
	fmt.Fprintf(c.Out, "   %s\n", strings.Join(menu, "   "))
	for {
		line, err := c.readLine(ctx, "> ")
		if err != nil {
			return Action{}, err
		}
		switch strings.ToLower(line) {
		case "", "p":
			if !read {
				fmt.Fprintln(c.Out, "   This instruction asks for a keyed card: type k.")
				continue
			}
			return Action{Kind: ActionCard, Card: ferry.SandboxCard}, nil
		case "k":
			if !keyed {
				fmt.Fprintln(c.Out, "   This instruction asks for a card read: press Enter.")
				continue
			}
			card, err := c.keyIn(ctx)
			if err != nil {
				return Action{}, err
			}
			return Action{Kind: ActionCard, Card: card}, nil
		case "c":
			return Action{Kind: ActionCancel}, nil
		case "f":
			reason, err := c.readLine(ctx, "   Reason: ")
			if err != nil {
				return Action{}, err
			}
			return Action{Kind: ActionFail, Reason: reason}, nil
		default:
			fmt.Fprintf(c.Out, "   %s\n", strings.Join(menu, "   "))
		}
	}
}

// keyIn asks for a card number and expiry until both are valid.
func (c *Console) keyIn(ctx context.Context) (ferry.CardRead, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	for {
		pan, err := c.readLine(ctx, "   Card number: ")
		if err != nil {
			return ferry.CardRead{}, err
		}
		pan = strings.NewReplacer(" ", "", "-", "").Replace(pan)
		if !ferry.ValidCardNumber(pan) {
			fmt.Fprintln(c.Out, "   That is not a valid card number (13 to 19 digits that pass the Luhn check).")
			continue
		}
		for {
			exp, err := c.readLine(ctx, "   Expiry (MMYY): ")
			if err != nil {
				return ferry.CardRead{}, err
			}
			exp = strings.ReplaceAll(exp, "/", "")
			if ferry.ValidExpiry(exp, now()) {
				return ferry.CardRead{CardNumber: pan, ExpiryDate: exp, EntryMethod: ferry.EntryMethodKeyed}, nil
			}
			fmt.Fprintln(c.Out, "   That is not a valid expiry date in the future (MMYY).")
		}
	}
}

// Show prints how the instruction ended.
func (c *Console) Show(a *ferry.Assignment, r *Result) {
	switch {
	case r.Refund != nil && r.Refund.Status == ferry.StatusCompleted && r.Refund.Approved:
		fmt.Fprintf(c.Out, "   ✔ Approved: refund %s of %s to %s, approval code %s\n",
			r.Refund.RefundID, a.Money(), r.Refund.CardNumber, r.Refund.ApprovalCode)
	case r.Refund != nil && r.Refund.Status == ferry.StatusCompleted:
		fmt.Fprintf(c.Out, "   ✘ Declined (%s %s): refund %s\n", r.Refund.ResponseCode, r.Refund.ResponseMessage, r.Refund.RefundID)
	case r.Status == ferry.StatusCanceled:
		fmt.Fprintf(c.Out, "   ✘ Canceled: %s\n", r.Reason)
	default:
		fmt.Fprintf(c.Out, "   ✘ %s: %s\n", r.Status, r.Reason)
	}
}
