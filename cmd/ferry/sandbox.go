package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
)

// The sandbox merchant's devices. 1850010868 and 1234001 are the serial
// number and processing terminal of Payroc's own examples, so that Payroc's
// sample code runs unchanged.
var (
	sandboxSerials  = []string{"1850010868", "1850010869", "1850010870", "1850010871"}
	sandboxTerminal = "1234001"
)

const sandboxName = "Sandbox"

type sandboxInfo struct {
	merchant *ferry.Merchant
	apiKey   string // empty unless created just now
	devices  []*ferry.Device
}

// seedSandbox creates the sandbox merchant and its simulated devices on an
// empty database. On a database that has it already, it returns it without
// its API key, which was shown once, when it was created.
func seedSandbox(ctx context.Context, svc *core.Service) (*sandboxInfo, error) {
	sb, err := svc.EnsureSandbox(ctx, core.SandboxSpec{Name: sandboxName, Serials: sandboxSerials, Terminal: sandboxTerminal})
	if err != nil || sb == nil {
		return nil, err
	}
	return &sandboxInfo{merchant: sb.Merchant, apiKey: sb.APIKey, devices: sb.Devices}, nil
}

func (s *sandboxInfo) serials() []string {
	serials := make([]string, len(s.devices))
	for i, d := range s.devices {
		serials[i] = d.SerialNumber
	}
	return serials
}

// print shows the sandbox and the three steps of a refund as curl commands.
// An API key created just now is shown only with showKey; without it, the
// banner says the key is in the ready line (see announce).
func (s *sandboxInfo) print(w io.Writer, base string, showKey bool) {
	key := s.apiKey
	fmt.Fprintf(w, "Sandbox merchant %q (id %s)\n", s.merchant.Name, s.merchant.ID)
	switch {
	case key != "" && showKey:
		fmt.Fprintf(w, "  API key:   %s\n             shown once: only its hash is stored\n", key)
	case key != "":
		key = "<your API key>"
		fmt.Fprintf(w, "  API key:   in the ready line on standard output; shown once: only its hash is stored\n")
	default:
		key = "<your API key>"
		fmt.Fprintf(w, "  API key:   shown when the sandbox was created; make another with\n")
		fmt.Fprintf(w, "             ferry apikey create --merchant %s\n", s.merchant.ID)
	}
	fmt.Fprintf(w, "  devices:   %s (simulated, processing terminal %s)\n", strings.Join(s.serials(), ", "), sandboxTerminal)
	if len(s.devices) == 0 {
		return
	}
	serial := s.devices[0].SerialNumber
	fmt.Fprintf(w, `
Get a token, then run a sale whose device asks for a tip, or a refund (amounts ending in 51, 52,
53, 55, 61, 62, 63, 71 simulate other outcomes; see docs/sandbox.md):

  TOKEN=$(curl -s -X POST %[1]s/authorize -H 'x-api-key: %[2]s' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

  curl -s -X POST %[1]s/v1/devices/%[3]s/payment-instructions \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)" \
    -d '{"processingTerminalId":"%[4]s","order":{"orderId":"OrderRef6543","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage"}}}}'

  curl -s %[1]s/v1/payment-instructions/<paymentInstructionId> -H "Authorization: Bearer $TOKEN"

  curl -s %[1]s/v1/payments/<paymentId> -H "Authorization: Bearer $TOKEN"

  curl -s -X POST %[1]s/v1/devices/%[3]s/refund-instructions \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)" \
    -d '{"processingTerminalId":"%[4]s","order":{"orderId":"OrderRef6543","description":"Refund for order OrderRef6543","amount":4999,"currency":"USD"}}'

  curl -s %[1]s/v1/refund-instructions/<refundInstructionId> -H "Authorization: Bearer $TOKEN"

  curl -s %[1]s/v1/refunds/<refundId> -H "Authorization: Bearer $TOKEN"

`, base, key, serial, sandboxTerminal)
}
