package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/payroc"
)

// splitCards are card numbers as a careless cashier or a hostile client
// might type them: split by whitespace, control and format characters,
// hyphens, dots and slashes, or in other digits.
var splitCards = []string{
	"read 4012\t8888\t8888\t1881",
	"5555\n5555\n5555\n4444",
	"4539\u200b8500\u200b0000\u200b7062",
	"4539\u00ad8500\u200d0000\ufeff7062",
	"4539 . 8500 / 0000 - 7062",
	"3782\u00a0822463\u300010005",
	"４５３９８５００００００７０６２",
}

// hostile checks an answer: never a 5xx, an error is a problem document,
// and no card number comes back, in the body or in a header.
func hostile(t *testing.T, what string, r *response, want int) {
	t.Helper()
	if r.Status != want {
		t.Errorf("%s: %s, want %d", what, r, want)
	}
	if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s: %d without a problem document: %s", what, r.Status, r.Body)
	}
	if pans := ferrytest.FindCardNumbers(r.Body); len(pans) > 0 {
		t.Errorf("%s: card numbers came back: %v", what, pans)
	}
	for name, values := range r.Header {
		for _, v := range values {
			if ferry.HasCardNumber(v) {
				t.Errorf("%s: header %s: %q", what, name, v)
			}
		}
	}
}

// TestHostileClients attacks a running server as a hostile POS, a hostile
// device and a careless cashier would, on both stores: every answer is a
// clear 4xx (never a 500), and no card number is stored, logged or
// returned (the card-number scan reads the databases and the log after).
func TestHostileClients(t *testing.T) { eachDB(t, testHostileClients) }

