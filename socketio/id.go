package socketio

import (
	"crypto/rand"
	"encoding/base64"
)

// newID returns 20 URL-safe characters from 15 random bytes, the shape of Node's socket ids.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
