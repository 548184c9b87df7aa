package ferry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// DeviceProtocolVersion is the version of the device protocol this build
// speaks; the major version is also in its paths (/device/v1/...).
// docs/device-protocol.md keeps the dated history.
const DeviceProtocolVersion = "1.1"

// DeviceProtocolHeader carries the protocol version a device speaks on its
// requests, and the version the server speaks on its answers. A device that
// sends none speaks 1.0, which knows refunds only: it is never handed a
// sale or a signature.
const DeviceProtocolHeader = "Ferry-Device-Protocol"

// ProtocolKinds reports whether a device that speaks protocol version v
// can run instructions of kind k: refunds from 1.0, payments and
// signatures from 1.1.
func ProtocolKinds(v string, k InstructionKind) bool {
	if k == KindRefund {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 1 || major == 1 && minor >= 1
}

// SessionHeader names the device session on a request for work.
const SessionHeader = "Ferry-Session"

// PairRequest exchanges a pairing code for a device credential.
type PairRequest struct {
	Code         string `json:"code"`
	SerialNumber string `json:"serialNumber"`
}

// PairResponse carries a new device credential, shown this once.
type PairResponse struct {
	Credential string     `json:"credential"`
	Device     DeviceInfo `json:"device"`
}

// DeviceInfo describes a device to itself.
type DeviceInfo struct {
	DeviceID             string `json:"deviceId"`
	SerialNumber         string `json:"serialNumber"`
	ProcessingTerminalID string `json:"processingTerminalId"`
	Merchant             string `json:"merchant"`
	ProtocolVersion      string `json:"protocolVersion"`
}

// DeviceRequest is the body of every device call about a held
// instruction. Which members are required depends on the call.
type DeviceRequest struct {
	LeaseToken int64             `json:"leaseToken"`
	Step       string            `json:"step,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	Card       *CardRead         `json:"card,omitempty"`
	Signature  *SignatureCapture `json:"signature,omitempty"`
	Data       json.RawMessage   `json:"data,omitempty"`
}

// SignatureCapture is a signature image a device captured.
type SignatureCapture struct {
	ContentType string `json:"contentType"`
	Image       []byte `json:"image"` // Base64 in JSON
}

// Device calls about a held instruction, named as in their paths.
const (
	DeviceCallHeartbeat = "heartbeat"
	DeviceCallProgress  = "progress"
	DeviceCallCardRead  = "card-read"
	DeviceCallCancel    = "cancel"
	DeviceCallFailure   = "failure"
	DeviceCallAck       = "ack"
	// Protocol 1.1:
	DeviceCallSignature      = "signature"
	DeviceCallClosedLoopRead = "closed-loop-read"
)

func deviceRequestSchema(call string) (schema, bool) {
	token := prop{"leaseToken", true, integer{}}
	switch call {
	case DeviceCallHeartbeat, DeviceCallCancel, DeviceCallAck:
		return object{token}, true
	case DeviceCallProgress:
		return object{token, {"step", true, str{min: 1, max: 64}}}, true
	case DeviceCallFailure:
		return object{token, {"reason", false, str{max: 512}}}, true
	case DeviceCallCardRead:
		return object{token, {"card", true, object{
			{"cardNumber", true, str{min: 13, max: 19}},
			{"expiryDate", true, str{min: 4, max: 4}},
			{"entryMethod", false, str{max: 32}},
			{"cardholderName", false, str{max: 50}},
			{"tipAmount", false, integer{}},
			{"dualPricingApplied", false, boolean{}},
		}}}, true
	case DeviceCallSignature:
		return object{token, {"signature", true, object{
			{"contentType", true, str{enum: []string{"image/png", "image/jpeg"}}},
			{"image", true, str{min: 1, max: MaxSignatureImage * 4 / 3}},
		}}}, true
	case DeviceCallClosedLoopRead:
		return object{token, {"data", true, freeform{}}}, true
	}
	return nil, false
}

// DecodeDeviceRequest parses and validates the body of a device call
// (DeviceCallHeartbeat, ...). An unknown call is CodeNotFound; a bad body
// is CodeInvalid, listing every problem. Error messages never repeat a
// card number.
func DecodeDeviceRequest(call string, body []byte) (DeviceRequest, error) {
	var req DeviceRequest
	s, ok := deviceRequestSchema(call)
	if !ok {
		return req, NotFound("device call " + strings.ToValidUTF8(echo(call, 32), "?"))
	}
	err := validate(body, s, &req, func(v any, errs *[]FieldError) {
		if n, ok := lookup(v, "leaseToken"); ok && n.(int64) < 1 {
			problem(errs, "leaseToken", "not positive", "leaseToken must be the lease's token, a number from 1 up")
		}
		if pan, ok := lookup(v, "card", "cardNumber"); ok && !allDigits(pan.(string)) {
			problem(errs, "card.cardNumber", "not digits", "card.cardNumber must be digits only")
		}
		if n, ok := lookup(v, "card", "tipAmount"); ok && n.(int64) < 0 {
			problem(errs, "card.tipAmount", "negative", "card.tipAmount must not be negative")
		}
		if img, ok := lookup(v, "signature", "image"); ok {
			ct, _ := lookup(v, "signature", "contentType")
			raw, err := base64.StdEncoding.DecodeString(img.(string))
			switch {
			case err != nil:
				problem(errs, "signature.image", "invalid", "signature.image must be Base64 (standard alphabet, padded)")
			case len(raw) > MaxSignatureImage:
				problem(errs, "signature.image", "too large", "signature.image must be at most %d bytes", MaxSignatureImage)
			case ct != nil && !ValidSignatureImage(ct.(string), raw):
				problem(errs, "signature.image", "invalid", "signature.image is not an image of type %s", ct)
			}
		}
		if d, ok := lookup(v, "data"); ok {
			if b, _ := json.Marshal(d); len(b) > MaxClosedLoopData {
				problem(errs, "data", "too large", "data must be at most %d bytes of JSON", MaxClosedLoopData)
			}
		}
	})
	return req, err
}

var pairSchema = object{
	{"code", true, str{min: 1, max: 32}},
	{"serialNumber", true, str{min: 1, max: MaxSerialNumber}},
}

// DecodePairRequest parses and validates a pairing request.
func DecodePairRequest(body []byte) (PairRequest, error) {
	var req PairRequest
	err := validate(body, pairSchema, &req, nil)
	return req, err
}