func testHostileClients(t *testing.T, start starter) {
	s := start(t, "--log-level", "debug")
	c := s.client(t, s.APIKey)
	ctx := context.Background()
	key := func() string { return ferry.NewIdempotencyKey() }
	submit := func(path string, body string, headers ...string) *response {
		return c.do(t, "POST", path, []byte(body), append([]string{"Content-Type", "application/json", "Idempotency-Key", key()}, headers...)...)
	}
	order := func(fields string) string {
		return `{"processingTerminalId":"1234001","order":{"orderId":"H-1","description":"d","amount":100,"currency":"USD"` + fields + `}}`
	}

	// Free text from the POS: masked, however it is split.
	for i, text := range splitCards {
		q, _ := json.Marshal(text)
		body := fmt.Sprintf(`{"processingTerminalId":"1234001","operator":%s,"order":{"orderId":"H-1","description":%s,"amount":4999,"currency":"USD"},
			"customer":{"firstName":%s,"billingAddress":{"address1":%s,"city":"C","state":"S","country":"US","postalCode":"1"}}}`, q, q, q, q)
		r := submit("/v1/devices/"+sandboxDevice+"/refund-instructions", body, "X-Request-Id", "4539850000007062")
		hostile(t, fmt.Sprintf("free text %d", i), r, 202)
		if id := r.Header.Get("X-Request-Id"); id == "" || id == "4539850000007062" {
			t.Errorf("X-Request-Id came back as %q", id)
		}
		var in payroc.RefundInstruction
		r.JSON(t, &in)
		c.poll(t, in.RefundInstructionID)
	}

	// A validation message quotes a long value masked, then cut.
	r := submit("/v1/devices/"+sandboxDevice+"/refund-instructions", `{"processingTerminalId":"1234001","order":{"orderId":"H","description":"d","amount":1,"currency":"123456789012345678901234567890123453985000000706"}}`)
	hostile(t, "a long quoted value", r, 400)
	r = submit("/v1/devices/"+sandboxDevice+"/refund-instructions", `{"processingTerminalId":"4539-8500-0000-7062","order":{"orderId":"H","description":"d","amount":1,"currency":"USD"}}`)
	hostile(t, "a card number as a terminal id", r, 400)

	// NUL, invalid UTF-8 and lone surrogates: a 400 that names the field.
	for _, tc := range []struct{ body, field string }{
		{`{"processingTerminalId":"1234001","operator":"a\u0000b","order":{"orderId":"H","description":"d","amount":1,"currency":"USD"}}`, "operator"},
		{`{"processingTerminalId":"1234001","order":{"orderId":"H","description":"a\ud800","amount":1,"currency":"USD"}}`, "order.description"},
		{`{"processingTerminalId":"1234001","order":{"orderId":"\udfff","description":"d","amount":1,"currency":"USD"}}`, "order.orderId"},
		{"{\"processingTerminalId\":\"1234001\",\"order\":{\"orderId\":\"H\",\"description\":\"\xff\",\"amount\":1,\"currency\":\"USD\"}}", "order.description"},
		{`{"processingTerminalId":"1234\u0000","order":{"orderId":"H","description":"d","amount":1,"currency":"USD"}}`, "processingTerminalId"},
	} {
		r := submit("/v1/devices/"+sandboxDevice+"/refund-instructions", tc.body)
		hostile(t, "bad text in "+tc.field, r, 400)
		if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Parameter != tc.field {
			t.Errorf("bad text in %s: errors %+v", tc.field, p.Errors)
		}
	}
	// Amounts JavaScript cannot hold exactly.
	for _, amount := range []string{"9007199254740992", "9223372036854775807"} {
		r := submit("/v1/devices/"+sandboxDevice+"/refund-instructions", strings.Replace(order(""), `"amount":100`, `"amount":`+amount, 1))
		hostile(t, "amount "+amount, r, 400)
		if !strings.Contains(string(r.Body), "RFC 7493") {
			t.Errorf("amount %s: %s", amount, r.Body)
		}
	}

	// Paths and queries with NUL or bytes that are no text.
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/v1/devices/%00/refund-instructions", 404},
		{"POST", "/v1/devices/%ff/refund-instructions", 404},
		{"GET", "/v1/refund-instructions/%00", 404},
		{"GET", "/v1/refund-instructions/%ff%fe", 404},
		{"DELETE", "/v1/refund-instructions/a%00", 404},
		{"GET", "/v1/refunds/%00AAAAAAAA", 404},
		{"GET", "/v1/devices?serialNumber=%00", 400},
		{"GET", "/v1/devices?model=%ff", 400},
		{"GET", "/v1/devices?after=%ed%a0%80", 400},
		{"GET", "/v1/devices?limit=%zz", 400},
		{"POST", "/v1//devices/" + sandboxDevice + "/refund-instructions", 404},
		{"GET", "/v1/devices/./x", 404},
		{"GET", "/device/v1/../../v1/devices", 404},
		{"POST", "/device/v1/instructions/%00/progress", 404},
	} {
		r := c.do(t, tc.method, tc.path, []byte(order("")), "Content-Type", "application/json", "Idempotency-Key", key())
		hostile(t, tc.method+" "+tc.path, r, tc.want)
	}

	// The same key and body sent to ADEV%31 and ADEV1, one device, is one
	// request: replayed, not a conflict.
	s.addDevice(t, s.Merchant, "ADEV1", true)
	k := key()
	first := c.do(t, "POST", "/v1/devices/ADEV1/refund-instructions", []byte(order("")), "Content-Type", "application/json", "Idempotency-Key", k)
	again := c.do(t, "POST", "/v1/devices/ADEV%31/refund-instructions", []byte(order("")), "Content-Type", "application/json", "Idempotency-Key", k)
	if first.Status != 202 || again.Status != 202 || !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("an escaped serial number: %s, then %s", first, again)
	}

	// A hostile device: text split every which way, other sessions' leases.
	dev := s.device(t, "HOSTILE-1")
	for _, text := range splitCards {
		in := c.refund(t, "HOSTILE-1", 100)
		a, err := dev.Next(ctx, 5*time.Second)
		if err != nil || a == nil {
			t.Fatalf("next: %+v, %v", a, err)
		}
		other := s.session(dev.Credential, "other-session")
		if _, err := other.Progress(ctx, a.Lease, "prompting"); ferry.ErrorCode(err) != ferry.CodeLeaseLost {
			t.Errorf("progress from another session: %v", err)
		}
		if _, err := other.Fail(ctx, a.Lease, "x"); ferry.ErrorCode(err) != ferry.CodeLeaseLost {
			t.Errorf("failure from another session: %v", err)
		}
		nameless := s.session(dev.Credential, "")
		if _, err := nameless.CardRead(ctx, a.Lease, ferry.SandboxCard); ferry.ErrorCode(err) != ferry.CodeLeaseLost {
			t.Errorf("a card read that names no session: %v", err)
		}
		if _, err := dev.Progress(ctx, a.Lease, text); err != nil {
			t.Fatal(err)
		}
		card := ferry.SandboxCard
		card.CardholderName = text
		if strings.Contains(text, "\n") {
			if _, err := dev.Fail(ctx, a.Lease, text); err != nil {
				t.Fatal(err)
			}
		} else if _, err := dev.CardRead(ctx, a.Lease, card); err != nil {
			t.Fatal(err)
		}
		got := c.poll(t, in)
		if got.Status == ferry.StatusCompleted {
			refund := c.refundOf(t, got)
			if ferry.HasCardNumber(refund.Card.CardholderName) {
				t.Errorf("cardholder name %q", refund.Card.CardholderName)
			}
		} else if ferry.HasCardNumber(got.ErrorMessage) {
			t.Errorf("failure reason %q", got.ErrorMessage)
		}
		dev.Ack(ctx, a.Lease)
	}
	for _, session := range []string{"4539850000007062", "4539-8500-0000-7062"} {
		r := s.do(t, "GET", "/device/v1/instructions/next?wait=0", nil, "Authorization", "Bearer "+dev.Credential, ferry.SessionHeader, session)
		hostile(t, "a card number as a session", r, 400)
	}
	for _, wait := range []string{"NaN", "Inf", "-1", "1e1", "0x10", "61"} {
		r := s.do(t, "GET", "/device/v1/instructions/next?wait="+url.QueryEscape(wait), nil, "Authorization", "Bearer "+dev.Credential, ferry.SessionHeader, "s1")
		hostile(t, "wait="+wait, r, 400)
	}

	// One message for every token that does not work.
	unknown := s.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil, "Authorization", "Bearer fy_tok_nothing")
	hostile(t, "an unknown token", unknown, 401)

	// A poll that waits when its key is revoked answers 401.
	id2, key3 := s.newMerchant(t, "Revoking")
	s.addDevice(t, id2, "SLOW-1", false) // no simulator: the instruction waits
	c3 := s.client(t, key3)
	slow := c3.refund(t, "SLOW-1", 100)
	polled := make(chan *response, 1)
	go func() { polled <- c3.do(t, "GET", "/v1/refund-instructions/"+slow, nil) }()
	out, err := s.admin(t, "apikey", "list", "--merchant", id2)
	if err != nil {
		t.Fatal(err)
	}
	keyID := strings.Fields(strings.Split(out, "\n")[1])[0]
	// Whether the poll is waiting yet or not, it must end with 401 (core's
	// TestWaitEndsWhenKeyRevoked holds a wait for certain).
	if out, err := s.admin(t, "apikey", "revoke", "--merchant", id2, "--key", keyID); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	select {
	case r := <-polled:
		hostile(t, "a poll whose key was revoked", r, 401)
		var a, b ferry.Problem
		json.Unmarshal(r.Body, &a)
		json.Unmarshal(unknown.Body, &b)
		if a.Detail != b.Detail {
			t.Errorf("a revoked token says %q, an unknown one %q", a.Detail, b.Detail)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the poll of a revoked key still waits")
	}

	// POST /authorize is bounded per key.
	_, key4 := s.newMerchant(t, "Tokens")
	var last *response
	for range 61 {
		if last = s.do(t, "POST", "/authorize", nil, "x-api-key", key4); last.Status != 200 {
			break
		}
	}
	hostile(t, "the 61st token in a minute", last, 429)
	if n, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
		t.Errorf("Retry-After %q", last.Header.Get("Retry-After"))
	}

	if strings.Contains(s.stderr.String(), "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", s.stderr)
	}
	for _, pan := range ferrytest.FindCardNumbers([]byte(s.stderr.String())) {
		t.Errorf("the log holds card number %s", ferry.MaskCardNumber(pan))
	}
}

