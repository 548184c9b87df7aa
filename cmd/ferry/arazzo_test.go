package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/internal/arazzo"
	"github.com/ferrygateway/ferry/internal/contract"
)

// arazzoCase runs one of Payroc's Arazzo workflows. Each file holds one
// workflow, whose id is the file's name.
type arazzoCase struct {
	file   string // in Payroc's arazzo folder, beside its OpenAPI file
	inputs func(f *arazzoFixture) map[string]any
	// poll lists the steps that repeat until the instruction leaves
	// inProgress, as the workflow's text asks.
	poll []string
	// link reads an id out of a completed instruction's link before a step,
	// as the workflow's text tells a POS to.
	link *arazzoLink
	// cancel, for the cancel workflows: before the run, an instruction is
	// submitted that stays in progress; its id is the input named
	// cancel.idField; after the run, the instruction must be canceled.
	cancel *arazzoCancel
	// want holds the expected workflow outputs, and step outputs as
	// "stepId.output". anyValue accepts any non-empty value.
	want map[string]string
}

type arazzoLink struct{ before, input, from, output string }

type arazzoCancel struct {
	collection string // as in /v1/devices/{serialNumber}/{collection} and /v1/{collection}/{id}
	idField    string // the id's name in the submit response and the workflow's input
	body       func(f *arazzoFixture) string
}

// Values in arazzoCase.want that are not literal.
const (
	anyValue  = "<any non-empty value>"
	simSerial = "<the simulated device's serial number>"
)

// arazzoFixture is one server, with a merchant of its own and two devices.
type arazzoFixture struct {
	s        *server
	c        *posClient
	simSN    string // a simulated device: the cardholder acts at once
	idleSN   string // a device that never polls: its instructions stay in progress
	terminal string
}

var arazzoCases = []arazzoCase{
	{
		file: "refund-on-a-device",
		inputs: func(f *arazzoFixture) map[string]any {
			return map[string]any{
				"idempotencyKey":       ferry.NewIdempotencyKey(),
				"serialNumber":         f.simSN,
				"processingTerminalId": f.terminal,
				"orderId":              "OrderRef6543",
				"description":          "Refund for order OrderRef6543",
				"amount":               4999,
				"currency":             "USD",
			}
		},
		poll: []string{"getRefundInstruction"},
		link: &arazzoLink{before: "getRefund", input: "refundId", from: "getRefundInstruction", output: "refundLink"},
		want: map[string]string{
			"refundInstructionId":          anyValue,
			"instructionStatus":            "completed",
			"refundLink":                   anyValue,
			"refundId":                     anyValue,
			"sendRefundInstruction.status": "inProgress",
			"getRefund.refundStatus":       "ready",
		},
	},
	{
		file: "cancel-a-device-refund-instruction",
		cancel: &arazzoCancel{
			collection: "refund-instructions",
			idField:    "refundInstructionId",
			body: func(f *arazzoFixture) string {
				return fmt.Sprintf(`{"processingTerminalId":%q,"order":{"orderId":"OrderRef6544","description":"Refund for order OrderRef6544","amount":4999,"currency":"USD"}}`, f.terminal)
			},
		},
		want: map[string]string{
			"refundInstructionId":         anyValue,
			"getRefundInstruction.status": "inProgress",
		},
	},
	{
		file: "run-a-sale-on-a-device",
		inputs: func(f *arazzoFixture) map[string]any {
			return map[string]any{
				"idempotencyKey":       ferry.NewIdempotencyKey(),
				"serialNumber":         f.simSN,
				"processingTerminalId": f.terminal,
				"orderId":              "OrderRef6545",
				"amount":               4999,
				"currency":             "USD",
			}
		},
		poll: []string{"pollPaymentInstruction"},
		link: &arazzoLink{before: "retrievePayment", input: "paymentId", from: "pollPaymentInstruction", output: "paymentLink"},
		want: map[string]string{
			"paymentInstructionId":            anyValue,
			"instructionStatus":               "completed",
			"paymentId":                       anyValue,
			"transactionStatus":               "ready",
			"findDevice.matchedSerialNumber":  simSerial,
			"submitPaymentInstruction.status": "inProgress",
		},
	},
	{
		file: "cancel-a-device-payment-instruction",
		cancel: &arazzoCancel{
			collection: "payment-instructions",
			idField:    "paymentInstructionId",
			body: func(f *arazzoFixture) string {
				return fmt.Sprintf(`{"processingTerminalId":%q,"order":{"orderId":"OrderRef6546","amount":4999,"currency":"USD"},"customizationOptions":{"entryMethod":"deviceRead"},"autoCapture":true}`, f.terminal)
			},
		},
		want: map[string]string{
			"paymentInstructionId":         anyValue,
			"getPaymentInstruction.status": "inProgress",
		},
	},
	{
		file: "capture-signature-on-a-device",
		inputs: func(f *arazzoFixture) map[string]any {
			return map[string]any{
				"idempotencyKey":       ferry.NewIdempotencyKey(),
				"serialNumber":         f.simSN,
				"processingTerminalId": f.terminal,
			}
		},
		poll: []string{"getSignatureInstruction"},
		link: &arazzoLink{before: "retrieveSignature", input: "signatureId", from: "getSignatureInstruction", output: "signatureLink"},
		want: map[string]string{
			"signatureInstructionId":         anyValue,
			"signatureId":                    anyValue,
			"contentType":                    "image/png",
			"signature":                      anyValue,
			"createdOn":                      anyValue,
			"getSignatureInstruction.status": "completed",
		},
	},
	{
		file: "cancel-a-device-signature-instruction",
		cancel: &arazzoCancel{
			collection: "signature-instructions",
			idField:    "signatureInstructionId",
			body: func(f *arazzoFixture) string {
				return fmt.Sprintf(`{"processingTerminalId":%q}`, f.terminal)
			},
		},
		want: map[string]string{
			"signatureInstructionId":         anyValue,
			"getSignatureInstruction.status": "inProgress",
		},
	},
	{
		file: "configure-a-device",
		inputs: func(f *arazzoFixture) map[string]any {
			return map[string]any{"processingTerminalId": f.terminal, "model": "paxA920Pro"}
		},
		want: map[string]string{
			"processingTerminalId": "1234001",
			"status":               "active",
			"processingAccountId":  anyValue,
			"deviceModel":          "paxA920Pro",
		},
	},
}

