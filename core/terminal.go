package core

import (
	"context"
	"crypto/sha256"
	"slices"
	"unicode/utf8"

	"github.com/ferrygateway/ferry"
)

// Limits from Payroc's OpenAPI file for the processing-terminal operations.
const (
	// maxModelParam is the longest model the device-configurations path
	// takes.
	maxModelParam = 30
	// maxListedSerial is the longest serial number a terminal's devices
	// list may show.
	maxListedSerial = 45
)

// checkTerminalParams checks the path parameters of the processing-terminal
// operations: the terminal id always, the model when withModel is set. Every
// problem is listed at once.
func checkTerminalParams(id string, withModel bool, model string) error {
	var fields []ferry.FieldError
	if n := utf8.RuneCountInString(id); n < ferry.MinProcessingTermID || n > ferry.MaxProcessingTermID || !ferry.ValidText(id) {
		fields = append(fields, ferry.FieldError{Parameter: "processingTerminalId", Detail: "invalid length",
			Message: "processingTerminalId must be 4 to 50 characters"})
	}
	if n := utf8.RuneCountInString(model); withModel && (n < 1 || n > maxModelParam || !ferry.ValidText(model)) {
		fields = append(fields, ferry.FieldError{Parameter: "model", Detail: "invalid length",
			Message: "model must be 1 to 30 characters"})
	}
	if len(fields) > 0 {
		return ferry.Invalid(fields...)
	}
	return nil
}

