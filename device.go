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

// DeviceCredential lets a device connect over the device protocol. Only
// its hash is stored; the secret is shown once, when it is issued.
type DeviceCredential struct {
	ID         string
	DeviceID   string
	MerchantID string
	// Prefix is the start of the secret, to tell credentials apart.
	Prefix    string
	Hash      []byte
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// DeviceCredentialPrefix starts every device credential.
const DeviceCredentialPrefix = "fy_dev_"

// PairCode is a short one-time code that a device exchanges, with its
// serial number, for a credential. Only its hash is stored.
type PairCode struct {
	Hash       []byte
	MerchantID string
	DeviceID   string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     time.Time // zero until used
}
