// Package notify is Ferry's in-process notifier: it wakes waiters in this
// process only. Several instances on one database need a notifier that
// crosses processes instead.
package notify

import (
	"context"
	"sync"

	"github.com/ferrygateway/ferry"
)

// Hub is an in-process ferry.Notifier. The zero value is not usable; call New.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[*sub]struct{}
}

var _ ferry.Notifier = (*Hub)(nil)

// New returns an empty hub.
func New() *Hub { return &Hub{subs: make(map[string]map[*sub]struct{})} }

type sub struct {
	hub *Hub
	key string
	c   chan struct{}
}

func (s *sub) C() <-chan struct{} { return s.c }

func (s *sub) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.subs[s.key]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, s.key)
		}
	}
}

// Subscribe starts listening on key.
func (h *Hub) Subscribe(key string) ferry.Subscription {
	s := &sub{hub: h, key: key, c: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.subs[key]
	if set == nil {
		set = make(map[*sub]struct{})
		h.subs[key] = set
	}
	set[s] = struct{}{}
	return s
}

// Notify wakes every subscriber of each key. It never blocks: a subscriber
// that has not taken its last wake-up keeps just that one.
func (h *Hub) Notify(_ context.Context, keys ...string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, key := range keys {
		for s := range h.subs[key] {
			select {
			case s.c <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

// Len returns the number of open subscriptions, for tests and metrics.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

// Subscribers returns the number of open subscriptions on key: how many
// waits are parked on it. Tests use it to know that a long-poll waits.
func (h *Hub) Subscribers(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[key])
}

// WakeAll wakes every subscriber of every key: after notifications may
// have been lost, everyone reads the state again.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			select {
			case s.c <- struct{}{}:
			default:
			}
		}
	}
}
