package agent

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ferrygateway/ferry"
)

// Auto is the simulated cardholder: it acts by the sandbox table (see
// ferry.SandboxDevice and docs/sandbox.md) after Delay.
type Auto struct {
	// Delay is how long the cardholder takes to present a card.
	Delay time.Duration
	// Clock times the delay. Default: the system clock.
	Clock ferry.Clock
}

// Present acts as the sandbox table says for the assignment's amount. A
// signature is drawn after the delay; at a tip prompt the cardholder
// takes the first suggested tip, and under dual pricing pays the card
// price.
func (au *Auto) Present(ctx context.Context, a *ferry.Assignment) (Action, error) {
	if a.Kind == ferry.KindSignature {
		if err := au.wait(ctx, au.Delay); err != nil {
			return Action{}, err
		}
		return Action{Kind: ActionSignature, Signature: ferry.SignatureCapture{
			ContentType: "image/png", Image: SignatureImage(a.InstructionID)}}, nil
	}
	behavior := ferry.SandboxDevice(a.Amount)
	delay := au.Delay
	switch behavior {
	case ferry.NoAnswer:
		<-ctx.Done() // the device keeps its lease and never answers
		return Action{}, ctx.Err()
	case ferry.PresentCardSlowly:
		delay *= ferry.SlowCardholderFactor
	}
	if err := au.wait(ctx, delay); err != nil {
		return Action{}, err
	}
	switch behavior {
	case ferry.CardholderCancels:
		return Action{Kind: ActionCancel}, nil
	case ferry.CardReadError:
		return Action{Kind: ActionFail, Reason: ferry.SandboxCardReadError}, nil
	}
	if p := a.Payment; p != nil && p.ClosedLoop != "" {
		return Action{Kind: ActionClosedLoop, Data: SandboxClosedLoopData(p.ClosedLoop)}, nil
	}
	card := ferry.SandboxCard
	if a.EntryMethod == ferry.EntryManualEntry {
		card.EntryMethod = ferry.EntryMethodKeyed
	}
	if p := a.Payment; p != nil {
		if len(p.TipPrompt) > 0 {
			tip := ferry.PercentOf(p.Subtotal, json.Number(p.TipPrompt[ferry.SandboxTipChoice]))
			card.TipAmount = &tip
		}
		card.DualPricingApplied = p.DualPricing > 0
	}
	return Action{Kind: ActionCard, Card: card}, nil
}

// Show does nothing: nobody watches a simulated device.
func (au *Auto) Show(*ferry.Assignment, *Result) {}

func (au *Auto) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	clock := au.Clock
	if clock == nil {
		clock = ferry.SystemClock{}
	}
	t := clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
