package agent

import (
	"context"
	"log/slog"
	"sync"

	"github.com/ferrygateway/ferry"
)

// Fleet runs an agent for every simulated device, including devices
// registered while it runs.
type Fleet struct {
	// Devices lists the simulated devices.
	Devices func(ctx context.Context) ([]*ferry.Device, error)
	// Connect opens a session for a device.
	Connect func(d *ferry.Device) ferry.DeviceConn
	// Notifier tells the fleet when work is queued for a simulated device
	// (ferry.SimulatorTopic), so that it starts agents for new devices.
	Notifier ferry.Notifier
	// Cardholder acts at every device.
	Cardholder Cardholder
	Log        *slog.Logger
}

// Run drives the simulated devices until ctx ends, then waits for every
// agent to stop.
func (f *Fleet) Run(ctx context.Context) error {
	log := f.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sub := f.Notifier.Subscribe(ferry.SimulatorTopic)
	defer sub.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	running := make(map[string]bool)
	for {
		devices, err := f.Devices(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("listing simulated devices failed", "err", err)
		}
		for _, d := range devices {
			if running[d.ID] {
				continue
			}
			running[d.ID] = true
			a := &Agent{Conn: f.Connect(d), Cardholder: f.Cardholder, Log: log.With("device", d.SerialNumber)}
			wg.Go(func() { a.Run(ctx) })
		}
		select {
		case <-sub.C():
		case <-ctx.Done():
			return nil
		}
	}
}
