package api

import (
	"net/http"
	"strconv"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/internal/httpx"
)

// processingTerminal is Payroc's processing terminal, with the members
// Ferry keeps; the optional ones it has nothing for are left out.
type processingTerminal struct {
	ProcessingTerminalID string              `json:"processingTerminalId"`
	Status               string              `json:"status"`
	Timezone             string              `json:"timezone"`
	BatchClosure         batchClosure        `json:"batchClosure"`
	ApplicationSettings  applicationSettings `json:"applicationSettings"`
	Features             terminalFeatures    `json:"features"`
	// Devices holds at most one device: Payroc's schema allows no more.
	Devices []terminalDevice `json:"devices"`
}

type batchClosure struct {
	BatchCloseType string `json:"batchCloseType"`
	BatchCloseTime string `json:"batchCloseTime,omitempty"` // automatic only
}

type applicationSettings struct {
	InvoiceNumberPrompt bool `json:"invoiceNumberPrompt"`
	ClerkPrompt         bool `json:"clerkPrompt"`
}

type terminalFeatures struct {
	Tips               tips    `json:"tips"`
	EnhancedProcessing enabled `json:"enhancedProcessing"`
	EBT                enabled `json:"ebt"`
	PinDebitCashback   bool    `json:"pinDebitCashback"`
}

// tips is tipProcessingEnabled, or tipProcessingDisabled with only
// enabled: false.
type tips struct {
	Enabled       bool           `json:"enabled"`
	TipPrompt     *bool          `json:"tipPrompt,omitempty"`
	SuggestedTips *suggestedTips `json:"suggestedTips,omitempty"`
}

type suggestedTips struct {
	Enabled        bool     `json:"enabled"`
	TipPercentages []string `json:"tipPercentages,omitempty"`
}

type enabled struct {
	Enabled bool `json:"enabled"`
}

type terminalDevice struct {
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	SerialNumber string `json:"serialNumber"`
}

func terminalBody(t *ferry.ProcessingTerminal, d *ferry.Device) processingTerminal {
	out := processingTerminal{
		ProcessingTerminalID: t.ID,
		Status:               t.Status,
		Timezone:             t.Timezone,
		BatchClosure:         batchClosure{BatchCloseType: t.BatchClose.Type},
		Features:             terminalFeatures{Tips: tips{Enabled: t.Tips.Enabled}},
		Devices:              []terminalDevice{},
	}
	if t.BatchClose.Type == ferry.BatchCloseAutomatic {
		out.BatchClosure.BatchCloseTime = t.BatchClose.Time
	}
	if t.Tips.Enabled {
		prompt := t.Tips.Prompt
		out.Features.Tips.TipPrompt = &prompt
		sug := &suggestedTips{Enabled: len(t.Tips.Suggested) > 0}
		for _, p := range t.Tips.Suggested {
			sug.TipPercentages = append(sug.TipPercentages, strconv.Itoa(p))
		}
		out.Features.Tips.SuggestedTips = sug
	}
	if d != nil {
		out.Devices = append(out.Devices, terminalDevice{
			Manufacturer: ferry.DeviceManufacturer(d.Model), Model: d.Model, SerialNumber: d.SerialNumber,
		})
	}
	return out
}

// hostConfiguration is Payroc's host configuration, in its one variant,
// tsys.
type hostConfiguration struct {
	ProcessingTerminalID string            `json:"processingTerminalId"`
	ProcessingAccountID  string            `json:"processingAccountId"`
	Configuration        tsysConfiguration `json:"configuration"`
}

type tsysConfiguration struct {
	Processor string       `json:"processor"`
	Merchant  tsysMerchant `json:"merchant"`
	Terminal  tsysTerminal `json:"terminal"`
}

type tsysMerchant struct {
	PosMID                 string `json:"posMid"`
	ChainNumber            string `json:"chainNumber"`
	SettlementAgent        string `json:"settlementAgent"`
	BINNumber              string `json:"binNumber"`
	AgentBankNumber        string `json:"agentBankNumber"`
	ReimbursementAttribute string `json:"reimbursementAttribute"`
	LocationNumber         string `json:"locationNumber"`
}

type tsysTerminal struct {
	TerminalID         string `json:"terminalId"`
	TerminalNumber     string `json:"terminalNumber"`
	MOTOAllowed        bool   `json:"motoAllowed"`
	InternetAllowed    bool   `json:"internetAllowed"`
	CardPresentAllowed bool   `json:"cardPresentAllowed"`
}

