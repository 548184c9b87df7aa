package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/api"
	"github.com/ferrygateway/ferry/client"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/payroc"
	"github.com/ferrygateway/ferry/sim"
	"github.com/ferrygateway/ferry/sqlite"
)

// The three steps of an unreferenced refund: send the instruction to the
// device, wait for it to end, read the refund.
func Example() {
	ferryURL, apiKey, stop := sandbox() // a Ferry sandbox, as `ferry serve` runs it
	defer stop()
	ctx := context.Background()

	c, err := client.New(client.Ferry(ferryURL), apiKey)
	if err != nil {
		log.Fatal(err)
	}
	in, err := c.CreateRefundInstruction(ctx, "1850010868", payroc.RefundInstructionRequest{
		ProcessingTerminalID: "1234001",
		Order: payroc.InstructionOrder{OrderID: "OrderRef6543", Description: "Refund for order OrderRef6543",
			Amount: 4999, Currency: "USD"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("submitted:", in.Status)

	in, err = c.WaitRefundInstruction(ctx, in.RefundInstructionID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("instruction:", in.Status)

	refund, err := c.RefundOf(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	tr := refund.TransactionResult
	fmt.Println("refund:", tr.Status, tr.ResponseCode, ferry.Money{Amount: refund.Order.Amount, Currency: refund.Order.Currency}, refund.Card.CardNumber)
	// Output:
	// submitted: inProgress
	// instruction: completed
	// refund: ready A 49.99 USD 453985******7062
}

// An instruction that can no longer be canceled answers with an *Error.
func ExampleClient_CancelRefundInstruction() {
	ferryURL, apiKey, stop := sandbox()
	defer stop()
	ctx := context.Background()
	c, _ := client.New(client.Ferry(ferryURL), apiKey)
	in, _ := c.CreateRefundInstruction(ctx, "1850010868", payroc.RefundInstructionRequest{
		ProcessingTerminalID: "1234001",
		Order:                payroc.InstructionOrder{OrderID: "O-2", Amount: 1000, Currency: "EUR"},
	})
	c.WaitRefundInstruction(ctx, in.RefundInstructionID, nil)

	err := c.CancelRefundInstruction(ctx, in.RefundInstructionID)
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Slug, apiErr.Link.Rel)
	}
	// Output:
	// 409 cannot-be-canceled refund
}

// sandbox runs a Ferry with a simulated device in this process.
func sandbox() (url, apiKey string, stop func()) {
	dir, _ := os.MkdirTemp("", "ferry-example-")
	ctx, cancel := context.WithCancel(context.Background())
	db, err := sqlite.Open(ctx, filepath.Join(dir, "ferry.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	hub := notify.New()
	svc := core.New(db, hub, sim.NewProcessor(), nil, nil, core.Config{})
	sb, err := svc.EnsureSandbox(ctx, core.SandboxSpec{Name: "Sandbox", Serials: []string{"1850010868"}, Terminal: "1234001"})
	if err != nil {
		log.Fatal(err)
	}
	fleet := &agent.Fleet{
		Devices:    func(ctx context.Context) ([]*ferry.Device, error) { return sb.Devices, nil },
		Connect:    func(d *ferry.Device) ferry.DeviceConn { return svc.DeviceConn(d, "sim") },
		Notifier:   hub,
		Cardholder: &agent.Auto{Delay: 10 * time.Millisecond},
	}
	done := make(chan struct{})
	go func() { fleet.Run(ctx); close(done) }()
	srv := httptest.NewServer(api.New(svc, api.Config{}, nil).Handler())
	return srv.URL, sb.APIKey, func() {
		srv.Close()
		cancel()
		<-done
		db.Close()
		os.RemoveAll(dir)
	}
}
