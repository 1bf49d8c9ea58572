package parser

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// maxDepth bounds the nesting of arrays and objects in a payload, on decode as well as in
// MarshalArgs. Real Socket.IO payloads are nowhere near it; a peer that sends deeper JSON is
// refused instead of being allowed to grow the stack.
const maxDepth = 1000

// span is a placeholder object found in a payload: data[start:end] refers to attachment num.
type span struct{ start, end, num int }

// scanner validates one JSON value with the grammar of RFC 8259 (as encoding/json.Valid
// does, without checking UTF-8) and, on the way, records what the parser needs: the first
// element or all elements of a top-level array, and the placeholder objects. It never
// panics and allocates only for what it records.
type scanner struct {
	data  []byte
	pos   int
	depth int

	// natt is the number of attachments placeholders may refer to. A negative value turns
	// placeholder handling off: placeholder objects are then plain objects, as in a packet
	// without attachments.
	natt int
	used uint64           // attachments already referenced, when natt <= 64
	more map[int]struct{} // the same when natt > 64: sized by use, not by natt
	keep bool             // record placeholders in phs (validating them needs no record)
	phs  []span           // placeholders found, in document order

	record bool   // record the elements of a top-level array in elems
	elems  []span // elements of the top-level array (num unused)
	first  span   // first element of the top-level array; end == 0 when there is none
}

// payload validates s.data as one JSON value, optionally surrounded by whitespace, and
// returns the first byte of the value ('{', '[', '"', 't', 'f', 'n', '-' or a digit).
func (s *scanner) payload() (byte, error) {
	s.skipWS()
	if s.pos >= len(s.data) {
		return 0, s.fail("empty JSON payload")
	}
	c := s.data[s.pos]
	var err error
	if c == '[' {
		err = s.array(true)
	} else {
		err = s.value()
	}
	if err != nil {
		return 0, err
	}
	s.skipWS()
	if s.pos != len(s.data) {
		return 0, s.fail("data after the JSON payload")
	}
	return c, nil
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrInvalidPacket, what, s.pos)
}

func (s *scanner) tooDeep() error {
	return fmt.Errorf("%w: JSON nested deeper than %d levels", ErrInvalidPacket, maxDepth)
}

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value() error {
	if s.pos >= len(s.data) {
		return s.fail("unexpected end of JSON")
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return s.object()
	case '[':
		return s.array(false)
	case '"':
		return s.str()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || isDigit(c) {
			return s.number()
		}
		return s.fail("unexpected character in JSON")
	}
}

// array scans an array; top marks the payload's own array, whose elements are recorded.
func (s *scanner) array(top bool) error {
	if s.depth++; s.depth > maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.skipWS()
		start := s.pos
		if err := s.value(); err != nil {
			return err
		}
		if top {
			if s.first.end == 0 {
				s.first = span{start: start, end: s.pos}
			}
			if s.record {
				s.elems = append(s.elems, span{start: start, end: s.pos})
			}
		}
		s.skipWS()
		if s.pos >= len(s.data) {
			return s.fail("unterminated JSON array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.fail("expected ',' or ']' in JSON array")
		}
	}
}

