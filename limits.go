package ferry

import (
	"unicode/utf8"
)

// Limits from Payroc's OpenAPI file.
const (
	MaxSerialNumber     = 64 // serialNumber path parameter
	MaxInstructionID    = 36 // refundInstructionId
	RefundIDLength      = 10 // refundId
	MinProcessingTermID = 4
	MaxProcessingTermID = 50
)

// ValidSerialNumber reports whether s can be a device serial number:
// 1 to 64 characters, as Payroc's path parameter allows.
func ValidSerialNumber(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxSerialNumber
}

// ValidInstructionID reports whether s has the form of an instruction id
// (1 to 36 characters).
func ValidInstructionID(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxInstructionID
}

// ValidRefundID reports whether s has the form of a refund id (exactly 10
// characters).
func ValidRefundID(s string) bool { return utf8.RuneCountInString(s) == RefundIDLength }
