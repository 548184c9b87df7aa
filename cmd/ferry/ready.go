package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
)

// readyLine is what `ferry serve --ready-json` prints on stdout once it
// listens: one JSON object on one line, and nothing else on stdout
// (docs/operations.md). Members may be added; none is renamed or removed.
type readyLine struct {
	// Ready is always true: a program can wait for the line and test it.
	Ready bool `json:"ready"`
	// URL is the base URL of the API and of the device protocol, the one
	// links in answers use: --public-url, or http:// and the address.
	URL string `json:"url"`
	// Addr is the address the server listens on, with the port the system
	// chose for --listen HOST:0.
	Addr    string `json:"addr"`
	Version string `json:"version"`
	// Sandbox is present when the database has the sandbox merchant.
	Sandbox *readySandbox `json:"sandbox,omitempty"`
}

type readySandbox struct {
	MerchantID string `json:"merchantId"`
	// APIKey is present only when this start created the sandbox: it is
	// shown once, and only its hash is stored.
	APIKey  string   `json:"apiKey,omitempty"`
	Devices []string `json:"devices"`
}

// announce says that the server listens. For a person: the sandbox with
// the commands of a refund, and "Ferry listening on URL", on stdout. With
// readyJSON, for a program: the ready line on stdout, and the banner on
// stderr without the sandbox's new API key, which is in the ready line
// (stderr is the log, and keys never go to the log).
func announce(readyJSON bool, stdout, stderr io.Writer, base string, addr net.Addr, sandbox *sandboxInfo) {
	banner := stdout
	if readyJSON {
		banner = stderr
	}
	if sandbox != nil {
		sandbox.print(banner, base, !readyJSON)
	}
	fmt.Fprintf(banner, "Ferry listening on %s\n", base)
	if !readyJSON {
		return
	}
	line := readyLine{Ready: true, URL: base, Addr: addr.String(), Version: version()}
	if sandbox != nil {
		line.Sandbox = &readySandbox{MerchantID: sandbox.merchant.ID, APIKey: sandbox.apiKey, Devices: sandbox.serials()}
	}
	data, _ := json.Marshal(line) // strings only: it cannot fail
	fmt.Fprintf(stdout, "%s\n", data)
}
