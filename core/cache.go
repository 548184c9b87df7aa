package core

import (
	"context"
	"sync"

	"github.com/ferrygateway/ferry"
)

// deviceCache remembers devices by merchant and serial number. What a
// submission needs of a device (its id, terminal and whether it is
// simulated) never changes, and devices are never deleted, so entries never
// go stale.
type deviceCache struct {
	mu sync.Mutex
	m  map[[2]string]*ferry.Device
}

// maxCachedDevices bounds the cache; when full it starts over.
const maxCachedDevices = 100_000

// device returns the merchant's device with the serial number.
func (s *Service) device(ctx context.Context, merchantID, serial string) (*ferry.Device, error) {
	key := [2]string{merchantID, serial}
	s.devices.mu.Lock()
	d := s.devices.m[key]
	s.devices.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := s.store.DeviceGetBySerial(ctx, merchantID, serial)
	if err != nil {
		return nil, err
	}
	s.devices.mu.Lock()
	defer s.devices.mu.Unlock()
	if len(s.devices.m) >= maxCachedDevices {
		clear(s.devices.m)
	}
	s.devices.m[key] = d
	return d, nil
}