// payrocWorkflows are Payroc's Arazzo documents, by file name without
// .arazzo.yaml, bound to Payroc's OpenAPI file. They are read once per test
// binary: the OpenAPI file takes about a second.
var payrocWorkflows = sync.OnceValues(func() (map[string]*arazzo.Document, error) {
	specFile, err := contract.Locate()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(specFile); err != nil {
		return nil, err
	}
	spec, err := arazzo.LoadSpec(specFile)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(specFile), "arazzo", "*.arazzo.yaml"))
	if err != nil {
		return nil, err
	}
	docs := make(map[string]*arazzo.Document, len(files))
	for _, file := range files {
		d, err := arazzo.Load(file, spec)
		if err != nil {
			return nil, err
		}
		docs[strings.TrimSuffix(filepath.Base(file), ".arazzo.yaml")] = d
	}
	return docs, nil
})

// TestArazzo runs every one of Payroc's Arazzo workflows for Payroc Cloud
// against a real server, on each store.
func TestArazzo(t *testing.T) {
	docs, err := payrocWorkflows()
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("Payroc's OpenAPI and Arazzo files are not beside the repository: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tc := range arazzoCases {
		names = append(names, tc.file)
	}
	for file := range docs {
		if !slices.Contains(names, file) {
			t.Errorf("Payroc's workflow %s has no case in arazzoCases", file)
		}
	}
	for _, name := range names {
		if docs[name] == nil {
			t.Errorf("case %s: no such workflow file", name)
		} else if !slices.Contains(docs[name].Workflows(), name) {
			t.Errorf("%s.arazzo.yaml has workflows %v, not %s", name, docs[name].Workflows(), name)
		}
	}
	if t.Failed() {
		return
	}
	eachDB(t, func(t *testing.T, boot starter) { testArazzo(t, boot, docs) })
}