// TestLockedSQLiteIsUnavailable: while another process holds SQLite's write
// lock longer than the busy timeout, a submission answers 503 with
// Retry-After and an admin command says the database is busy; afterwards
// both work.
func TestLockedSQLiteIsUnavailable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(ferrytest.Dir(t), "ferry.db")
	s := startServerOn(t, "sqlite:"+path+"?busy_timeout=100ms")
	c := s.client(t, s.APIKey)
	lock, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	conn, err := lock.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	r := c.submit(t, sandboxDevice, refundBody(100))
	hostile(t, "a submission under a held lock", r, 503)
	if r.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"merchant", "create", "--name", "X", "--db", s.DB}, func(string) string { return "" }, nil, &out, &errOut)
	if code := exitCode(err, &errOut); code != 1 || !strings.Contains(errOut.String(), "ferry: The database is busy; try again") {
		t.Errorf("an admin command under a held lock: exit %d\n%s", code, errOut.String())
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if r := c.submit(t, sandboxDevice, refundBody(100)); r.Status != 202 {
		t.Errorf("after the lock: %s", r)
	}
	if strings.Contains(s.stderr.String(), "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", s.stderr)
	}
}

// TestPublicURLWarning: listening beyond loopback without --public-url
// warns at start-up, since links would follow each request's Host.
func TestPublicURLWarning(t *testing.T) {
	t.Parallel()
	const warning = "without --public-url"
	open := startServer(t, "--listen", "0.0.0.0:0", "--log-level", "warn")
	if !strings.Contains(open.stderr.String(), warning) {
		t.Errorf("no warning on 0.0.0.0:\n%s", open.stderr)
	}
	set := startServer(t, "--listen", "0.0.0.0:0", "--public-url", "https://ferry.example.com")
	local := startServer(t)
	for _, s := range []*server{set, local} {
		if strings.Contains(s.stderr.String(), warning) {
			t.Errorf("a warning it should not give:\n%s", s.stderr)
		}
	}
}
