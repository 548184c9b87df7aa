// Package sim is Ferry's simulated processor: it approves or declines
// sales and refunds by the last two digits of the amount (see ferry.SandboxResult and
// docs/sandbox.md), deterministically and at once.
package sim

import (
	"context"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
)

// keep is how long the processor remembers a refund for Lookup and for
// idempotent repeats: far longer than a card read may take to settle.
const keep = 15 * time.Minute

// Processor is the simulated processor. It keeps its ledger in memory, like
// a processor that is reachable only while this process runs: after a
// restart it has no record of earlier refunds.
type Processor struct {
	mu     sync.Mutex
	ledger map[string]entry
	order  []string // keys, oldest first, for pruning
	now    func() time.Time
}

type entry struct {
	result ferry.TransactionResult
	at     time.Time
}

var _ ferry.Processor = (*Processor)(nil)

// NewProcessor returns a simulated processor with an empty ledger.
func NewProcessor() *Processor {
	return &Processor{ledger: make(map[string]entry), now: time.Now}
}

// Refund decides by the amount. A repeated key returns the first answer.
func (p *Processor) Refund(ctx context.Context, r ferry.ProcessorRefund) (ferry.TransactionResult, error) {
	if err := ctx.Err(); err != nil {
		return ferry.TransactionResult{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.ledger[r.Key]; ok {
		return e.result, nil
	}
	code, status, message := ferry.SandboxResult(r.Amount.Amount)
	result := ferry.TransactionResult{
		Type:                  ferry.TransactionTypeRefund,
		Status:                status,
		Currency:              r.Amount.Currency,
		ResponseCode:          code,
		ResponseMessage:       message,
		ProcessorResponseCode: processorCode(code),
	}
	if code == ferry.ResponseApproved {
		result.ApprovalCode = ferry.NewApprovalCode()
		authorized := -r.Amount.Amount
		result.AuthorizedAmount = &authorized
	}
	now := p.now()
	p.prune(now)
	p.ledger[r.Key] = entry{result: result, at: now}
	p.order = append(p.order, r.Key)
	return result, nil
}

// Sale decides by the requested amount (see ferry.SandboxSaleResult). A
// repeated key returns the first answer.
func (p *Processor) Sale(ctx context.Context, s ferry.ProcessorSale) (ferry.TransactionResult, error) {
	if err := ctx.Err(); err != nil {
		return ferry.TransactionResult{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.ledger[s.Key]; ok {
		return e.result, nil
	}
	code, status, message := ferry.SandboxSaleResult(s.Requested, s.AcceptPartial)
	result := ferry.TransactionResult{
		Type:                  ferry.TransactionTypeSale,
		Status:                status,
		Currency:              s.Amount.Currency,
		ResponseCode:          code,
		ResponseMessage:       message,
		ProcessorResponseCode: processorCode(code),
	}
	if s.PreAuthorization {
		result.Type = ferry.TransactionTypePreAuthorization
	}
	if s.EBT != "" {
		result.EBTType = ebtType(s)
	}
	authorized := s.Amount.Amount
	switch code {
	case ferry.ResponsePartial:
		authorized = s.Amount.Amount / 2
		fallthrough
	case ferry.ResponseApproved:
		result.ApprovalCode = ferry.NewApprovalCode()
		result.AuthorizedAmount = &authorized
		if s.PreAuthorization {
			result.Status = ferry.TransactionStatusPending
		}
		if s.EBT != "" {
			balance := max(ferry.SandboxEBTBalance-authorized, 0)
			result.Balance = &balance
		}
	}
	now := p.now()
	p.prune(now)
	p.ledger[s.Key] = entry{result: result, at: now}
	p.order = append(p.order, s.Key)
	return result, nil
}

// ebtType names the kind of EBT transaction, as transactionResult.ebtType.
func ebtType(s ferry.ProcessorSale) string {
	switch {
	case s.EBT == "foodStamp":
		return "foodStampPurchase"
	case s.Withdrawal:
		return "cashWithdrawal"
	case s.Cashback > 0:
		return "cashPurchaseWithCashback"
	}
	return "cashPurchase"
}

// Lookup returns the answer given for key, or CodeNotFound.
func (p *Processor) Lookup(ctx context.Context, key string) (ferry.TransactionResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.ledger[key]; ok {
		return e.result, nil
	}
	return ferry.TransactionResult{}, ferry.NotFound("processor transaction")
}

func (p *Processor) prune(now time.Time) {
	i := 0
	for i < len(p.order) && now.Sub(p.ledger[p.order[i]].at) > keep {
		delete(p.ledger, p.order[i])
		i++
	}
	p.order = p.order[i:]
}

// processorCode is the raw processor code behind a response code, in the
// style of ISO 8583.
func processorCode(code string) string {
	switch code {
	case ferry.ResponseApproved:
		return "00"
	case ferry.ResponseIssuerDeclined:
		return "01"
	case ferry.ResponsePickup:
		return "04"
	case ferry.ResponsePartial:
		return "10"
	default:
		return "05"
	}
}
