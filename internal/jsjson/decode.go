package jsjson

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeOptions says what Decode makes of objects, numbers and placeholders.
type DecodeOptions struct {
	// Maps decodes objects as map[string]any and every number as float64, as json.Unmarshal
	// decodes into an any. Otherwise objects are Objects (keys in order) and numbers follow
	// Number: int64 when whole and in int64 range, float64 otherwise.
	Maps bool
	// Attachments, when not empty, replaces each placeholder object by the attachment it
	// names (the []byte shares its memory). A placeholder whose num is not a whole number
	// in range is an error.
	Attachments [][]byte
}

// Decode decodes one JSON value, optionally surrounded by whitespace, as JSON.parse does:
// strings are valid UTF-8 (invalid bytes and lone surrogates become U+FFFD); numbers too
// large become ±Inf, too small 0; arrays are []any, never nil. Errors are *SyntaxError or
// wrap ErrTooDeep.
func Decode(data []byte, o DecodeOptions) (any, error) {
	d := decoderPool.Get().(*decoder)
	d.lexer = lexer{data: data}
	d.DecodeOptions = o
	v, err := d.value()
	if err == nil {
		d.skipWS()
		if d.pos != len(d.data) {
			err = d.fail("data after the JSON value")
		}
	}
	d.data, d.Attachments = nil, nil
	clear(d.vals[:cap(d.vals)])
	clear(d.mems[:cap(d.mems)])
	d.vals, d.mems = d.vals[:0], d.mems[:0]
	if cap(d.vals) <= 1024 && cap(d.mems) <= 1024 {
		decoderPool.Put(d)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// decoder builds generic values on the lexer's tokens.
type decoder struct {
	lexer
	DecodeOptions
	// vals and mems are stacks shared by all nesting levels: a container collects its items
	// above its mark and copies them out once complete, so each costs one exact allocation.
	vals []any
	mems []Member
}

var decoderPool = sync.Pool{New: func() any { return &decoder{} }}

func (d *decoder) value() (any, error) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return nil, d.unexpected()
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.text(false)
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || isDigit(c):
		return d.number()
	}
	return nil, d.unexpected()
}

func (d *decoder) object() (any, error) {
	if empty, err := d.open('}'); err != nil {
		return nil, err
	} else if empty {
		if d.Maps {
			return map[string]any{}, nil
		}
		return Object{}, nil
	}
	mark := len(d.mems)
	var index map[string]int
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("expected a string key in JSON object")
		}
		k, err := d.text(true)
		if err != nil {
			return nil, err
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("expected ':' in JSON object")
		}
		d.pos++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if d.Maps {
			d.mems = append(d.mems, Member{k, v})
		} else {
			d.mems = SetMember(d.mems, mark, &index, k, v)
		}
		if d.comma() {
			continue
		}
		if err := d.close('}'); err != nil {
			return nil, err
		}
		break
	}
	ms := d.mems[mark:]
	var out any
	if d.Maps {
		m := make(map[string]any, len(ms))
		for _, mb := range ms {
			m[mb.Key] = mb.Value
		}
		out = m
	} else {
		out = append(Object(nil), ms...)
	}
	clear(ms)
	d.mems = d.mems[:mark]
	if len(d.Attachments) > 0 {
		if b, ok, err := resolve(out, d.Attachments); ok {
			return b, err
		}
	}
	return out, nil
}

func (d *decoder) array() (any, error) {
	if empty, err := d.open(']'); err != nil {
		return nil, err
	} else if empty {
		return []any{}, nil
	}
	mark := len(d.vals)
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.vals = append(d.vals, v)
		if d.comma() {
			continue
		}
		if err := d.close(']'); err != nil {
			return nil, err
		}
		break
	}
	a := append([]any(nil), d.vals[mark:]...)
	clear(d.vals[mark:])
	d.vals = d.vals[:mark]
	return a, nil
}

// number converts a number by value: exactly, when written as an integer in int64 range.
func (d *decoder) number() (any, error) {
	start := d.pos
	integer, err := d.lexer.number()
	if err != nil {
		return nil, err
	}
	lit := d.data[start:d.pos]
	if integer && !d.Maps {
		if len(lit) <= 18 { // cannot overflow
			var n int64
			digits := lit
			if lit[0] == '-' {
				digits = lit[1:]
			}
			for _, c := range digits {
				n = n*10 + int64(c-'0')
			}
			if lit[0] == '-' {
				n = -n
			}
			return n, nil
		}
		if n, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, d.fail(err.Error())
	}
	if d.Maps {
		return f, nil
	}
	return Number(f), nil
}

