package core

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

// DefaultPairCodeTTL is how long a pairing code stays valid.
const DefaultPairCodeTTL = 10 * time.Minute

// IssueDeviceCredential makes a new credential for the merchant's device
// and returns its secret, shown this once: only its hash is stored.
func (s *Service) IssueDeviceCredential(ctx context.Context, merchantID, deviceID string) (string, *ferry.DeviceCredential, error) {
	var secret string
	var cred *ferry.DeviceCredential
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		d, err := tx.DeviceGet(ctx, deviceID)
		if err != nil {
			return err
		}
		if d.MerchantID != merchantID {
			return ferry.NotFound("device")
		}
		secret, cred, err = insertCredential(ctx, tx, d)
		return err
	})
	return secret, cred, err
}

func insertCredential(ctx context.Context, tx ferry.Tx, d *ferry.Device) (string, *ferry.DeviceCredential, error) {
	secret := ferry.NewSecret(ferry.DeviceCredentialPrefix)
	cred := &ferry.DeviceCredential{
		ID:         ferry.NewID(),
		DeviceID:   d.ID,
		MerchantID: d.MerchantID,
		Prefix:     secret[:len(ferry.DeviceCredentialPrefix)+4],
		Hash:       ferry.HashSecret(secret),
		CreatedAt:  tx.Now(),
	}
	return secret, cred, tx.DeviceCredentialInsert(ctx, cred)
}

// PairCodeParams asks for a pairing code for a device.
type PairCodeParams struct {
	MerchantID           string
	SerialNumber         string
	ProcessingTerminalID string
	// TTL is how long the code stays valid. Default: DefaultPairCodeTTL.
	TTL time.Duration
}

// pairAlphabet leaves out letters and digits that people confuse
// (0/O, 1/I/L).
const pairAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CreatePairCode makes a one-time code with which the device with that
// serial number can pair. The device is registered if the merchant does not
// have it yet; an existing device must be on the same processing terminal.
func (s *Service) CreatePairCode(ctx context.Context, p PairCodeParams) (string, *ferry.Device, time.Time, error) {
	if p.TTL <= 0 {
		p.TTL = DefaultPairCodeTTL
	}
	d, err := s.store.DeviceGetBySerial(ctx, p.MerchantID, p.SerialNumber)
	switch {
	case ferry.ErrorCode(err) == ferry.CodeNotFound:
		d, err = s.AddDevice(ctx, AddDeviceParams{MerchantID: p.MerchantID, SerialNumber: p.SerialNumber, ProcessingTerminalID: p.ProcessingTerminalID})
		if err != nil {
			return "", nil, time.Time{}, err
		}
	case err != nil:
		return "", nil, time.Time{}, err
	case p.ProcessingTerminalID != "" && p.ProcessingTerminalID != d.ProcessingTerminalID:
		return "", nil, time.Time{}, ferry.Errorf(ferry.CodeConflict,
			"Device %s is registered on processing terminal %s, not %s", shown(d.SerialNumber), shown(d.ProcessingTerminalID), ferry.Quote(p.ProcessingTerminalID))
	}
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = pairAlphabet[int(b[i])%len(pairAlphabet)]
	}
	code := string(b[:4]) + "-" + string(b[4:])
	var expires time.Time
	err = s.store.Update(ctx, func(tx ferry.Tx) error {
		expires = tx.Now().Add(p.TTL)
		return tx.PairCodeInsert(ctx, &ferry.PairCode{
			Hash: pairCodeHash(code), MerchantID: d.MerchantID, DeviceID: d.ID, CreatedAt: tx.Now(), ExpiresAt: expires,
		})
	})
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return code, d, expires, nil
}

// pairCodeHash hashes a code as people may type it: any case, with or
// without the dash and spaces.
func pairCodeHash(code string) []byte {
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	return ferry.HashSecret("pair:" + code)
}

