package agent

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
)

// SignatureImage draws a small signature, a PNG of 160 × 48 pixels: a
// stroke whose shape follows seed, so that the same seed always draws the
// same image.
func SignatureImage(seed string) []byte {
	const w, h = 160, 48
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	sum := sha256.Sum256([]byte(seed))
	// A pen that moves right and swings up and down by the seed's bytes.
	y := h / 2
	for x := 8; x < w-8; x++ {
		step := int(sum[(x/4)%len(sum)]%5) - 2
		y = min(max(y+step, 8), h-8)
		for dy := -1; dy <= 1; dy++ {
			img.SetGray(x, y+dy, color.Gray{Y: 0x10})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}

// SandboxClosedLoopData is what a simulated device reads from a sandbox
// closed-loop card of type kind ("mifare").
func SandboxClosedLoopData(kind string) []byte {
	b, _ := json.Marshal(map[string]any{
		"type":    kind,
		"uid":     "04A224B2C35E80",
		"balance": 2500,
		"program": "Ferry Sandbox Gift Card",
	})
	return b
}
