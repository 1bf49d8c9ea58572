package wire

import (
	"crypto/rand"
	"encoding/hex"
)

// classicAlphabet is the alphabet of Node's classic uids and request ids (64 characters, so a
// random byte modulo 64 picks one without bias).
const classicAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// NewClassicID returns a classic-family node uid or request id: 6 random characters from
// A–Z a–z 0–9 - _, as Node's classic adapter makes them.
func NewClassicID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read)
	for i := range b {
		b[i] = classicAlphabet[b[i]%64]
	}
	return string(b[:])
}

// NewClusterID returns a sharded-family node uid or request id: 16 lowercase hex characters
// (8 random bytes), as Node's ClusterAdapter makes them.
func NewClusterID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read)
	return hex.EncodeToString(b[:])
}
