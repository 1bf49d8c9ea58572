package wire

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonParser decodes JSON as JSON.parse does, into the generic values of this package:
// objects keep their key order, numbers follow the int64/float64 rule, strings are valid
// UTF-8 (invalid bytes and lone surrogates become U+FFFD).
type jsonParser struct {
	data []byte
	pos  int
	// vals and mems are stacks shared by all nesting levels: a container collects its items
	// above its mark and copies them out once complete, so each costs one exact allocation.
	vals []any
	mems []Member
}

var jsonParserPool = sync.Pool{New: func() any { return &jsonParser{} }}

func decodeJSON(data []byte) (any, error) {
	p := jsonParserPool.Get().(*jsonParser)
	p.data, p.pos = data, 0
	v, err := p.value(0)
	if err == nil {
		p.space()
		if p.pos != len(p.data) {
			err = p.fail(errTrailing)
		}
	}
	p.data = nil
	clear(p.vals[:cap(p.vals)])
	clear(p.mems[:cap(p.mems)])
	p.vals, p.mems = p.vals[:0], p.mems[:0]
	if cap(p.vals) <= 1024 && cap(p.mems) <= 1024 {
		jsonParserPool.Put(p)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (p *jsonParser) fail(err error) error {
	return fmt.Errorf("json: %w at offset %d", err, p.pos)
}

func (p *jsonParser) unexpected() error {
	if p.pos >= len(p.data) {
		return p.fail(errTruncated)
	}
	return p.fail(fmt.Errorf("unexpected character %q", p.data[p.pos]))
}

func (p *jsonParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	p.space()
	if p.pos >= len(p.data) {
		return nil, p.fail(errTruncated)
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, p.unexpected()
}

func (p *jsonParser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.unexpected()
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, p.fail(errTooDeep)
	}
	p.pos++ // '{'
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return Object{}, nil
	}
	mark := len(p.mems)
	var index map[string]int
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.unexpected()
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.unexpected()
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.mems = setMember(p.mems, mark, &index, k, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail(errTruncated)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			o := make(Object, len(p.mems)-mark)
			copy(o, p.mems[mark:])
			clear(p.mems[mark:])
			p.mems = p.mems[:mark]
			return o, nil
		default:
			return nil, p.unexpected()
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, p.fail(errTooDeep)
	}
	p.pos++ // '['
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return []any{}, nil
	}
	mark := len(p.vals)
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.vals = append(p.vals, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.fail(errTruncated)
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			a := make([]any, len(p.vals)-mark)
			copy(a, p.vals[mark:])
			clear(p.vals[mark:])
			p.vals = p.vals[:mark]
			return a, nil
		default:
			return nil, p.unexpected()
		}
	}
}

// number scans a number with JSON's grammar and converts it by value: a whole number in
// int64 range becomes int64 (exactly, when written without fraction or exponent), anything
// else float64. Out-of-range magnitudes become ±Inf or 0, as in JSON.parse.
func (p *jsonParser) number() (any, error) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		p.digits()
	default:
		return nil, p.unexpected()
	}
	integer := true
	if p.pos < len(d) && d[p.pos] == '.' {
		integer = false
		p.pos++
		if !p.digits() {
			return nil, p.unexpected()
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		integer = false
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return nil, p.unexpected()
		}
	}
	lit := d[start:p.pos]
	if integer {
		if len(lit) <= 18 { // cannot overflow
			var n int64
			neg := lit[0] == '-'
			digits := lit
			if neg {
				digits = lit[1:]
			}
			for _, c := range digits {
				n = n*10 + int64(c-'0')
			}
			if neg {
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
		return nil, p.fail(err)
	}
	return number(f), nil
}

// digits skips a run of decimal digits and reports whether there was one.
func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

func (p *jsonParser) key() (string, error) {
	if b, ok := p.plain(); ok {
		return intern(b), nil
	}
	return p.escaped()
}

func (p *jsonParser) string() (any, error) {
	if b, ok := p.plain(); ok {
		return string(b), nil
	}
	return p.escaped()
}

// plain returns the content of the string at pos, and moves past it, when it holds no escape
// and is valid UTF-8; otherwise it leaves pos alone.
func (p *jsonParser) plain() ([]byte, bool) {
	ascii := true
	for i := p.pos + 1; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			b := p.data[p.pos+1 : i]
			if !ascii && !utf8.Valid(b) {
				return nil, false
			}
			p.pos = i + 1
			return b, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// escaped decodes the string at pos the slow way.
func (p *jsonParser) escaped() (string, error) {
	p.pos++ // opening quote
	var out []byte
	for {
		if p.pos >= len(p.data) {
			return "", p.fail(errTruncated)
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(out), nil
		case c < 0x20:
			return "", p.fail(fmt.Errorf("control character 0x%02x in string", c))
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes, one per byte
			p.pos += size
		}
	}
}

// escape decodes the escape sequence at pos, pairing UTF-16 surrogates.
func (p *jsonParser) escape() (rune, error) {
	if p.pos+1 >= len(p.data) {
		p.pos = len(p.data)
		return 0, p.fail(errTruncated)
	}
	c := p.data[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return 0, err
		}
		if utf16.IsSurrogate(r) {
			if r < 0xdc00 && p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				r2, err := p.hex4()
				if err != nil {
					return 0, err
				}
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					return pair, nil
				}
				p.pos = save // not a low surrogate: decode it on its own next
			}
			return utf8.RuneError, nil
		}
		return r, nil
	}
	p.pos -= 1
	return 0, p.fail(fmt.Errorf("invalid escape \\%c", c))
}

func (p *jsonParser) hex4() (rune, error) {
	if len(p.data)-p.pos < 4 {
		p.pos = len(p.data)
		return 0, p.fail(errTruncated)
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.fail(fmt.Errorf("invalid hex digit %q in \\u escape", c))
		}
	}
	p.pos += 4
	return r, nil
}