// Pair exchanges a pairing code and the device's serial number for a new
// device credential. A code works once, before it expires, and only for the
// serial number it was made for; anything else is CodeUnauthorized.
func (s *Service) Pair(ctx context.Context, code, serial string) (string, *ferry.Device, error) {
	var secret string
	var dev *ferry.Device
	// An unknown code is refused with a read, without the writer.
	if _, err := s.store.PairCodeGetByHash(ctx, pairCodeHash(code)); ferry.ErrorCode(err) == ferry.CodeNotFound {
		return "", nil, errPairingNotValid
	}
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		// Only the right code with the right serial number learns more than
		// "not valid": whether the code was used or expired.
		pc, err := tx.PairCodeGetByHash(ctx, pairCodeHash(code))
		if ferry.ErrorCode(err) == ferry.CodeNotFound {
			return errPairingNotValid
		}
		if err != nil {
			return err
		}
		if dev, err = tx.DeviceGet(ctx, pc.DeviceID); err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(dev.SerialNumber), []byte(serial)) != 1 {
			return errPairingNotValid
		}
		switch {
		case !pc.UsedAt.IsZero():
			return ferry.Errorf(ferry.CodeUnauthorized, "The pairing code was already used; make a new one with `ferry device pair-code`")
		case !tx.Now().Before(pc.ExpiresAt):
			return ferry.Errorf(ferry.CodeUnauthorized, "The pairing code expired; make a new one with `ferry device pair-code`")
		}
		if err := tx.PairCodeUse(ctx, pc.Hash, tx.Now()); err != nil {
			return err
		}
		secret, _, err = insertCredential(ctx, tx, dev)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, dev, nil
}

var errPairingNotValid = ferry.Errorf(ferry.CodeUnauthorized, "The pairing code is not valid for this serial number")

// errDeviceNotAuthorized is the one answer for every device credential
// that does not work, unknown or revoked.
var errDeviceNotAuthorized = ferry.Errorf(ferry.CodeUnauthorized, "The device credential is not valid: it is unknown or was revoked; pair the device again")

// AuthenticateDevice returns the device and credential behind a device
// credential's secret; an unknown or revoked one is CodeUnauthorized.
func (s *Service) AuthenticateDevice(ctx context.Context, secret string) (*ferry.Device, *ferry.DeviceCredential, error) {
	if secret == "" {
		return nil, nil, ferry.Errorf(ferry.CodeUnauthorized, "Send the device credential as Authorization: Bearer <credential>")
	}
	hash := ferry.HashSecret(secret)
	cred, err := s.store.DeviceCredentialGetByHash(ctx, hash)
	if ferry.ErrorCode(err) == ferry.CodeNotFound {
		return nil, nil, errDeviceNotAuthorized
	}
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(cred.Hash, hash) != 1 || !cred.RevokedAt.IsZero() {
		return nil, nil, errDeviceNotAuthorized
	}
	d, err := s.store.DeviceGet(ctx, cred.DeviceID)
	if err != nil {
		return nil, nil, err
	}
	return d, cred, nil
}

// RevokeDevice revokes every credential of the merchant's device at once:
// calls in progress on them end with CodeUnauthorized. It returns how many
// credentials it revoked.
func (s *Service) RevokeDevice(ctx context.Context, merchantID, serial string) (int64, error) {
	d, err := s.store.DeviceGetBySerial(ctx, merchantID, serial)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.store.Update(ctx, func(tx ferry.Tx) (err error) {
		n, err = tx.DeviceCredentialRevoke(ctx, merchantID, d.ID, tx.Now())
		return err
	})
	if err != nil {
		return 0, err
	}
	s.notify(ctx, ferry.DeviceTopic(d.ID))
	return n, nil
}

// DeviceSession returns the connection of a device session that
// authenticated with cred and speaks device protocol version protocol ("1.0"
// if it named none). Every wait of the session ends with CodeUnauthorized
// as soon as the credential is revoked.
func (s *Service) DeviceSession(d *ferry.Device, cred *ferry.DeviceCredential, session, protocol string) ferry.DeviceConn {
	if protocol == "" {
		protocol = "1.0"
	}
	return &deviceConn{s: s, dev: d, cred: cred, session: session, protocol: protocol}
}

// checkCredential fails once the session's credential has been revoked.
func (c *deviceConn) checkCredential(ctx context.Context) error {
	if c.cred == nil {
		return nil
	}
	cred, err := c.s.store.DeviceCredentialGet(ctx, c.cred.ID)
	if err != nil {
		return fmt.Errorf("checking the device credential: %w", err)
	}
	if !cred.RevokedAt.IsZero() {
		return errDeviceNotAuthorized
	}
	return nil
}
