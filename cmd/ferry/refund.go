package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/client"
	"github.com/ferrygateway/ferry/payroc"
)

// The refund commands are a POS at the command line. They work through the
// Go SDK (package client), never on the database, so they work against any
// Ferry and against Payroc itself.

func runRefund(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "refund", []subcommand{
		{"create", "send a refund to a device and wait for the outcome", refundCreate},
		{"status", "show a refund instruction", refundStatus},
		{"cancel", "cancel a refund instruction", refundCancel},
		{"get", "show a refund", refundGet},
	}, args, getenv, stdin, stdout, stderr)
}

// conn holds the connection flags every refund command takes.
type conn struct {
	url, apiKey, env string
}

func (c *conn) register(f *flags) {
	f.StringVar(&c.url, "url", defaultURL, "Ferry server `URL`")
	f.StringVar(&c.apiKey, "api-key", "", "API key (better: FERRY_API_KEY)")
	f.StringVar(&c.env, "env", "", "talk to Payroc instead of Ferry: payroc-uat or payroc-production")
}

func (c *conn) client() (*client.Client, error) {
	if c.apiKey == "" {
		return nil, usageErrorf("give the API key with FERRY_API_KEY or --api-key")
	}
	var env client.Environment
	switch c.env {
	case "":
		env = client.Ferry(c.url)
	case "payroc-uat":
		env = client.PayrocUAT
	case "payroc-production":
		env = client.PayrocProduction
	default:
		return nil, usageErrorf("--env %q: use payroc-uat or payroc-production, or leave it out for Ferry at --url", c.env)
	}
	cl, err := client.New(env, c.apiKey, client.WithUserAgent("ferry-cli/"+version()))
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return cl, nil
}

// parseWithArg parses flags around exactly one positional argument, which
// may come before or after them.
func parseWithArg(f *flags, args []string, name string) (string, error) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", &exitError{code: codeError, err: errors.New("")}
	}
	if f.NArg() == 0 {
		return "", usageErrorf("%s: give the %s", f.Name(), name)
	}
	arg := f.Arg(0)
	if err := f.parse(f.Args()[1:]); err != nil {
		return "", err
	}
	return arg, nil
}

