package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/client"
	"github.com/ferrygateway/ferry/payroc"
)

// The payment and signature commands are a POS at the command line, like
// the refund commands: they work through the Go SDK.

func runPayment(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "payment", []subcommand{
		{"create", "run a sale (or a pre-authorization) on a device and wait for the outcome", paymentCreate},
		{"status", "show a payment instruction", paymentStatus},
		{"cancel", "cancel a payment instruction", paymentCancel},
		{"get", "show a payment", paymentGet},
	}, args, getenv, stdin, stdout, stderr)
}

func runSignature(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "signature", []subcommand{
		{"capture", "ask a device for the cardholder's signature and save the image", signatureCapture},
		{"get", "save a captured signature's image", signatureGet},
		{"cancel", "cancel a signature instruction", signatureCancel},
	}, args, getenv, stdin, stdout, stderr)
}

func paymentCreate(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("payment create", getenv, stderr)
	var cn conn
	cn.register(f)
	device := f.String("device", "", "device serial `number` (required)")
	terminal := f.String("terminal", "", "processing terminal `id` (required)")
	amount := f.String("amount", "", "amount before any tip, e.g. 49.99 (required)")
	currency := f.String("currency", "USD", "ISO 4217 currency `code`")
	orderID := f.String("order-id", "", "order `id`, 1 to 24 characters (default: ferry-DATE-TIME)")
	description := f.String("description", "", "description of the sale")
	operator := f.String("operator", "", "operator who initiated the sale")
	entry := f.String("entry-method", "", "deviceRead, manualEntry or deviceReadOrManualEntry (default deviceRead)")
	tipPrompt := f.Bool("tip-prompt", false, "the device asks the cardholder for a tip")
	tip := f.String("tip", "", "a tip the POS adds, e.g. 2.00 (the amount is then amount + tip)")
	preAuth := f.Bool("pre-auth", false, "hold the amount (a pre-authorization) instead of a sale")
	partial := f.Bool("accept-partial", false, "accept a partial approval")
	tokenize := f.Bool("tokenize", false, "save the card as a secure token")
	noWait := f.Bool("no-wait", false, "submit and exit without waiting for the outcome")
	asJSON := f.Bool("json", false, "print one JSON object")
	cancelOnInterrupt := f.Bool("cancel-on-interrupt", false, "on Ctrl-C, cancel the instruction without asking")
	if err := f.parse(args); err != nil {
		return err
	}
	if *device == "" || *terminal == "" || *amount == "" {
		return usageErrorf("payment create: --device, --terminal and --amount are required")
	}
	if *tipPrompt && *tip != "" {
		return usageErrorf("payment create: --tip-prompt and --tip exclude each other")
	}
	cur := ferry.Currency(strings.ToUpper(*currency))
	minor, err := ferry.ParseAmount(*amount, cur)
	if err != nil {
		return usageErrorf("payment create: %v", err)
	}
	if *orderID == "" {
		*orderID = "ferry-" + time.Now().UTC().Format("20060102T150405")
	}
	req := payroc.PaymentInstructionRequest{
		ProcessingTerminalID: *terminal,
		Operator:             *operator,
		Order:                payroc.PaymentInstructionOrder{OrderID: *orderID, Description: *description, Amount: minor, Currency: cur},
	}
	switch {
	case *tipPrompt:
		req.Order.Breakdown = &ferry.Breakdown{Subtotal: minor, Tip: &ferry.Tip{Type: ferry.TipPercentage}}
	case *tip != "":
		t, err := ferry.ParseAmount(*tip, cur)
		if err != nil {
			return usageErrorf("payment create: --tip: %v", err)
		}
		req.Order.Breakdown = &ferry.Breakdown{Subtotal: minor, Tip: &ferry.Tip{Type: ferry.TipFixedAmount, Amount: &t}}
		req.Order.Amount += t
	}
	if *entry != "" {
		req.CustomizationOptions = &payroc.CustomizationOptions{EntryMethod: *entry}
	}
	if *preAuth {
		req.AutoCapture = new(false)
	}
	if *partial {
		req.Order.AcceptPartialAmount = new(true)
	}
	if *tokenize {
		req.CredentialOnFile = &payroc.CredentialOnFile{Tokenize: new(true)}
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	out := &printer{w: stdout, live: !*asJSON && isTerminal(stdout), json: *asJSON}
	in, err := cl.CreatePaymentInstruction(ctx, *device, req)
	if err != nil {
		return apiFailure(err)
	}
	if *noWait {
		return out.payment(ctx, cl, in)
	}
	kind := "Sale"
	if *preAuth {
		kind = "Pre-authorization"
	}
	out.linef("%s of %s sent to device %s: instruction %s", kind, req.Money(), *device, in.PaymentInstructionID)
	id := in.PaymentInstructionID
	final, err := out.waitPayment(ctx, cl, id)
	if err != nil && ctx.Err() != nil {
		return interrupted("payment", id, *cancelOnInterrupt, stdin, out,
			func(ctx context.Context) error { return cl.CancelPaymentInstruction(ctx, id) },
			func(ctx context.Context) error {
				final, err := cl.WaitPaymentInstruction(ctx, id, nil)
				if err != nil {
					return apiFailure(err)
				}
				return out.payment(ctx, cl, final)
			})
	}
	if err != nil {
		return apiFailure(err)
	}
	return out.payment(context.WithoutCancel(ctx), cl, final)
}

func (p *printer) waitPayment(ctx context.Context, cl *client.Client, id string) (*payroc.PaymentInstruction, error) {
	var in *payroc.PaymentInstruction
	err := p.follow(func(update func(ferry.Status)) (err error) {
		in, err = cl.WaitPaymentInstruction(ctx, id, func(in *payroc.PaymentInstruction) { update(in.Status) })
		return err
	})
	return in, err
}

// payment prints where a payment instruction stands and returns the exit
// code: 0 approved (in full or in part) or still in progress, 2 declined,
// 3 canceled or failed.
func (p *printer) payment(ctx context.Context, cl *client.Client, in *payroc.PaymentInstruction) error {
	var payment *ferry.Payment
	var read *ferry.ClosedLoopRead
	if in.Status == ferry.StatusCompleted {
		var err error
		if id, ok := client.ClosedLoopReadID(in); ok {
			read, err = cl.GetClosedLoopRead(ctx, id)
		} else {
			payment, err = cl.PaymentOf(ctx, in)
		}
		if err != nil {
			return apiFailure(err)
		}
	}
	if p.json {
		out := map[string]any{"paymentInstructionId": in.PaymentInstructionID, "status": in.Status}
		if in.ErrorMessage != "" {
			out["errorMessage"] = in.ErrorMessage
		}
		if payment != nil {
			out["payment"] = payment
			out["approved"] = paymentApproved(payment)
		}
		if read != nil {
			out["closedLoopRead"] = read
		}
		if err := printJSON(p.w, out); err != nil {
			return err
		}
	} else {
		switch {
		case payment != nil:
			p.linef("%s", describePayment(payment))
		case read != nil:
			p.linef("Read: closed-loop read %s: %s", read.ClosedLoopReadID, read.Data)
		case in.Status == ferry.StatusCanceled:
			p.linef("Canceled: payment instruction %s", in.PaymentInstructionID)
		case in.Status == ferry.StatusFailure:
			p.linef("Failed: %s", in.ErrorMessage)
		default:
			p.linef("In progress: payment instruction %s", in.PaymentInstructionID)
		}
	}
	switch in.Status {
	case ferry.StatusCompleted:
		if payment != nil && !paymentApproved(payment) {
			return &exitError{code: codeDeclined, err: errors.New("")}
		}
	case ferry.StatusCanceled, ferry.StatusFailure:
		return &exitError{code: codeEnded, err: errors.New("")}
	}
	return nil
}

func paymentApproved(p *ferry.Payment) bool {
	code := p.TransactionResult.ResponseCode
	return code == ferry.ResponseApproved || code == ferry.ResponsePartial
}

func describePayment(p *ferry.Payment) string {
	tr := p.TransactionResult
	total := ferry.Money{Amount: p.Order.Amount, Currency: p.Order.Currency}
	card := strings.TrimSpace(p.Card.Type + " " + p.Card.CardNumber)
	what := "sale"
	if tr.Type == ferry.TransactionTypePreAuthorization {
		what = "pre-authorization"
	}
	var tip string
	if b := p.Order.Breakdown; b != nil && b.Tip != nil && b.Tip.Amount != nil {
		tip = fmt.Sprintf(" (tip %s)", ferry.Money{Amount: *b.Tip.Amount, Currency: p.Order.Currency})
	}
	switch tr.ResponseCode {
	case ferry.ResponseApproved:
		return fmt.Sprintf("Approved: %s %s of %s%s on %s, approval code %s", what, p.PaymentID, total, tip, card, tr.ApprovalCode)
	case ferry.ResponsePartial:
		approved := ferry.Money{Amount: *tr.AuthorizedAmount, Currency: p.Order.Currency}
		return fmt.Sprintf("Partly approved: %s %s, %s of %s on %s, approval code %s: collect the rest another way",
			what, p.PaymentID, approved, total, card, tr.ApprovalCode)
	}
	return fmt.Sprintf("Declined (%s %s): %s %s of %s on %s", tr.ResponseCode, tr.ResponseMessage, what, p.PaymentID, total, card)
}

func paymentStatus(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return statusCommand(ctx, "payment", args, getenv, stdout, stderr, (*printer).waitPayment, (*client.Client).GetPaymentInstruction,
		func(out *printer, cl *client.Client, in *payroc.PaymentInstruction) error {
			return out.payment(ctx, cl, in)
		})
}

func paymentCancel(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return cancelCommand(ctx, "payment", args, getenv, stdout, stderr,
		func(cl *client.Client, id string) error { return cl.CancelPaymentInstruction(ctx, id) })
}

func signatureCancel(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return cancelCommand(ctx, "signature", args, getenv, stdout, stderr,
		func(cl *client.Client, id string) error { return cl.CancelSignatureInstruction(ctx, id) })
}

// cancelCommand is `ferry KIND cancel ID`.
func cancelCommand(ctx context.Context, kind string, args []string, getenv env, stdout, stderr io.Writer, cancel func(*client.Client, string) error) error {
	f := newFlags(kind+" cancel", getenv, stderr)
	var cn conn
	cn.register(f)
	asJSON := f.Bool("json", false, "print one JSON object")
	id, err := parseWithArg(f, args, kind+" instruction id")
	if err != nil {
		return err
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	key := kind + "InstructionId"
	if err := cancel(cl, id); err != nil {
		if *asJSON {
			printJSON(stdout, map[string]any{key: id, "canceled": false, "error": ferry.ErrorMessage(err)})
		}
		return apiFailure(err)
	}
	if *asJSON {
		return printJSON(stdout, map[string]any{key: id, "canceled": true})
	}
	fmt.Fprintf(stdout, "Canceled %s instruction %s\n", kind, id)
	return nil
}

func paymentGet(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return getCommand(ctx, "payment", args, getenv, stdout, stderr, (*client.Client).GetPayment, describePayment, paymentApproved)
}

func signatureCapture(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("signature capture", getenv, stderr)
	var cn conn
	cn.register(f)
	device := f.String("device", "", "device serial `number` (required)")
	terminal := f.String("terminal", "", "processing terminal `id` (required)")
	file := f.String("out", "", "write the image to this `file` (default signature-ID.png)")
	asJSON := f.Bool("json", false, "print one JSON object")
	if err := f.parse(args); err != nil {
		return err
	}
	if *device == "" || *terminal == "" {
		return usageErrorf("signature capture: --device and --terminal are required")
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	out := &printer{w: stdout, live: !*asJSON && isTerminal(stdout), json: *asJSON}
	in, err := cl.CreateSignatureInstruction(ctx, *device, *terminal)
	if err != nil {
		return apiFailure(err)
	}
	out.linef("Signature requested on device %s: instruction %s", *device, in.SignatureInstructionID)
	id := in.SignatureInstructionID
	err = out.follow(func(update func(ferry.Status)) (err error) {
		in, err = cl.WaitSignatureInstruction(ctx, id, func(in *payroc.SignatureInstruction) { update(in.Status) })
		return err
	})
	if err != nil && ctx.Err() != nil {
		out.linef("Interrupted; the instruction goes on. Cancel it with: ferry signature cancel %s", id)
		return &exitError{code: codeInterrupted, err: errors.New("")}
	}
	if err != nil {
		return apiFailure(err)
	}
	if in.Status != ferry.StatusCompleted {
		if *asJSON {
			printJSON(stdout, map[string]any{"signatureInstructionId": id, "status": in.Status, "errorMessage": in.ErrorMessage})
		} else {
			out.linef("%s: signature instruction %s %s", strings.ToUpper(string(in.Status[:1]))+string(in.Status[1:]), id, in.ErrorMessage)
		}
		return &exitError{code: codeEnded, err: errors.New("")}
	}
	sig, err := cl.SignatureOf(ctx, in)
	if err != nil {
		return apiFailure(err)
	}
	return saveSignature(sig, *file, *asJSON, stdout)
}

func signatureGet(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("signature get", getenv, stderr)
	var cn conn
	cn.register(f)
	file := f.String("out", "", "write the image to this `file` (default signature-ID.png)")
	asJSON := f.Bool("json", false, "print one JSON object")
	id, err := parseWithArg(f, args, "signature id")
	if err != nil {
		return err
	}
	cl, err := cn.client()
	if err != nil {
		return err
	}
	sig, err := cl.GetSignature(ctx, id)
	if err != nil {
		return apiFailure(err)
	}
	return saveSignature(sig, *file, *asJSON, stdout)
}

// saveSignature writes a signature's image to file and says where.
func saveSignature(sig *ferry.Signature, file string, asJSON bool, stdout io.Writer) error {
	if file == "" {
		ext := ".png"
		if sig.ContentType == "image/jpeg" {
			ext = ".jpg"
		}
		file = "signature-" + sig.SignatureID + ext
	}
	if err := os.WriteFile(file, sig.Image, 0o644); err != nil {
		return &exitError{code: codeError, err: err}
	}
	if asJSON {
		return printJSON(stdout, map[string]any{"signatureId": sig.SignatureID, "contentType": sig.ContentType,
			"bytes": len(sig.Image), "file": file})
	}
	fmt.Fprintf(stdout, "Signed: signature %s (%s, %d bytes) written to %s\n", sig.SignatureID, sig.ContentType, len(sig.Image), file)
	return nil
}