func testArazzo(t *testing.T, boot starter, docs map[string]*arazzo.Document) {
	// Instructions on the idle device must outlast the cancel workflows,
	// and its confirming GET should not wait long for a change.
	s := boot(t, "--instruction-timeout", "1m", "--poll-wait", "1s")
	merchant, key := s.newMerchant(t, "Arazzo")
	f := &arazzoFixture{
		s:        s,
		c:        s.client(t, key),
		simSN:    "AZ-SIM-" + ferry.NewID()[18:],
		idleSN:   "AZ-IDLE-" + ferry.NewID()[18:],
		terminal: "1234001", // what addDevice registers
	}
	// The simulated device comes first on the terminal, a PAX A920 Pro: the
	// configure-a-device workflow reads its model from the terminal.
	if out, err := s.admin(t, "device", "add", "--merchant", merchant, "--serial", f.simSN, "--terminal", f.terminal,
		"--simulated", "--model", "paxA920Pro"); err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
	s.addDevice(t, merchant, f.idleSN, false)
	for _, tc := range arazzoCases {
		t.Run(tc.file, func(t *testing.T) {
			tc.run(t, f, docs[tc.file])
		})
	}
}

func (tc *arazzoCase) run(t *testing.T, f *arazzoFixture, doc *arazzo.Document) {
	inputs := map[string]any{}
	if tc.inputs != nil {
		inputs = tc.inputs(f)
	}
	var instructionID string
	if tc.cancel != nil {
		instructionID = tc.cancel.submit(t, f)
		inputs[tc.cancel.idField] = instructionID
	}
	r := &arazzo.Runner{
		BaseURL:     f.s.URL + "/v1",
		Client:      httpClient,
		Header:      http.Header{"Authorization": {"Bearer " + f.c.token}},
		RepeatWhile: arazzo.RepeatInProgress(tc.poll...),
	}
	if l := tc.link; l != nil {
		r.BeforeStep = arazzo.InputFromLink(l.before, l.input, l.from, l.output)
	}
	res, err := r.Run(context.Background(), doc, tc.file, inputs)
	if err != nil {
		t.Fatalf("%v\ncalls:\n%s", err, res.Trace())
	}
	for name, want := range tc.want {
		got, ok := res.Outputs[name]
		if step, out, isStep := strings.Cut(name, "."); isStep {
			got, ok = res.Steps[step][out]
		}
		if want == simSerial {
			want = f.simSN
		}
		if text := fmt.Sprint(got); !ok || got == nil || text == "" || (want != anyValue && text != want) {
			t.Errorf("output %s = %#v, want %s\ncalls:\n%s", name, got, want, res.Trace())
		}
	}
	if tc.cancel != nil {
		if got := res.Outputs[tc.cancel.idField]; got != instructionID {
			t.Errorf("output %s = %v, want the instruction canceled, %s", tc.cancel.idField, got, instructionID)
		}
		tc.cancel.check(t, f, instructionID)
	}
}

// submit sends an instruction to the idle device, where it stays in
// progress, and returns its id.
func (c *arazzoCancel) submit(t *testing.T, f *arazzoFixture) string {
	t.Helper()
	r := f.c.do(t, "POST", "/v1/devices/"+f.idleSN+"/"+c.collection, []byte(c.body(f)),
		"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey())
	if r.Status != 202 {
		t.Fatalf("submitting the instruction to cancel: %s", r)
	}
	var in map[string]any
	r.JSON(t, &in)
	id, _ := in[c.idField].(string)
	if id == "" || in["status"] != "inProgress" {
		t.Fatalf("submitted instruction: %s", r)
	}
	return id
}

// check fetches the instruction and wants it canceled.
func (c *arazzoCancel) check(t *testing.T, f *arazzoFixture, id string) {
	t.Helper()
	r := f.c.do(t, "GET", "/v1/"+c.collection+"/"+id, nil)
	var in map[string]any
	r.JSON(t, &in)
	if r.Status != 200 || in["status"] != "canceled" {
		t.Errorf("after the workflow, GET %s: %s; want it canceled", id, r)
	}
}
