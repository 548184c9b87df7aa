package main

import (
	"strings"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// sdkWire is what one of Payroc's official SDKs puts on the wire for the
// refund flow (see ../shared/payroc/NOTES.md §11).
type sdkWire struct {
	name string
	// authPath and authBody are the identity call; authHeaders come with it.
	authPath    string
	authBody    []byte
	authHeaders []string
	// headers come with every API call.
	headers []string
	// bodyless are the extra headers on GET and DELETE.
	bodyless []string
}

var sdks = []sdkWire{
	{
		name:        "Go (WithBaseURL)",
		authPath:    "/v1/authorize",
		authBody:    []byte(`{"client_id":"","client_secret":""}`),
		authHeaders: []string{"Content-Type", "application/json", "X-Fern-Language", "Go", "User-Agent", "Go-http-client/1.1"},
		headers:     []string{"X-Fern-Language", "Go", "X-Fern-SDK-Name", "github.com/payroc/payroc-sdk-go", "X-Fern-SDK-Version", "v0.0.3394"},
		bodyless:    []string{"Content-Type", "application/json"},
	},
	{
		name:     "JavaScript",
		authPath: "/authorize",
		headers:  []string{"Accept", "*/*", "X-Fern-Language", "JavaScript", "X-Fern-Runtime", "node", "X-Fern-Runtime-Version", "v20.20.2"},
	},
	{
		name:     "Python",
		authPath: "/authorize",
		headers:  []string{"X-Fern-Language", "Python", "X-Fern-SDK-Name", "payroc", "User-Agent", "python-httpx/0.28.1"},
	},
	{
		name:        "Java",
		authPath:    "/authorize",
		authBody:    []byte{},
		authHeaders: []string{"Accept", "application/json"},
		headers:     []string{"Accept", "application/json", "X-Fern-Language", "JAVA", "X-Fern-SDK-Name", "com.payroc.fern:api-sdk"},
	},
}

// TestPayrocSDKWire replays each SDK's requests for the whole flow: token,
// submit, poll, refund and a cancel.
func TestPayrocSDKWire(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for i, sdk := range sdks {
		r := s.do(t, "POST", sdk.authPath, sdk.authBody, append([]string{"x-api-key", s.APIKey}, sdk.authHeaders...)...)
		if r.Status != 200 {
			t.Fatalf("%s: authorize: %s", sdk.name, r)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		r.JSON(t, &tok)
		if tok.ExpiresIn <= 120 {
			t.Errorf("%s: expires_in %d: the SDKs renew tokens 120 s early", sdk.name, tok.ExpiresIn)
		}
		auth := append([]string{"Authorization", "Bearer " + tok.AccessToken}, sdk.headers...)
		// The exact body the Go SDK sent in Payroc's wire tests.
		body := []byte(`{"processingTerminalId":"1234001","order":{"orderId":"OrderRef6543","description":"Refund for order","amount":4999,"currency":"USD"}}`)
		serial := sandboxSerials[i%len(sandboxSerials)]
		r = s.do(t, "POST", "/v1/devices/"+serial+"/refund-instructions", body,
			append([]string{"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey()}, auth...)...)
		if r.Status != 202 {
			t.Fatalf("%s: submit: %s", sdk.name, r)
		}
		var in payroc.RefundInstruction
		r.JSON(t, &in)
		get := append(append([]string{}, auth...), sdk.bodyless...)
		for in.Status == ferry.StatusInProgress {
			r = s.do(t, "GET", strings.TrimPrefix(in.Link.Href, s.URL), nil, get...)
			if r.Status != 200 {
				t.Fatalf("%s: poll: %s", sdk.name, r)
			}
			r.JSON(t, &in)
		}
		if in.Status != ferry.StatusCompleted {
			t.Fatalf("%s: %+v", sdk.name, in)
		}
		// Clients take the refund id from the link's href.
		refundID := in.Link.Href[strings.LastIndex(in.Link.Href, "/")+1:]
		if r = s.do(t, "GET", "/v1/refunds/"+refundID, nil, get...); r.Status != 200 {
			t.Fatalf("%s: refund: %s", sdk.name, r)
		}
		if r = s.do(t, "DELETE", "/v1/refund-instructions/"+in.RefundInstructionID, nil, get...); r.Status != 409 {
			t.Errorf("%s: cancel of a completed instruction: %s", sdk.name, r)
		}
	}
}