func hostConfigurationBody(h *ferry.HostConfiguration) hostConfiguration {
	m, t := h.Merchant, h.Terminal
	return hostConfiguration{
		ProcessingTerminalID: h.ProcessingTerminalID,
		ProcessingAccountID:  h.ProcessingAccountID,
		Configuration: tsysConfiguration{
			Processor: h.Processor,
			Merchant: tsysMerchant{PosMID: m.PosMID, ChainNumber: m.ChainNumber, SettlementAgent: m.SettlementAgent,
				BINNumber: m.BINNumber, AgentBankNumber: m.AgentBankNumber, ReimbursementAttribute: m.ReimbursementAttribute,
				LocationNumber: m.LocationNumber},
			Terminal: tsysTerminal{TerminalID: t.TerminalID, TerminalNumber: t.TerminalNumber, MOTOAllowed: t.MOTOAllowed,
				InternetAllowed: t.InternetAllowed, CardPresentAllowed: t.CardPresentAllowed},
		},
	}
}

// deviceConfiguration is Payroc's device configuration. Ferry's devices
// need no EMV keys and show no images: certificates, revokedCertificates
// and visualAssets are empty.
type deviceConfiguration struct {
	Model                    string           `json:"model"`
	Manufacturer             string           `json:"manufacturer"`
	SupportsMagStripe        bool             `json:"supportsMagStripe"`
	SupportsICC              bool             `json:"supportsIcc"`
	SupportsKeyed            bool             `json:"supportsKeyed"`
	SupportsContactless      bool             `json:"supportsContactless"`
	SupportsPINEntry         bool             `json:"supportsPinEntry"`
	SupportsOutputPrinting   bool             `json:"supportsOutputPrinting"`
	SupportsOutputDisplaying bool             `json:"supportsOutputDisplaying"`
	SupportsAttended         bool             `json:"supportsAttended"`
	SupportsUnattended       bool             `json:"supportsUnattended"`
	Applications             []emvApplication `json:"applications"`
	Certificates             []struct{}       `json:"certificates"`
	RevokedCertificates      []struct{}       `json:"revokedCertificates"`
	VisualAssets             []struct{}       `json:"visualAssets"`
}

type emvApplication struct {
	Identifier string `json:"identifier"`
	Version    string `json:"version"`
	Card       string `json:"card"`
	MatchType  string `json:"matchType"`
}

func deviceConfigurationBody(c *ferry.DeviceConfiguration) deviceConfiguration {
	out := deviceConfiguration{
		Model:                    c.Model,
		Manufacturer:             c.Manufacturer,
		SupportsMagStripe:        c.SupportsMagStripe,
		SupportsICC:              c.SupportsICC,
		SupportsKeyed:            c.SupportsKeyed,
		SupportsContactless:      c.SupportsContactless,
		SupportsPINEntry:         c.SupportsPINEntry,
		SupportsOutputPrinting:   c.SupportsOutputPrinting,
		SupportsOutputDisplaying: c.SupportsOutputDisplaying,
		SupportsAttended:         c.SupportsAttended,
		SupportsUnattended:       c.SupportsUnattended,
		Applications:             []emvApplication{},
		Certificates:             []struct{}{},
		RevokedCertificates:      []struct{}{},
		VisualAssets:             []struct{}{},
	}
	for _, a := range c.Applications {
		out.Applications = append(out.Applications, emvApplication(a))
	}
	return out
}

// getProcessingTerminal is Payroc's getProcessingTerminal: the merchant's
// processing terminal, listing the first device added to it.
func (s *Server) getProcessingTerminal(w http.ResponseWriter, r *http.Request) error {
	t, d, err := s.svc.GetTerminal(r.Context(), principal(r).MerchantID, r.PathValue("processingTerminalId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, terminalBody(t, d))
}

// getProcessingTerminalHostConfiguration is Payroc's
// getProcessingTerminalHostConfiguration.
func (s *Server) getProcessingTerminalHostConfiguration(w http.ResponseWriter, r *http.Request) error {
	h, err := s.svc.GetTerminalHostConfiguration(r.Context(), principal(r).MerchantID, r.PathValue("processingTerminalId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, hostConfigurationBody(h))
}

// retrieveDeviceConfiguration is Payroc's retrieveDeviceConfiguration: the
// configuration of a model that a device on the terminal has.
func (s *Server) retrieveDeviceConfiguration(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.GetDeviceConfiguration(r.Context(), principal(r).MerchantID, r.PathValue("processingTerminalId"), r.PathValue("model"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, deviceConfigurationBody(c))
}
