package web

import (
	"bytes"
	"encoding/base64"
	"image/png"

	"github.com/pquerna/otp"
)

// totpQR draws an otpauth:// URL as a QR code, a PNG data URL the account page shows for the
// authenticator app to scan ("" when it cannot be drawn; the secret is shown as text beside it).
// Drawn on the server: the secret goes to no other site and the UI needs no QR library.
func totpQR(url string) string {
	key, err := otp.NewKeyFromURL(url)
	if err != nil {
		return ""
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
