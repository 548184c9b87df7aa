package ferry

// The sandbox chooses what happens to a refund by the last two digits of its
// amount in minor units. docs/sandbox.md documents this table; the simulated
// devices and the simulated processor both read it from here.

// DeviceBehavior is what a simulated cardholder and device do.
type DeviceBehavior int

// Simulated device behaviours.
const (
	// PresentCard: the cardholder presents the sandbox card after the
	// simulated delay.
	PresentCard DeviceBehavior = iota
	// PresentCardSlowly: the card is presented after ten times the delay.
	PresentCardSlowly
	// CardholderCancels: the cardholder cancels on the device.
	CardholderCancels
	// CardReadError: the device cannot read the card.
	CardReadError
	// NoAnswer: the device takes the instruction and then never answers.
	NoAnswer
)

// SandboxDevice returns what a simulated device does for amount.
func SandboxDevice(amount int64) DeviceBehavior {
	switch amount % 100 {
	case 61:
		return CardholderCancels
	case 62:
		return CardReadError
	case 63:
		return NoAnswer
	case 71:
		return PresentCardSlowly
	}
	return PresentCard
}

// SlowCardholderFactor is how many simulated delays a slow cardholder takes.
const SlowCardholderFactor = 10

// SandboxCardReadError is the failure a simulated device reports for amounts
// ending in 62.
const SandboxCardReadError = "The card could not be read"

// SandboxResult returns the simulated processor's answer for amount:
// response code, transaction status and response message.
func SandboxResult(amount int64) (code, status, message string) {
	switch amount % 100 {
	case 51:
		return ResponseDeclined, TransactionStatusDeclined, "DECLINED"
	case 52:
		return ResponseIssuerDeclined, TransactionStatusDeclined, "CALL ISSUER"
	case 53:
		return ResponsePickup, TransactionStatusPickup, "PICK UP CARD"
	}
	return ResponseApproved, TransactionStatusReady, "APPROVAL"
}

// SandboxTipChoice is the simulated cardholder's tip at a tip prompt: the
// first of the terminal's suggested percentages.
const SandboxTipChoice = 0

// SandboxDualPricingRate is the rate, in percent of the subtotal, that the
// card price adds under dual pricing in the sandbox; the simulated
// cardholder pays the card price.
const SandboxDualPricingRate = "3"

// SandboxSuggestedTips are a new processing terminal's suggested tips, in
// percent.
var SandboxSuggestedTips = []string{"15", "18", "20"}

// PartialApproval is the last two digits of an amount that the simulated
// processor approves in part (half, rounded down) when the POS accepts
// partial approvals, and declines otherwise.
const PartialApproval = 55

// SandboxEBTBalance is the balance, in minor units, of a sandbox EBT
// account before a payment; the payment's card shows what is left.
const SandboxEBTBalance = 50000

// SandboxSaleResult returns the simulated processor's answer for a sale
// of amount: as SandboxResult, and for amounts ending in 55 a partial
// approval of half the amount when the POS accepts one (responseCode P),
// a decline otherwise.
func SandboxSaleResult(amount int64, acceptPartial bool) (code, status, message string) {
	if amount%100 == PartialApproval {
		if acceptPartial {
			return ResponsePartial, TransactionStatusReady, "PARTIAL APPROVAL"
		}
		return ResponseDeclined, TransactionStatusDeclined, "INSUFFICIENT FUNDS"
	}
	return SandboxResult(amount)
}
