package ferry

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ProcessingTerminal is a merchant's processing terminal (Payroc's word):
// the settings that the devices on it run with. Every device belongs to
// one. Ferry creates a terminal, with the settings of NewProcessingTerminal,
// when the first device that names it is added; several devices may share
// it.
type ProcessingTerminal struct {
	MerchantID string
	// ID is the processingTerminalId: 4 to 50 characters, unique per
	// merchant, as the devices name it.
	ID string
	// Status is TerminalActive or TerminalInactive. Default: active.
	Status     string
	Timezone   string // one of TerminalTimezones(). Default: America/New_York
	Tips       TipSettings
	BatchClose BatchClose
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TipSettings is how a terminal's devices ask for tips.
type TipSettings struct {
	// Enabled lets the terminal take tips. Default: true.
	Enabled bool
	// Prompt makes the device ask the cardholder for a tip. Default: true.
	Prompt bool
	// Suggested holds up to three whole percentages that the device offers
	// (MaxSuggestedTips); none turns suggestions off. Default: 15, 18, 20.
	Suggested []int
}

// BatchClose is when and how a terminal closes its batch.
type BatchClose struct {
	// Type is BatchCloseAutomatic or BatchCloseManual. Default: automatic.
	Type string
	// Time is when an automatic batch closes each day, "HH:MM" in the
	// terminal's timezone. It is kept while Type is manual. Default: 23:40.
	Time string
}

// Terminal statuses and batch-close types, as Payroc spells them.
const (
	TerminalActive      = "active"
	TerminalInactive    = "inactive"
	BatchCloseAutomatic = "automatic"
	BatchCloseManual    = "manual"
)

// Defaults of a new processing terminal.
const (
	DefaultTerminalTimezone = "America/New_York"
	DefaultBatchCloseTime   = "23:40"
)

// MaxSuggestedTips is how many suggested tips a terminal holds at most
// (Payroc's tipPercentages, maxItems 3).
const MaxSuggestedTips = 3

// terminalTimezones are the timezones a processing terminal may have: the
// enum of Payroc's schema.
var terminalTimezones = []string{
	"Pacific/Midway",
	"Pacific/Honolulu",
	"America/Anchorage",
	"America/Los_Angeles",
	"America/Denver",
	"America/Phoenix",
	"America/Chicago",
	"America/Indiana/Indianapolis",
	"America/New_York",
}

// TerminalTimezones returns the timezones a processing terminal may have,
// the enum of Payroc's schema, west to east.
func TerminalTimezones() []string { return slices.Clone(terminalTimezones) }

// NewProcessingTerminal returns the terminal that Ferry creates for the
// first device that names id: active, in America/New_York, with tips on
// (a tip prompt, and 15, 18 and 20 percent suggested), closing its batch
// automatically at 23:40.
func NewProcessingTerminal(merchantID, id string, now time.Time) *ProcessingTerminal {
	return &ProcessingTerminal{
		MerchantID: merchantID,
		ID:         id,
		Status:     TerminalActive,
		Timezone:   DefaultTerminalTimezone,
		Tips:       TipSettings{Enabled: true, Prompt: true, Suggested: []int{15, 18, 20}},
		BatchClose: BatchClose{Type: BatchCloseAutomatic, Time: DefaultBatchCloseTime},
		CreatedAt:  now,
		UpdatedAt:  now,
	}
}

// ValidTimezone reports whether tz is one of TerminalTimezones().
func ValidTimezone(tz string) bool { return slices.Contains(terminalTimezones, tz) }

var batchTimePattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ValidBatchCloseTime reports whether s is a time of day as HH:MM, 00:00
// to 23:59.
func ValidBatchCloseTime(s string) bool { return batchTimePattern.MatchString(s) }

// Validate checks the terminal's settings and returns a CodeInvalid error
// that lists every problem, or nil.
func (t *ProcessingTerminal) Validate() error {
	var fields []FieldError
	bad := func(param, detail, format string, args ...any) {
		fields = append(fields, FieldError{Parameter: param, Detail: detail, Message: fmt.Sprintf(format, args...)})
	}
	if t.Status != TerminalActive && t.Status != TerminalInactive {
		bad("status", "not allowed", "status must be active or inactive, got %s", Quote(t.Status))
	}
	if !ValidTimezone(t.Timezone) {
		bad("timezone", "not allowed", "timezone must be one of %s; got %s", strings.Join(terminalTimezones, ", "), Quote(t.Timezone))
	}
	if len(t.Tips.Suggested) > MaxSuggestedTips {
		bad("features.tips.suggestedTips.tipPercentages", "too many", "at most %d suggested tips, got %d", MaxSuggestedTips, len(t.Tips.Suggested))
	}
	for _, p := range t.Tips.Suggested {
		if p < 1 || p > 100 {
			bad("features.tips.suggestedTips.tipPercentages", "out of range", "a suggested tip is a whole percentage from 1 to 100, got %d", p)
			break
		}
	}
	if t.BatchClose.Type != BatchCloseAutomatic && t.BatchClose.Type != BatchCloseManual {
		bad("batchClosure.batchCloseType", "not allowed", "batchCloseType must be automatic or manual, got %s", Quote(t.BatchClose.Type))
	}
	if !ValidBatchCloseTime(t.BatchClose.Time) {
		bad("batchClosure.batchCloseTime", "invalid", "batchCloseTime must be a time of day as HH:MM (00:00 to 23:59), got %s", Quote(t.BatchClose.Time))
	}
	if len(fields) > 0 {
		return &Error{Code: CodeInvalid, Message: "The processing terminal's settings are not valid", Fields: fields}
	}
	return nil
}

// HostConfiguration is the host processor's view of a processing
// terminal: what Payroc's host-configurations operation returns. Ferry's
// processor is TSYS-shaped.
type HostConfiguration struct {
	ProcessingTerminalID string
	ProcessingAccountID  string
	Processor            string // "tsys"
	Merchant             HostMerchant
	Terminal             HostTerminal
}

// HostMerchant is the merchant's settings at the host processor.
type HostMerchant struct {
	PosMID                 string // at most 12 characters
	ChainNumber            string // at most 6
	SettlementAgent        string // at most 4
	BINNumber              string // at most 6
	AgentBankNumber        string // at most 6
	ReimbursementAttribute string // 1
	LocationNumber         string // at most 6
}

// HostTerminal is the terminal's settings at the host processor.
type HostTerminal struct {
	TerminalID         string // at most 8 characters
	TerminalNumber     string // at most 4
	MOTOAllowed        bool
	InternetAllowed    bool
	CardPresentAllowed bool
}

// DeviceConfiguration is what a device model on a processing terminal is
// set up to do: what Payroc's device-configurations operation returns.
type DeviceConfiguration struct {
	Model                    string
	Manufacturer             string
	SupportsMagStripe        bool
	SupportsICC              bool
	SupportsKeyed            bool
	SupportsContactless      bool
	SupportsPINEntry         bool
	SupportsOutputPrinting   bool
	SupportsOutputDisplaying bool
	SupportsAttended         bool
	SupportsUnattended       bool
	Applications             []EMVApplication
}

// EMVApplication is one EMV application a device accepts.
type EMVApplication struct {
	Identifier string // the AID, e.g. A0000000031010
	Version    string
	Card       string // the brand, e.g. VISA
	// MatchType is full, partialVisa or partialEuropay.
	MatchType string
}

// DeviceManufacturer names the maker of a device model by its prefix, the
// way Payroc spells models: idtech… is idtech, pax… is pax, ingenico… is
// ingenico (in any case). Every other model, such as Ferry's own
// ferryVirtual, is ferry's.
func DeviceManufacturer(model string) string {
	m := strings.ToLower(model)
	for _, maker := range []string{"idtech", "pax", "ingenico"} {
		if strings.HasPrefix(m, maker) {
			return maker
		}
	}
	return "ferry"
}

// TerminalDeviceListParams selects the devices of one processing terminal.
type TerminalDeviceListParams struct {
	MerchantID string
	TerminalID string
	// Model, if set, selects only devices of this model (exact match).
	Model string
	// Limit caps the number of devices returned; 0 means no limit.
	Limit int
}

// TerminalReader holds the read methods of a store for processing
// terminals.
type TerminalReader interface {
	// TerminalGet returns the merchant's processing terminal with that id;
	// another merchant's is CodeNotFound, as an unknown one. Inside a
	// transaction it locks the terminal until the transaction ends, so that
	// a read, change and TerminalUpdate in one transaction loses no
	// concurrent change.
	TerminalGet(ctx context.Context, merchantID, id string) (*ProcessingTerminal, error)
	// TerminalDeviceList returns the devices on the merchant's terminal in
	// the order they were added (ties, as devices added in one transaction,
	// by serial number); none is an empty list, not an error.
	TerminalDeviceList(ctx context.Context, p TerminalDeviceListParams) ([]*Device, error)
}

// TerminalWriter holds the write methods of a store for processing
// terminals, used inside a Tx.
type TerminalWriter interface {
	// TerminalInsert stores t unless the merchant has a terminal with its
	// id already, and reports whether it did. A concurrent transaction that
	// inserts the same terminal makes it wait for that one to end.
	TerminalInsert(ctx context.Context, t *ProcessingTerminal) (bool, error)
	// TerminalUpdate writes t's settings and UpdatedAt over the stored
	// terminal; CodeNotFound if the merchant has none with t's id.
	TerminalUpdate(ctx context.Context, t *ProcessingTerminal) error
}