func refundCreate(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("refund create", getenv, stderr)
	var cn conn
	cn.register(f)
	device := f.String("device", "", "device serial `number` (required)")
	terminal := f.String("terminal", "", "processing terminal `id` (required)")
	amount := f.String("amount", "", "amount, e.g. 49.99 (required)")
	currency := f.String("currency", "USD", "ISO 4217 currency `code`")
	orderID := f.String("order-id", "", "order `id`, 1 to 24 characters (default: ferry-DATE-TIME)")
	description := f.String("description", "", "description of the refund")
	operator := f.String("operator", "", "operator who initiated the refund")
	entry := f.String("entry-method", "", "deviceRead, manualEntry or deviceReadOrManualEntry (default deviceRead)")
	noWait := f.Bool("no-wait", false, "submit and exit without waiting for the outcome")
	asJSON := f.Bool("json", false, "print one JSON object")
	cancelOnInterrupt := f.Bool("cancel-on-interrupt", false, "on Ctrl-C, cancel the instruction without asking")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.required("device", "terminal", "amount"); err != nil {
		return err
	}
	cur := ferry.Currency(strings.ToUpper(*currency))
	minor, err := ferry.ParseAmount(*amount, cur)
	if err != nil {
		return usageErrorf("refund create: %v", err)
	}
	if *orderID == "" {
		// The T keeps date and time apart: 14 digits in a row could read as
		// a card number.
		*orderID = "ferry-" + time.Now().UTC().Format("20060102T150405")
	}
	req := payroc.RefundInstructionRequest{
		ProcessingTerminalID: *terminal,
		Operator:             *operator,
		Order:                payroc.InstructionOrder{OrderID: *orderID, Description: *description, Amount: minor, Currency: cur},
	}
	if *entry != "" {
		req.CustomizationOptions = &payroc.CustomizationOptions{EntryMethod: *entry}
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	out := &printer{w: stdout, live: !*asJSON && isTerminal(stdout), json: *asJSON}
	in, err := cl.CreateRefundInstruction(ctx, *device, req)
	if err != nil {
		return apiFailure(err)
	}
	money := ferry.Money{Amount: minor, Currency: cur}
	if *noWait {
		return out.instruction(ctx, cl, in, money)
	}
	out.linef("Refund of %s sent to device %s: instruction %s", money, *device, in.RefundInstructionID)
	final, err := out.wait(ctx, cl, in.RefundInstructionID)
	if err != nil && ctx.Err() != nil {
		id := in.RefundInstructionID
		return interrupted("refund", id, *cancelOnInterrupt, stdin, out,
			func(ctx context.Context) error { return cl.CancelRefundInstruction(ctx, id) },
			func(ctx context.Context) error {
				final, err := cl.WaitRefundInstruction(ctx, id, nil)
				if err != nil {
					return apiFailure(err)
				}
				return out.instruction(ctx, cl, final, money)
			})
	}
	if err != nil {
		return apiFailure(err)
	}
	return out.instruction(context.WithoutCancel(ctx), cl, final, money)
}

// interrupted handles Ctrl-C during the wait for an instruction of the
// kind: cancel (when asked to, or when the person says so) and then finish,
// which waits for the end and prints it; or leave the instruction running.
func interrupted(kind, id string, cancelNow bool, stdin io.Reader, out *printer, cancelIt, finish func(context.Context) error) error {
	out.clear()
	if !cancelNow && isTerminal(stdin) {
		fmt.Fprintf(out.w, "Cancel %s instruction %s? [y/N] ", kind, id)
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		cancelNow = strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "y")
	}
	if !cancelNow {
		out.linef("Interrupted; the instruction goes on. See it with: ferry %s status %s", kind, id)
		return &exitError{code: codeInterrupted, err: errors.New("")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := cancelIt(ctx); err != nil {
		if ferry.ErrorCode(err) != ferry.CodeCannotBeCanceled {
			return apiFailure(err)
		}
		out.linef("Too late to cancel: %s. Waiting for the outcome.", ferry.ErrorMessage(err))
	}
	return finish(ctx)
}

func refundStatus(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return statusCommand(ctx, "refund", args, getenv, stdout, stderr, (*printer).wait, (*client.Client).GetRefundInstruction,
		func(out *printer, cl *client.Client, in *payroc.RefundInstruction) error {
			return out.instruction(ctx, cl, in, ferry.Money{})
		})
}

// statusCommand is `ferry KIND status ID [--wait]`: it asks for an
// instruction once, or follows it to its end, and shows where it stands.
func statusCommand[T any](ctx context.Context, kind string, args []string, getenv env, stdout, stderr io.Writer,
	wait func(*printer, context.Context, *client.Client, string) (T, error),
	get func(*client.Client, context.Context, string) (T, error),
	show func(*printer, *client.Client, T) error) error {
	f := newFlags(kind+" status", getenv, stderr)
	var cn conn
	cn.register(f)
	follow := f.Bool("wait", false, "wait until the instruction ends")
	asJSON := f.Bool("json", false, "print one JSON object")
	id, err := parseWithArg(f, args, kind+" instruction id")
	if err != nil {
		return err
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	out := &printer{w: stdout, live: !*asJSON && isTerminal(stdout), json: *asJSON}
	var in T
	if *follow {
		in, err = wait(out, ctx, cl, id)
	} else {
		in, err = get(cl, ctx, id)
	}
	if err != nil {
		return apiFailure(err)
	}
	return show(out, cl, in)
}

func refundCancel(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return cancelCommand(ctx, "refund", args, getenv, stdout, stderr,
		func(cl *client.Client, id string) error { return cl.CancelRefundInstruction(ctx, id) })
}

func refundGet(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return getCommand(ctx, "refund", args, getenv, stdout, stderr, (*client.Client).GetRefund, describeRefund,
		func(r *ferry.Refund) bool { return r.TransactionResult.Approved() })
}

// getCommand is `ferry KIND get ID`: it fetches a refund or payment,
// prints it (described, or as JSON), and exits 2 when it was declined.
func getCommand[T any](ctx context.Context, kind string, args []string, getenv env, stdout, stderr io.Writer,
	get func(*client.Client, context.Context, string) (T, error), describe func(T) string, approved func(T) bool) error {
	f := newFlags(kind+" get", getenv, stderr)
	var cn conn
	cn.register(f)
	asJSON := f.Bool("json", false, "print the "+kind+" as JSON")
	id, err := parseWithArg(f, args, kind+" id")
	if err != nil {
		return err
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	v, err := get(cl, ctx, id)
	if err != nil {
		return apiFailure(err)
	}
	if *asJSON {
		printJSON(stdout, v)
	} else {
		fmt.Fprintln(stdout, describe(v))
	}
	if !approved(v) {
		return &exitError{code: codeDeclined, err: errors.New("")}
	}
	return nil
}

// apiFailure reports an error from the API or the network (exit code 1),
// with the problem's field errors and link.
func apiFailure(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) {
		msg := fmt.Sprintf("%d %s: %s", ce.StatusCode, ce.Slug, ce.Detail)
		for _, fe := range ce.Errors {
			msg += "\n  " + strings.TrimPrefix(fe.Parameter+": "+fe.Message, ": ")
		}
		if ce.Link != nil {
			msg += "\n  " + ce.Link.Rel + ": " + ce.Link.Href
		}
		return &exitError{code: codeError, err: errors.New(msg)}
	}
	return &exitError{code: codeError, err: err}
}

// outcomeCode is the exit code for a refund: 0 approved, 2 declined.
func outcomeCode(r *ferry.Refund) error {
	if r.TransactionResult.Approved() {
		return nil
	}
	return &exitError{code: codeDeclined, err: errors.New("")}
}

func describeRefund(r *ferry.Refund) string {
	tr := r.TransactionResult
	money := ferry.Money{Amount: r.Order.Amount, Currency: r.Order.Currency}
	card := strings.TrimSpace(r.Card.Type + " " + r.Card.CardNumber)
	if tr.Approved() {
		return fmt.Sprintf("Approved: refund %s of %s to %s, approval code %s", r.RefundID, money, card, tr.ApprovalCode)
	}
	return fmt.Sprintf("Declined (%s %s): refund %s of %s to %s", tr.ResponseCode, tr.ResponseMessage, r.RefundID, money, card)
}

// printer shows progress: a live status line on a terminal, plain lines
// otherwise, nothing but the final object with --json.
type printer struct {
	w    io.Writer
	live bool
	json bool

	mu      sync.Mutex
	status  string
	started time.Time
	shown   bool
}

func (p *printer) linef(format string, args ...any) {
	if p.json {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *printer) clearLocked() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// wait long-polls the refund instruction until it ends, showing its status
// and the time elapsed.
func (p *printer) wait(ctx context.Context, cl *client.Client, id string) (*payroc.RefundInstruction, error) {
	var in *payroc.RefundInstruction
	err := p.follow(func(update func(ferry.Status)) (err error) {
		in, err = cl.WaitRefundInstruction(ctx, id, func(in *payroc.RefundInstruction) { update(in.Status) })
		return err
	})
	return in, err
}

// follow runs wait, a long-poll of an instruction that reports each new
// status to update, and shows the status and the time elapsed meanwhile.
func (p *printer) follow(wait func(update func(ferry.Status)) error) error {
	p.started = time.Now()
	p.status = "in progress: waiting for the device"
	stop := make(chan struct{})
	var ticking sync.WaitGroup
	if p.live {
		ticking.Go(func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					p.mu.Lock()
					fmt.Fprintf(p.w, "\r\033[K%s · %.1fs", p.status, time.Since(p.started).Seconds())
					p.shown = true
					p.mu.Unlock()
				case <-stop:
					return
				}
			}
		})
	}
	err := wait(func(st ferry.Status) {
		p.mu.Lock()
		p.status = "status " + string(st)
		if st == ferry.StatusInProgress {
			p.status = "in progress: waiting for the device"
		}
		p.mu.Unlock()
		if !p.live {
			p.linef("%s (after %.1fs)", p.status, time.Since(p.started).Seconds())
		}
	})
	close(stop)
	ticking.Wait()
	p.clear()
	return err
}

// instruction prints where an instruction stands and returns the exit code
// that goes with it: 0 approved (or still in progress), 2 declined, 3
// canceled or failed.
func (p *printer) instruction(ctx context.Context, cl *client.Client, in *payroc.RefundInstruction, money ferry.Money) error {
	var refund *ferry.Refund
	if in.Status == ferry.StatusCompleted {
		var err error
		if refund, err = cl.RefundOf(ctx, in); err != nil {
			return apiFailure(err)
		}
	}
	if p.json {
		out := map[string]any{"refundInstructionId": in.RefundInstructionID, "status": in.Status}
		if in.ErrorMessage != "" {
			out["errorMessage"] = in.ErrorMessage
		}
		if refund != nil {
			out["refund"] = refund
			out["approved"] = refund.TransactionResult.Approved()
		}
		if err := printJSON(p.w, out); err != nil {
			return err
		}
	} else {
		switch in.Status {
		case ferry.StatusCompleted:
			p.linef("%s", describeRefund(refund))
		case ferry.StatusCanceled:
			p.linef("Canceled: refund instruction %s", in.RefundInstructionID)
		case ferry.StatusFailure:
			p.linef("Failed: %s", in.ErrorMessage)
		default:
			p.linef("In progress: refund instruction %s", in.RefundInstructionID)
		}
	}
	switch in.Status {
	case ferry.StatusCompleted:
		return outcomeCode(refund)
	case ferry.StatusCanceled, ferry.StatusFailure:
		return &exitError{code: codeEnded, err: errors.New("")}
	}
	return nil
}
