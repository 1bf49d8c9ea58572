package jsjson

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// plainByte[c] is true for the ASCII bytes JSON.stringify writes as they are.
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string the way JSON.stringify writes it: only '"', '\\' and
// the control characters are escaped; everything else, '<', '>', '&', U+2028 and U+2029
// included, is written raw. Invalid UTF-8 becomes U+FFFD, one per bad byte (a JavaScript
// string cannot hold it).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}

// AppendNumber appends f as JSON.stringify writes a number: Number#toString (shortest
// round-trip digits, exponent form below 1e-6 and from 1e21 on, 0 for -0), and null for NaN
// and ±Infinity.
func AppendNumber(dst []byte, f float64) []byte {
	return appendNumber(dst, f, 64)
}

// AppendFloat32 is AppendNumber with the shortest digits that identify f as a float32 (0.1,
// not 0.10000000149011612), as encoding/json writes a float32.
func AppendFloat32(dst []byte, f float32) []byte {
	return appendNumber(dst, float64(f), 32)
}

// AppendNumberName appends f as String(f) does: AppendNumber, except that NaN and ±Infinity
// keep their names ("NaN", "Infinity", "-Infinity"), as when a number becomes a property
// name or an event name.
func AppendNumberName(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return AppendNumber(dst, f)
}

func appendNumber(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0') // -0 too
	}
	if bits == 64 && f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(dst, int64(f), 10) // the common case, exact
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits) // shortest round-trip digits: d[.ddd]e±x
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	epos := bytes.IndexByte(s, 'e')
	var digits [24]byte
	k := 0
	for _, c := range s[:epos] {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	exp := 0
	for _, c := range s[epos+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[epos+1] == '-' {
		exp = -exp
	}
	n := exp + 1 // the decimal point sits after n digits
	d := digits[:k]
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// maxDateMillis is the largest distance from the epoch a JavaScript Date can hold.
const maxDateMillis = 8.64e15

// AppendDate appends t as JSON.stringify writes a Date (Date#toJSON): a quoted ISO 8601
// string in UTC with milliseconds (truncated), the year as a signed six-digit number outside
// 0000–9999, or null when t is out of the range of a JavaScript Date.
func AppendDate(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms > maxDateMillis || ms < -maxDateMillis {
		return append(dst, "null"...)
	}
	t = time.UnixMilli(ms).UTC()
	dst = append(dst, '"')
	year := t.Year()
	switch {
	case year < 0:
		dst = append(dst, '-')
		dst = appendPadded(dst, -year, 6)
	case year > 9999:
		dst = append(dst, '+')
		dst = appendPadded(dst, year, 6)
	default:
		dst = appendPadded(dst, year, 4)
	}
	dst = t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	return append(dst, '"')
}

func appendPadded(dst []byte, n, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}
