package core

import (
	"context"

	"github.com/ferrygateway/ferry"
)

// SandboxSpec describes the sandbox merchant and its simulated devices.
type SandboxSpec struct {
	Name     string
	Serials  []string
	Terminal string
}

// Sandbox is the sandbox merchant as it stands.
type Sandbox struct {
	Merchant *ferry.Merchant
	// APIKey is set only when the sandbox was created just now: it is
	// shown once.
	APIKey  string
	Devices []*ferry.Device
}

// EnsureSandbox creates the sandbox merchant and its simulated devices on
// an empty database, in one transaction under a lock, so that instances
// starting together create it once. On a database with merchants it
// returns the merchant named spec.Name, without its key, or nil if there is
// none.
func (s *Service) EnsureSandbox(ctx context.Context, spec SandboxSpec) (*Sandbox, error) {
	var sb *Sandbox
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		sb = nil
		if err := tx.Lock(ctx, "sandbox"); err != nil {
			return err
		}
		merchants, err := tx.MerchantList(ctx)
		if err != nil {
			return err
		}
		if len(merchants) > 0 {
			for _, m := range merchants {
				if m.Name == spec.Name {
					devices, err := tx.DeviceList(ctx, ferry.DeviceListParams{MerchantID: m.ID})
					sb = &Sandbox{Merchant: m, Devices: devices}
					return err
				}
			}
			return nil
		}
		m, key, err := s.createMerchant(ctx, tx, spec.Name)
		if err != nil {
			return err
		}
		sb = &Sandbox{Merchant: m, APIKey: key}
		for _, serial := range spec.Serials {
			d, err := s.addDevice(ctx, tx, AddDeviceParams{MerchantID: m.ID, SerialNumber: serial, ProcessingTerminalID: spec.Terminal, Simulated: true})
			if err != nil {
				return err
			}
			sb.Devices = append(sb.Devices, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sb != nil && sb.APIKey != "" {
		s.notify(ctx, ferry.SimulatorTopic)
	}
	return sb, nil
}
