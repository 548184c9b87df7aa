package ferry

import "time"

// Device is a payment device (terminal) registered to a merchant.
type Device struct {
	ID           string
	MerchantID   string
	SerialNumber string
	// ProcessingTerminalID is the processing terminal the device belongs to;
	// instructions for the device must name it.
	ProcessingTerminalID string
	// Simulated devices are run by Ferry's built-in simulator.
	Simulated bool
	Model     string
	CreatedAt time.Time
	// LastSeenAt is when the device last polled or renewed a lease.
	LastSeenAt time.Time
}

// Online reports whether the device was seen within window of now.
func (d *Device) Online(now time.Time, window time.Duration) bool {
	return !d.LastSeenAt.IsZero() && now.Sub(d.LastSeenAt) < window
}
