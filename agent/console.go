package agent

import (
	"bufio"
	"context"
	"encoding/json"
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
	if a.Kind == ferry.KindSignature {
		return c.sign(ctx, a)
	}
	act, err := c.card(ctx, a)
	if err != nil || act.Kind != ActionCard || a.Payment == nil {
		return act, err
	}
	if p := a.Payment; len(p.TipPrompt) > 0 {
		tip, err := c.tip(ctx, p)
		if err != nil {
			return Action{}, err
		}
		act.Card.TipAmount = &tip
	}
	act.Card.DualPricingApplied = a.Payment.DualPricing > 0
	return act, nil
}

// sign asks the cardholder to sign; the console draws the signature.
func (c *Console) sign(ctx context.Context, a *ferry.Assignment) (Action, error) {
	fmt.Fprintf(c.Out, "\n── Signature ──\n   [Enter] sign   [c] cancel   [f] fail\n")
	for {
		line, err := c.readLine(ctx, "> ")
		if err != nil {
			return Action{}, err
		}
		switch strings.ToLower(line) {
		case "", "s":
			return Action{Kind: ActionSignature, Signature: ferry.SignatureCapture{
				ContentType: "image/png", Image: SignatureImage(a.InstructionID)}}, nil
		case "c", "f":
			return c.stop(ctx, line)
		}
	}
}

// stop is the cardholder's cancel ("c") or the device's failure ("f"),
// with the reason asked for.
func (c *Console) stop(ctx context.Context, key string) (Action, error) {
	if key == "c" {
		return Action{Kind: ActionCancel}, nil
	}
	reason, err := c.readLine(ctx, "   Reason: ")
	if err != nil {
		return Action{}, err
	}
	return Action{Kind: ActionFail, Reason: reason}, nil
}

// tip asks for a tip among the suggested percentages of the subtotal.
func (c *Console) tip(ctx context.Context, p *ferry.SaleOptions) (int64, error) {
	var menu []string
	for i, pct := range p.TipPrompt {
		menu = append(menu, fmt.Sprintf("[%d] %s%%", i+1, pct))
	}
	menu = append(menu, "[n] no tip")
	fmt.Fprintf(c.Out, "   Add a tip?  %s\n", strings.Join(menu, "   "))
	for {
		line, err := c.readLine(ctx, "> ")
		if err != nil {
			return 0, err
		}
		if strings.EqualFold(line, "n") {
			return 0, nil
		}
		var i int
		if _, err := fmt.Sscanf(line, "%d", &i); err == nil && i >= 1 && i <= len(p.TipPrompt) {
			return ferry.PercentOf(p.Subtotal, json.Number(p.TipPrompt[i-1])), nil
		}
	}
}

// card shows a refund or payment and asks for the card.
func (c *Console) card(ctx context.Context, a *ferry.Assignment) (Action, error) {
	if p := a.Payment; p != nil && p.ClosedLoop != "" {
		fmt.Fprintf(c.Out, "\n── Closed-loop card (%s) ──\n   [Enter] present the sandbox card   [c] cancel\n", p.ClosedLoop)
		for {
			line, err := c.readLine(ctx, "> ")
			if err != nil {
				return Action{}, err
			}
			switch strings.ToLower(line) {
			case "", "p":
				return Action{Kind: ActionClosedLoop, Data: SandboxClosedLoopData(p.ClosedLoop)}, nil
			case "c":
				return Action{Kind: ActionCancel}, nil
			}
		}
	}
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
	if p := a.Payment; p != nil && p.DualPricing > 0 {
		card := ferry.Money{Amount: a.Amount + p.DualPricing, Currency: a.Currency}
		fmt.Fprintf(c.Out, "   card price %s · %s price %s\n", card, p.AlternativeTender, a.Money())
	}
	if p := a.Payment; p != nil && p.PreAuthorization {
		fmt.Fprintln(c.Out, "   pre-authorization: the amount is held, not charged")
	}
	if p := a.Payment; p != nil && p.Cashback > 0 {
		fmt.Fprintf(c.Out, "   cashback %s, part of the amount: hand it to the cardholder\n", ferry.Money{Amount: p.Cashback, Currency: a.Currency})
	}
	if p := a.Payment; p != nil && p.EBT != "" {
		fmt.Fprintf(c.Out, "   EBT %s\n", p.EBT)
	}
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
		case "c", "f":
			return c.stop(ctx, line)
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
	case r.Refund != nil && r.Refund.SignatureID != "":
		fmt.Fprintf(c.Out, "   ✔ Signed: signature %s\n", r.Refund.SignatureID)
	case r.Refund != nil && r.Refund.ClosedLoopReadID != "":
		fmt.Fprintf(c.Out, "   ✔ Read: closed-loop read %s\n", r.Refund.ClosedLoopReadID)
	case r.Refund != nil && r.Refund.PaymentID != "" && r.Refund.Approved:
		amount := a.Money()
		if r.Refund.AuthorizedAmount != nil {
			amount.Amount = *r.Refund.AuthorizedAmount
		}
		fmt.Fprintf(c.Out, "   ✔ Approved (%s): payment %s of %s on %s, approval code %s\n",
			r.Refund.ResponseCode, r.Refund.PaymentID, amount, r.Refund.CardNumber, r.Refund.ApprovalCode)
	case r.Refund != nil && r.Refund.PaymentID != "":
		fmt.Fprintf(c.Out, "   ✘ Declined (%s %s): payment %s\n", r.Refund.ResponseCode, r.Refund.ResponseMessage, r.Refund.PaymentID)
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
