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

func deviceRequestSchema(call string) (Schema, bool) {
	token := Prop{"leaseToken", true, Integer{}}
	switch call {
	case DeviceCallHeartbeat, DeviceCallCancel, DeviceCallAck:
		return Object{token}, true
	case DeviceCallProgress:
		return Object{token, {"step", true, Str{Min: 1, Max: 64}}}, true
	case DeviceCallFailure:
		return Object{token, {"reason", false, Str{Max: 512}}}, true
	case DeviceCallCardRead:
		return Object{token, {"card", true, Object{
			{"cardNumber", true, Str{Min: 13, Max: 19}},
			{"expiryDate", true, Str{Min: 4, Max: 4}},
			{"entryMethod", false, Str{Max: 32}},
			{"cardholderName", false, Str{Max: 50}},
			{"tipAmount", false, Integer{}},
			{"dualPricingApplied", false, Boolean{}},
		}}}, true
	case DeviceCallSignature:
		return Object{token, {"signature", true, Object{
			{"contentType", true, Str{Enum: []string{"image/png", "image/jpeg"}}},
			{"image", true, Str{Min: 1, Max: MaxSignatureImage * 4 / 3}},
		}}}, true
	case DeviceCallClosedLoopRead:
		return Object{token, {"data", true, Freeform{}}}, true
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
	err := Validate(body, s, &req, func(v any, errs *[]FieldError) {
		if n, ok := Lookup(v, "leaseToken"); ok && n.(int64) < 1 {
			AddProblem(errs, "leaseToken", "not positive", "leaseToken must be the lease's token, a number from 1 up")
		}
		if pan, ok := Lookup(v, "card", "cardNumber"); ok && !allDigits(pan.(string)) {
			AddProblem(errs, "card.cardNumber", "not digits", "card.cardNumber must be digits only")
		}
		if n, ok := Lookup(v, "card", "tipAmount"); ok && n.(int64) < 0 {
			AddProblem(errs, "card.tipAmount", "negative", "card.tipAmount must not be negative")
		}
		if img, ok := Lookup(v, "signature", "image"); ok {
			ct, _ := Lookup(v, "signature", "contentType")
			raw, err := base64.StdEncoding.DecodeString(img.(string))
			switch {
			case err != nil:
				AddProblem(errs, "signature.image", "invalid", "signature.image must be Base64 (standard alphabet, padded)")
			case len(raw) > MaxSignatureImage:
				AddProblem(errs, "signature.image", "too large", "signature.image must be at most %d bytes", MaxSignatureImage)
			case ct != nil && !ValidSignatureImage(ct.(string), raw):
				AddProblem(errs, "signature.image", "invalid", "signature.image is not an image of type %s", ct)
			}
		}
		if d, ok := Lookup(v, "data"); ok {
			if b, _ := json.Marshal(d); len(b) > MaxClosedLoopData {
				AddProblem(errs, "data", "too large", "data must be at most %d bytes of JSON", MaxClosedLoopData)
			}
		}
	})
	return req, err
}

var pairSchema = Object{
	{"code", true, Str{Min: 1, Max: 32}},
	{"serialNumber", true, Str{Min: 1, Max: MaxSerialNumber}},
}

// DecodePairRequest parses and validates a pairing request.
func DecodePairRequest(body []byte) (PairRequest, error) {
	var req PairRequest
	err := Validate(body, pairSchema, &req, nil)
	return req, err
}
