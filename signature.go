package ferry

import (
	"bytes"
	"encoding/json"
	"time"
)

// Signature is a cardholder's signature captured on a device, in the shape
// of Payroc's signature resource: the image is Base64 in JSON.
type Signature struct {
	SignatureID          string `json:"signatureId"`
	ProcessingTerminalID string `json:"processingTerminalId"`
	// CreatedOn is the day the signature was captured (Payroc's file
	// declares a date, and the SDKs read a date).
	CreatedOn   Date   `json:"createdOn"`
	ContentType string `json:"contentType"`
	Image       []byte `json:"signature"`

	MerchantID    string    `json:"-"`
	InstructionID string    `json:"-"`
	CreatedAt     time.Time `json:"-"`
}

// ClosedLoopRead is what a device read from a closed-loop card (a MiFare
// gift or loyalty card), in the shape of Payroc's ClosedLoopResponse.
type ClosedLoopRead struct {
	ClosedLoopReadID     string          `json:"closedLoopReadId"`
	ProcessingTerminalID string          `json:"processingTerminalId"`
	ReadDate             Date            `json:"readDate"`
	Data                 json.RawMessage `json:"data"`

	MerchantID    string    `json:"-"`
	InstructionID string    `json:"-"`
	ReadAt        time.Time `json:"-"`
}

// Date is a day that Payroc's API writes as "2024-07-02", in UTC.
type Date time.Time

// MarshalJSON writes d as YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(d).UTC().Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads YYYY-MM-DD.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return err
	}
	*d = Date(t)
	return nil
}

// Limits of what a device may send with a signature or a closed-loop read.
const (
	MaxSignatureImage = 256 << 10 // bytes, decoded
	MaxClosedLoopData = 4 << 10   // bytes of JSON
)

// Signature content types a device may send, and their magic numbers.
var signatureTypes = map[string][]byte{
	"image/png":  []byte("\x89PNG\r\n\x1a\n"),
	"image/jpeg": {0xFF, 0xD8, 0xFF},
}

// ValidSignatureImage reports whether image is an image of contentType:
// PNG or JPEG, checked by its first bytes.
func ValidSignatureImage(contentType string, image []byte) bool {
	magic, ok := signatureTypes[contentType]
	return ok && bytes.HasPrefix(image, magic)
}
