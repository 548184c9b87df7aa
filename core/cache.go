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

// endedCache remembers the states of ended instructions by merchant and
// id. An instruction that has ended never changes again, on any instance,
// so entries never go stale; a status request for one needs no database.
type endedCache struct {
	mu sync.RWMutex
	m  map[[2]string]ferry.InstructionState
}

// maxEndedStates bounds the cache (about 150 bytes an entry); when full it
// starts over.
const maxEndedStates = 50_000

// instructionState reads an instruction's state, from the cache once it
// has ended.
func (s *Service) instructionState(ctx context.Context, merchantID, id string) (*ferry.InstructionState, error) {
	key := [2]string{merchantID, id}
	s.ended.mu.RLock()
	st, ok := s.ended.m[key]
	s.ended.mu.RUnlock()
	if ok {
		return &st, nil
	}
	got, err := s.store.InstructionStateGet(ctx, merchantID, id)
	if err != nil || got.Phase.Active() {
		return got, err
	}
	s.ended.keep(merchantID, got)
	return got, nil
}

// keep remembers the state of an instruction that has ended.
func (c *endedCache) keep(merchantID string, st *ferry.InstructionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxEndedStates {
		clear(c.m)
	}
	c.m[[2]string{merchantID, st.ID}] = *st
}
