package ferry

import "context"

// Notifier wakes whoever waits for a change. Notifications carry no data:
// a woken waiter reads the current state from the store. A notification may
// be lost or arrive twice; waiters must tolerate both.
type Notifier interface {
	// Notify wakes every current subscriber of each key.
	Notify(ctx context.Context, keys ...string) error
	// Subscribe starts listening on key. Close the subscription when done.
	Subscribe(key string) Subscription
}

// Subscription delivers wake-ups for one key.
type Subscription interface {
	// C receives a value after each notification; wake-ups that arrive
	// before the last was received are merged into one.
	C() <-chan struct{}
	Close()
}

// InstructionTopic is the notifier key for changes to one instruction.
func InstructionTopic(id string) string { return "i:" + id }

// DeviceTopic is the notifier key for work for one device.
func DeviceTopic(id string) string { return "d:" + id }

// SimulatorTopic is notified when a simulated device is added, or when work
// is queued for one that the submitting process does not drive yet, so that
// the simulator can start driving a device it did not know.
const SimulatorTopic = "sim"

// RevokedTopic is notified when an API key is revoked, so that every
// instance forgets the bearer tokens it remembers.
const RevokedTopic = "revoked"