// object scans an object. When placeholders are handled and the object is one (its last
// "_placeholder" member is true, as JSON.parse keeps the last duplicate), the object
// replaces whatever placeholders were found inside it: socket.io-parser does not look
// inside a placeholder.
func (s *scanner) object() error {
	if s.depth++; s.depth > maxDepth {
		return s.tooDeep()
	}
	start := s.pos
	mark := len(s.phs)
	isPlaceholder := false
	numStart, numEnd := -1, -1
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.fail("expected a string key in JSON object")
		}
		keyStart := s.pos
		if err := s.str(); err != nil {
			return err
		}
		keyEnd := s.pos
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.fail("expected ':' in JSON object")
		}
		s.pos++
		s.skipWS()
		valStart := s.pos
		if err := s.value(); err != nil {
			return err
		}
		if s.natt >= 0 {
			switch keyOf(s.data[keyStart:keyEnd]) {
			case keyPlaceholder:
				isPlaceholder = string(s.data[valStart:s.pos]) == "true"
			case keyNum:
				numStart, numEnd = valStart, s.pos
			}
		}
		s.skipWS()
		if s.pos >= len(s.data) {
			return s.fail("unterminated JSON object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			continue
		case '}':
			s.pos++
		default:
			return s.fail("expected ',' or '}' in JSON object")
		}
		break
	}
	s.depth--
	if !isPlaceholder {
		return nil
	}
	if s.keep {
		s.phs = s.phs[:mark]
	}
	if numStart < 0 {
		return fmt.Errorf("%w: placeholder without num at offset %d", ErrInvalidPacket, start)
	}
	n, ok := attachmentIndex(s.data[numStart:numEnd], s.natt)
	if !ok {
		return fmt.Errorf("%w: placeholder num %s out of range (%d attachments) at offset %d",
			ErrInvalidPacket, s.data[numStart:numEnd], s.natt, start)
	}
	if s.markUsed(n) {
		return fmt.Errorf("%w: attachment %d referenced twice at offset %d", ErrInvalidPacket, n, start)
	}
	if s.keep {
		s.phs = append(s.phs, span{start: start, end: s.pos, num: n})
	}
	return nil
}

// markUsed records that attachment n is referenced and reports whether it already was.
// socket.io-parser encoders give every binary value its own attachment, so a second
// reference can only come from a hostile peer (and would let it multiply one attachment).
func (s *scanner) markUsed(n int) bool {
	if s.natt <= 64 {
		bit := uint64(1) << uint(n)
		seen := s.used&bit != 0
		s.used |= bit
		return seen
	}
	if _, seen := s.more[n]; seen {
		return true
	}
	if s.more == nil {
		s.more = make(map[int]struct{})
	}
	s.more[n] = struct{}{}
	return false
}

// attachmentIndex parses the JSON token tok as a placeholder number: a JSON number with an
// integral value in [0, n). Like socket.io-parser it accepts 1.0 or 1e0 for 1.
func attachmentIndex(tok []byte, n int) (int, bool) {
	if len(tok) == 0 || (tok[0] != '-' && !isDigit(tok[0])) {
		return 0, false
	}
	v := 0
	for _, c := range tok {
		if !isDigit(c) {
			f, err := strconv.ParseFloat(string(tok), 64)
			if err != nil || f != math.Trunc(f) || f < 0 || f >= float64(n) {
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

type key int

const (
	keyOther key = iota
	keyPlaceholder
	keyNum
)

// keyOf tells the two keys that make a placeholder from the rest. tok is a valid JSON
// string token, quotes included; escapes are resolved the slow way, as they never occur
// in keys written by real encoders.
func keyOf(tok []byte) key {
	name := tok[1 : len(tok)-1]
	for _, c := range name {
		if c == '\\' {
			var s string
			if json.Unmarshal(tok, &s) != nil {
				return keyOther
			}
			return keyOfString(s)
		}
	}
	return keyOfString(string(name))
}

func keyOfString(s string) key {
	switch s {
	case "_placeholder":
		return keyPlaceholder
	case "num":
		return keyNum
	}
	return keyOther
}

func (s *scanner) str() error {
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			s.pos++
			if s.pos >= len(s.data) {
				return s.fail("unterminated JSON string")
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if len(s.data)-s.pos < 5 {
					return s.fail("short \\u escape in JSON string")
				}
				for _, h := range s.data[s.pos+1 : s.pos+5] {
					if !isHex(h) {
						return s.fail("bad \\u escape in JSON string")
					}
				}
				s.pos += 5
			default:
				return s.fail("bad escape in JSON string")
			}
		case c < 0x20:
			return s.fail("control character in JSON string")
		default:
			s.pos++
		}
	}
	return s.fail("unterminated JSON string")
}

func (s *scanner) number() error {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return s.fail("truncated JSON number")
	}
	switch c := s.data[s.pos]; {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return s.fail("bad JSON number")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return s.fail("bad JSON number fraction")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return s.fail("bad JSON number exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
	return s.pos - start
}

func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail("bad JSON literal")
	}
	s.pos += len(word)
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
