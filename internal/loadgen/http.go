package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

// loadClient is an HTTP client for the load: keep-alive connections, as
// many as the concurrency.
func loadClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 120 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			MaxIdleConns:        conns + 16,
			MaxIdleConnsPerHost: conns + 16,
			MaxConnsPerHost:     0,
			IdleConnTimeout:     2 * time.Minute,
			DisableCompression:  true,
		},
	}
}

// drain reads and closes a response body so the connection is reused.
func drain(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// authorize exchanges an API key for a bearer token.
func (b *Bench) authorize(ctx context.Context, base, key string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/authorize", nil)
	req.Header.Set("x-api-key", key)
	resp, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := drain(resp)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("authorize: %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken, nil
}

// submitBody is a refund request; the amount picks an approval.
func submitBody(amount int64) []byte {
	return []byte(fmt.Sprintf(`{"processingTerminalId":"1234001","order":{"orderId":"BENCH","description":"bench","amount":%d,"currency":"USD"}}`, amount))
}

// saleBody is a sale whose device asks for a tip (the simulated cardholder
// takes 15 %); the amount picks an approval.
func saleBody(amount int64) []byte {
	return []byte(fmt.Sprintf(`{"processingTerminalId":"1234001","order":{"orderId":"BENCH","amount":%d,"currency":"USD","breakdown":{"subtotal":%d,"tip":{"type":"percentage"}}}}`, amount, amount))
}

// instruction is the body of an instruction of any kind.
type instruction struct {
	RefundInstructionID  string       `json:"refundInstructionId"`
	PaymentInstructionID string       `json:"paymentInstructionId"`
	Status               ferry.Status `json:"status"`
	Link                 *ferry.Link  `json:"link"`
}

// post sends an instruction to collection ("refund-instructions") with a
// new idempotency key; it returns the status and the instruction's id.
func (b *Bench) post(ctx context.Context, base, token, serial, collection string, body []byte) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/devices/"+serial+"/"+collection, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", ferry.NewIdempotencyKey())
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	data, err := drain(resp)
	if err != nil {
		return 0, "", err
	}
	var in instruction
	json.Unmarshal(data, &in)
	return resp.StatusCode, in.RefundInstructionID + in.PaymentInstructionID, nil
}

// get sends a GET, with a bearer token unless it is empty, and returns the
// status and body.
func (b *Bench) get(ctx context.Context, url, token string) (int, []byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	body, err := drain(resp)
	return resp.StatusCode, body, err
}
