package ferry

import "strings"

// DeviceProtocolVersion is the version of the device protocol this build
// speaks; the major version is also in its paths (/device/v1/...).
// docs/device-protocol.md keeps the dated history.
const DeviceProtocolVersion = "1.0"

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
	LeaseToken int64     `json:"leaseToken"`
	Step       string    `json:"step,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Card       *CardRead `json:"card,omitempty"`
}

// Device calls about a held instruction, named as in their paths.
const (
	DeviceCallHeartbeat = "heartbeat"
	DeviceCallProgress  = "progress"
	DeviceCallCardRead  = "card-read"
	DeviceCallCancel    = "cancel"
	DeviceCallFailure   = "failure"
	DeviceCallAck       = "ack"
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
		}}}, true
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