// text decodes the string at pos; a key is interned.
func (d *decoder) text(key bool) (string, error) {
	start := d.pos
	escaped, nonASCII, err := d.str()
	if err != nil {
		return "", err
	}
	body := d.data[start+1 : d.pos-1]
	if !escaped && (!nonASCII || utf8.Valid(body)) {
		if key {
			return Intern(body), nil
		}
		return string(body), nil
	}
	return unescape(body), nil
}

// Unquote decodes a valid JSON string token, quotes included, as JSON.parse does.
func Unquote(tok []byte) (string, error) {
	if len(tok) < 2 || tok[0] != '"' {
		return "", &SyntaxError{Msg: "not a JSON string"}
	}
	l := lexer{data: tok}
	escaped, nonASCII, err := l.str()
	if err != nil {
		return "", err
	}
	if l.pos != len(tok) {
		return "", l.fail("data after the JSON string")
	}
	body := tok[1 : len(tok)-1]
	if !escaped && (!nonASCII || utf8.Valid(body)) {
		return string(body), nil
	}
	return unescape(body), nil
}

// unescape decodes the body of a valid JSON string, pairing UTF-16 surrogates; invalid
// UTF-8 and lone surrogates become U+FFFD.
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			var r rune
			r, i = escape(b, i)
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes, one per byte
			i += size
		}
	}
	return string(out)
}

// escape decodes the (valid) escape sequence at b[i] and returns the index after it.
func escape(b []byte, i int) (rune, int) {
	switch c := b[i+1]; c {
	case 'b':
		return '\b', i + 2
	case 'f':
		return '\f', i + 2
	case 'n':
		return '\n', i + 2
	case 'r':
		return '\r', i + 2
	case 't':
		return '\t', i + 2
	case 'u':
		r := hex4(b[i+2:])
		i += 6
		if !utf16.IsSurrogate(r) {
			return r, i
		}
		if r < 0xdc00 && i+5 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
			if pair := utf16.DecodeRune(r, hex4(b[i+2:])); pair != utf8.RuneError {
				return pair, i + 6
			}
		}
		return utf8.RuneError, i // a lone surrogate
	default: // '"', '\\', '/'
		return rune(c), i + 2
	}
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c <= '9':
			r |= rune(c - '0')
		case c >= 'a':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// PlaceholderKey is the member that marks a placeholder object.
const PlaceholderKey = "_placeholder"

// AppendPlaceholder appends the placeholder of attachment n: {"_placeholder":true,"num":n},
// as socket.io-parser writes it.
func AppendPlaceholder(dst []byte, n int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '}')
}

// resolve is the placeholder resolver: when the decoded object v is a placeholder (its
// "_placeholder" member is true), it returns the attachment its num names, or an error when
// num is not a whole number in range.
func resolve(v any, atts [][]byte) (att []byte, isPlaceholder bool, err error) {
	var ph, num any
	switch o := v.(type) {
	case Object:
		ph, _ = o.Get(PlaceholderKey)
		num, _ = o.Get("num")
	case map[string]any:
		ph, num = o[PlaceholderKey], o["num"]
	}
	if ph != true {
		return nil, false, nil
	}
	n := -1
	switch x := num.(type) {
	case int64:
		if x >= 0 && x < int64(len(atts)) {
			n = int(x)
		}
	case float64:
		if x >= 0 && x < float64(len(atts)) && x == float64(int(x)) {
			n = int(x)
		}
	}
	if n < 0 {
		return nil, true, &SyntaxError{Msg: fmt.Sprintf("placeholder num %v out of range (%d attachments)", num, len(atts))}
	}
	return atts[n], true, nil
}

// attachmentIndex parses the JSON number token tok as a placeholder's num: a whole number
// in [0, n). Like socket.io-parser it accepts 1.0 or 1e0 for 1.
func attachmentIndex(tok []byte, n int) (int, bool) {
	if len(tok) == 0 || (tok[0] != '-' && !isDigit(tok[0])) {
		return 0, false
	}
	v := 0
	for _, c := range tok {
		if !isDigit(c) {
			f, err := strconv.ParseFloat(string(tok), 64)
			if err != nil || f < 0 || f >= float64(n) || f != float64(int(f)) {
				return 0, false
			}
			return int(f), true
		}
		if v = v*10 + int(c-'0'); v >= n {
			return 0, false
		}
	}
	return v, true
}