// GetTerminal returns the merchant's processing terminal and the one device
// it lists (Payroc's schema lists at most one): the first device added to
// it whose serial number fits the schema (45 characters), or nil. A bad id
// is CodeInvalid; another merchant's terminal is CodeNotFound, as an
// unknown one.
func (s *Service) GetTerminal(ctx context.Context, merchantID, id string) (*ferry.ProcessingTerminal, *ferry.Device, error) {
	if err := checkTerminalParams(id, false, ""); err != nil {
		return nil, nil, err
	}
	t, err := s.store.TerminalGet(ctx, merchantID, id)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.listedDevice(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	return t, d, nil
}

// listedDevice picks the device a terminal lists. The first device almost
// always fits; only when it does not are the others read.
func (s *Service) listedDevice(ctx context.Context, t *ferry.ProcessingTerminal) (*ferry.Device, error) {
	p := ferry.TerminalDeviceListParams{MerchantID: t.MerchantID, TerminalID: t.ID, Limit: 1}
	for {
		devices, err := s.store.TerminalDeviceList(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, d := range devices {
			if utf8.RuneCountInString(d.SerialNumber) <= maxListedSerial {
				return d, nil
			}
		}
		if p.Limit == 0 || len(devices) == 0 {
			return nil, nil
		}
		p.Limit = 0
	}
}

// GetTerminalHostConfiguration returns the host processor configuration of
// the merchant's processing terminal: sandbox values, the same for a
// terminal every time, made from the merchant's and the terminal's ids.
// Errors are GetTerminal's.
func (s *Service) GetTerminalHostConfiguration(ctx context.Context, merchantID, id string) (*ferry.HostConfiguration, error) {
	if err := checkTerminalParams(id, false, ""); err != nil {
		return nil, err
	}
	t, err := s.store.TerminalGet(ctx, merchantID, id)
	if err != nil {
		return nil, err
	}
	return hostConfiguration(t), nil
}

// GetDeviceConfiguration returns the configuration of a device model on
// the merchant's processing terminal. It exists for every model that a
// device on the terminal has (exact match); any other model is
// CodeNotFound, and so is an unknown terminal. A bad id or model (1 to 30
// characters) is CodeInvalid.
func (s *Service) GetDeviceConfiguration(ctx context.Context, merchantID, id, model string) (*ferry.DeviceConfiguration, error) {
	if err := checkTerminalParams(id, true, model); err != nil {
		return nil, err
	}
	if _, err := s.store.TerminalGet(ctx, merchantID, id); err != nil {
		return nil, err
	}
	devices, err := s.store.TerminalDeviceList(ctx, ferry.TerminalDeviceListParams{MerchantID: merchantID, TerminalID: id, Model: model, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(devices) == 0 {
		return nil, ferry.NotFound("device configuration")
	}
	return deviceConfiguration(model), nil
}

// TerminalChange lists the settings of a processing terminal to change;
// nil fields stay as they are.
type TerminalChange struct {
	Tips      *bool
	TipPrompt *bool
	// SuggestedTips replaces the suggested percentages; an empty list turns
	// suggestions off.
	SuggestedTips  *[]int
	Timezone       *string
	BatchCloseType *string
	BatchCloseTime *string
}

func (c TerminalChange) apply(t *ferry.ProcessingTerminal) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if c.Tips != nil {
		t.Tips.Enabled = *c.Tips
	}
	if c.TipPrompt != nil {
		t.Tips.Prompt = *c.TipPrompt
	}
	if c.SuggestedTips != nil {
		t.Tips.Suggested = slices.Clone(*c.SuggestedTips)
		if t.Tips.Suggested == nil {
			t.Tips.Suggested = []int{}
		}
	}
	set(&t.Timezone, c.Timezone)
	set(&t.BatchClose.Type, c.BatchCloseType)
	set(&t.BatchClose.Time, c.BatchCloseTime)
}

// UpdateTerminal changes the settings of the merchant's processing terminal
// and returns it as it now stands. Settings that break a rule
// (ProcessingTerminal.Validate) are CodeInvalid and change nothing; an
// unknown terminal is CodeNotFound. Running servers answer with the new
// settings at once: nothing about terminals is cached.
func (s *Service) UpdateTerminal(ctx context.Context, merchantID, id string, c TerminalChange) (*ferry.ProcessingTerminal, error) {
	if err := checkTerminalParams(id, false, ""); err != nil {
		return nil, err
	}
	var out *ferry.ProcessingTerminal
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		out = nil
		t, err := tx.TerminalGet(ctx, merchantID, id)
		if err != nil {
			return err
		}
		c.apply(t)
		if err := t.Validate(); err != nil {
			return err
		}
		t.UpdatedAt = tx.Now()
		if err := tx.TerminalUpdate(ctx, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ensureTerminal creates, with the defaults, the processing terminal that
// a new device names, unless the merchant has it already.
func ensureTerminal(ctx context.Context, tx ferry.Tx, d *ferry.Device) error {
	_, err := tx.TerminalInsert(ctx, ferry.NewProcessingTerminal(d.MerchantID, d.ProcessingTerminalID, tx.Now()))
	return err
}

// sandboxDigits returns n decimal digits that depend only on the parts: the
// sandbox's stable stand-ins for numbers a real processor assigns.
func sandboxDigits(n int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + sum[i%len(sum)]%10
	}
	return string(b)
}

// hostConfiguration is the TSYS-shaped host configuration of a terminal.
// Its numbers are short of a card number's 13 digits, so no masking can
// ever touch them.
func hostConfiguration(t *ferry.ProcessingTerminal) *ferry.HostConfiguration {
	return &ferry.HostConfiguration{
		ProcessingTerminalID: t.ID,
		ProcessingAccountID:  sandboxDigits(6, "account", t.MerchantID),
		Processor:            "tsys",
		Merchant: ferry.HostMerchant{
			PosMID:                 sandboxDigits(12, "posMid", t.MerchantID),
			ChainNumber:            sandboxDigits(6, "chain", t.MerchantID),
			SettlementAgent:        "0001",
			BINNumber:              "999995",
			AgentBankNumber:        "000000",
			ReimbursementAttribute: "Z",
			LocationNumber:         "000001",
		},
		Terminal: ferry.HostTerminal{
			TerminalID:         "V" + sandboxDigits(7, "terminalId", t.MerchantID, t.ID),
			TerminalNumber:     sandboxDigits(4, "terminalNumber", t.MerchantID, t.ID),
			CardPresentAllowed: true,
		},
	}
}

// emvApplications are the EMV applications every sandbox device accepts.
func emvApplications() []ferry.EMVApplication {
	return []ferry.EMVApplication{
		{Identifier: "A0000000031010", Version: "0096", Card: "VISA", MatchType: "partialVisa"},
		{Identifier: "A0000000041010", Version: "0002", Card: "MASTERCARD", MatchType: "partialEuropay"},
		{Identifier: "A00000002501", Version: "0001", Card: "AMEX", MatchType: "full"},
		{Identifier: "A0000001523010", Version: "0001", Card: "DISCOVER", MatchType: "full"},
	}
}

// deviceConfiguration is what a model does, by its maker: ID TECH's are
// unattended kiosk readers without keypad or printer; PAX and Ingenico
// devices are attended terminals that do everything; Ferry's virtual
// device reads or takes keyed cards on a screen, without PIN or printer.
func deviceConfiguration(model string) *ferry.DeviceConfiguration {
	c := &ferry.DeviceConfiguration{
		Model:               model,
		Manufacturer:        ferry.DeviceManufacturer(model),
		SupportsMagStripe:   true,
		SupportsICC:         true,
		SupportsContactless: true,
		Applications:        emvApplications(),
	}
	switch c.Manufacturer {
	case "idtech":
		c.SupportsUnattended = true
	case "pax", "ingenico":
		c.SupportsKeyed = true
		c.SupportsPINEntry = true
		c.SupportsOutputPrinting = true
		c.SupportsOutputDisplaying = true
		c.SupportsAttended = true
	default:
		c.SupportsKeyed = true
		c.SupportsOutputDisplaying = true
		c.SupportsAttended = true
	}
	return c
}

// TerminalDevices lists every device on the merchant's processing
// terminal, in the order they were added.
func (s *Service) TerminalDevices(ctx context.Context, merchantID, terminalID string) ([]*ferry.Device, error) {
	return s.store.TerminalDeviceList(ctx, ferry.TerminalDeviceListParams{MerchantID: merchantID, TerminalID: terminalID})
}
