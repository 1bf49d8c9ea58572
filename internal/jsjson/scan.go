package jsjson

import (
	"fmt"
	"strconv"
)

// MaxDepth bounds the nesting of arrays and objects, when reading and when writing. Real
// payloads are nowhere near it; a peer that sends deeper JSON is refused instead of being
// allowed to grow the stack.
const MaxDepth = 1000

// ErrTooDeep is wrapped by the errors about values nested deeper than MaxDepth levels (or
// cyclic, when writing).
var ErrTooDeep = fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)

// SyntaxError is malformed JSON, or a placeholder that does not fit its attachments.
type SyntaxError struct {
	Msg    string
	Offset int // of the byte where the scanner stopped
}

func (e *SyntaxError) Error() string { return e.Msg + " at offset " + strconv.Itoa(e.Offset) }

// lexer walks the tokens of JSON text. It never panics: every read checks the length.
type lexer struct {
	data  []byte
	pos   int
	depth int
}

func (l *lexer) fail(what string) error { return &SyntaxError{Msg: what, Offset: l.pos} }

func (l *lexer) unexpected() error {
	if l.pos >= len(l.data) {
		return l.fail("unexpected end of JSON input")
	}
	return l.fail(fmt.Sprintf("unexpected character %q in JSON", l.data[l.pos]))
}

// enter counts one more level of nesting.
func (l *lexer) enter() error {
	if l.depth++; l.depth > MaxDepth {
		return l.tooDeep()
	}
	return nil
}

func (l *lexer) tooDeep() error { return fmt.Errorf("%w at offset %d", ErrTooDeep, l.pos) }

func (l *lexer) skipWS() {
	data, i := l.data, l.pos
	for i < len(data) && data[i] <= ' ' && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	l.pos = i
}

// str moves past the string at pos (its opening quote) and reports whether it holds an
// escape and whether it holds a byte outside ASCII.
func (l *lexer) str() (escaped, nonASCII bool, err error) {
	data := l.data
	i := l.pos + 1 // after the opening quote
	var all byte   // every byte of the string or-ed together
	for i < len(data) {
		c := data[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			all |= c
			i++
			continue
		}
		switch {
		case c == '"':
			l.pos = i + 1
			return escaped, all >= 0x80, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(data) {
				l.pos = i
				return escaped, false, l.fail("unterminated JSON string")
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(data)-i < 5 {
					l.pos = i
					return escaped, false, l.fail("short \\u escape in JSON string")
				}
				for _, h := range data[i+1 : i+5] {
					if !isHex(h) {
						l.pos = i
						return escaped, false, l.fail("bad \\u escape in JSON string")
					}
				}
				i += 5
			default:
				l.pos = i
				return escaped, false, l.fail("bad escape in JSON string")
			}
		default:
			l.pos = i
			return escaped, false, l.fail("control character in JSON string")
		}
	}
	l.pos = i
	return escaped, false, l.fail("unterminated JSON string")
}

// skipStr moves past the string at pos, as str does without telling what it holds: the
// scanner's fast path.
func (l *lexer) skipStr() error {
	data := l.data
	for i := l.pos + 1; i < len(data); i++ {
		if c := data[i]; c == '"' {
			l.pos = i + 1
			return nil
		} else if c == '\\' || c < 0x20 {
			_, _, err := l.str() // the slow way, for escapes and errors
			return err
		}
	}
	_, _, err := l.str()
	return err
}

// number moves past the number at pos and reports whether it is written as an integer (no
// fraction, no exponent).
func (l *lexer) number() (integer bool, err error) {
	data, i := l.data, l.pos
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		l.pos = i
		return false, l.fail("truncated JSON number")
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = digits(data, i+1)
	default:
		l.pos = i
		return false, l.fail("bad JSON number")
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		integer = false
		j := digits(data, i+1)
		if j == i+1 {
			l.pos = j
			return false, l.fail("bad JSON number fraction")
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		integer = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(data, i)
		if j == i {
			l.pos = j
			return false, l.fail("bad JSON number exponent")
		}
		i = j
	}
	l.pos = i
	return integer, nil
}

// digits returns the index of the first byte at or after i that is not a decimal digit.
func digits(data []byte, i int) int {
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

func (l *lexer) literal(word string) error {
	if len(l.data)-l.pos < len(word) || string(l.data[l.pos:l.pos+len(word)]) != word {
		return l.fail("bad JSON literal")
	}
	l.pos += len(word)
	return nil
}

// skipValue moves past one value at pos (no leading whitespace).
func (l *lexer) skipValue() error {
	if l.pos >= len(l.data) {
		return l.unexpected()
	}
	switch c := l.data[l.pos]; c {
	case '{':
		return l.skipObject()
	case '[':
		return l.skipArray()
	case '"':
		return l.skipStr()
	case 't':
		return l.literal("true")
	case 'f':
		return l.literal("false")
	case 'n':
		return l.literal("null")
	default:
		if c == '-' || isDigit(c) {
			_, err := l.number()
			return err
		}
		return l.unexpected()
	}
}

func (l *lexer) skipArray() error {
	if empty, err := l.open(']'); empty || err != nil {
		return err
	}
	for {
		l.skipWS()
		if err := l.skipValue(); err != nil {
			return err
		}
		if l.comma() {
			continue
		}
		return l.close(']')
	}
}

func (l *lexer) skipObject() error {
	if empty, err := l.open('}'); empty || err != nil {
		return err
	}
	for {
		l.skipWS()
		if _, err := l.key(); err != nil {
			return err
		}
		if err := l.skipValue(); err != nil {
			return err
		}
		if l.comma() {
			continue
		}
		return l.close('}')
	}
}

// key moves past an object key, its colon and the whitespace after them, and returns the end
// of the key's string token.
func (l *lexer) key() (end int, err error) {
	if l.pos >= len(l.data) || l.data[l.pos] != '"' {
		return 0, l.fail("expected a string key in JSON object")
	}
	if err := l.skipStr(); err != nil {
		return 0, err
	}
	end = l.pos
	l.skipWS()
	if l.pos >= len(l.data) || l.data[l.pos] != ':' {
		return 0, l.fail("expected ':' in JSON object")
	}
	l.pos++
	l.skipWS()
	return end, nil
}

// open moves past the opening bracket at pos and the whitespace after it, counting one more
// level of nesting; empty reports that the closing bracket came next (it is moved past too).
func (l *lexer) open(closing byte) (empty bool, err error) {
	if err := l.enter(); err != nil {
		return false, err
	}
	l.pos++
	l.skipWS()
	if l.pos < len(l.data) && l.data[l.pos] == closing {
		l.pos++
		l.depth--
		return true, nil
	}
	return false, nil
}

// comma moves past the comma after an element (and the whitespace before it) and reports
// whether there was one. Loops over the elements of a container call it inline.
func (l *lexer) comma() bool {
	l.skipWS()
	if l.pos < len(l.data) && l.data[l.pos] == ',' {
		l.pos++
		return true
	}
	return false
}

// close moves past the closing bracket of a container, where comma found none.
func (l *lexer) close(closing byte) error {
	if l.pos < len(l.data) && l.data[l.pos] == closing {
		l.pos++
		l.depth--
		return nil
	}
	return l.badSeparator(closing)
}

func (l *lexer) badSeparator(closing byte) error {
	if l.pos >= len(l.data) {
		return l.fail("unterminated JSON " + containerName(closing))
	}
	return l.fail(fmt.Sprintf("expected ',' or '%c' in JSON %s", closing, containerName(closing)))
}

func containerName(closing byte) string {
	if closing == '}' {
		return "object"
	}
	return "array"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// Span is a part of the scanned data: Data[Start:End]. For a placeholder, Num is the
// attachment it names.
type Span struct{ Start, End, Num int }

// Scanner validates one JSON value with the grammar of RFC 8259 (as encoding/json.Valid
// does, without checking UTF-8) and records, on the way, what the Socket.IO parser needs:
// the elements of a top-level array and the placeholder objects. It allocates only for what
// it records.
type Scanner struct {
	// Attachments is the number of attachments placeholders may refer to. Negative turns
	// placeholder handling off: placeholder objects are then plain objects, as in a packet
	// without attachments (socket.io-parser looks for placeholders only in binary packets).
	// A placeholder, whose last "_placeholder" member is true (JSON.parse keeps the last of
	// repeated keys), must name an attachment in range that no other placeholder names;
	// objects inside it are not looked at, as in socket.io-parser.
	Attachments int
	// KeepPlaceholders records the placeholders in Placeholders, in document order;
	// KeepElements records the elements of a top-level array in Elements.
	KeepPlaceholders, KeepElements bool
	Placeholders                   []Span
	Elements                       []Span
	// First is the first element of a top-level array; End is 0 when there is none.
	First Span

	l    lexer
	used uint64           // attachments already referenced, when Attachments <= 64
	more map[int]struct{} // the same beyond: sized by use, not by Attachments
}

// Scan validates data as one JSON value, optionally surrounded by whitespace, and returns
// the first byte of the value ('{', '[', '"', 't', 'f', 'n', '-' or a digit); spans are
// offsets into data. Errors are *SyntaxError or wrap ErrTooDeep.
func (s *Scanner) Scan(data []byte) (byte, error) {
	s.l = lexer{data: data}
	l := &s.l
	l.skipWS()
	if l.pos >= len(l.data) {
		return 0, l.fail("empty JSON payload")
	}
	c := l.data[l.pos]
	var err error
	if c == '[' {
		err = s.array(true)
	} else {
		err = s.value()
	}
	if err != nil {
		return 0, err
	}
	l.skipWS()
	if l.pos != len(l.data) {
		return 0, l.fail("data after the JSON payload")
	}
	return c, nil
}

func (s *Scanner) value() error {
	l := &s.l
	if l.pos >= len(l.data) {
		return l.fail("unexpected end of JSON input")
	}
	switch l.data[l.pos] {
	case '"':
		return l.skipStr()
	case '{':
		if s.Attachments < 0 {
			return l.skipObject()
		}
		return s.object()
	case '[':
		if s.Attachments < 0 {
			return l.skipArray()
		}
		return s.array(false)
	}
	return l.skipValue()
}

// array scans an array; top marks the payload's own array, whose elements are recorded.
func (s *Scanner) array(top bool) error {
	l := &s.l
	if empty, err := l.open(']'); empty || err != nil {
		return err
	}
	for {
		l.skipWS()
		start := l.pos
		if err := s.value(); err != nil {
			return err
		}
		if top {
			if s.First.End == 0 {
				s.First = Span{Start: start, End: l.pos}
			}
			if s.KeepElements {
				s.Elements = append(s.Elements, Span{Start: start, End: l.pos})
			}
		}
		if l.comma() {
			continue
		}
		return l.close(']')
	}
}

// object scans an object, and checks and records it when it is a placeholder. A placeholder
// replaces whatever placeholders were found inside it.
func (s *Scanner) object() error {
	l := &s.l
	start := l.pos
	mark := len(s.Placeholders)
	isPlaceholder := false
	numStart, numEnd := -1, -1
	if empty, err := l.open('}'); empty || err != nil {
		return err
	}
	for {
		l.skipWS()
		keyStart := l.pos
		keyEnd, err := l.key()
		if err != nil {
			return err
		}
		k := keyOther
		tok := l.data[keyStart:keyEnd]
		if n := len(tok); n == len(`"num"`) || n >= len(`"\u0000um"`) { // shorter keys cannot be either
			k = keyOf(tok)
		}
		valStart := l.pos
		if err := s.value(); err != nil {
			return err
		}
		switch k {
		case keyPlaceholder:
			isPlaceholder = string(l.data[valStart:l.pos]) == "true"
		case keyNum:
			numStart, numEnd = valStart, l.pos
		}
		if l.comma() {
			continue
		}
		if err := l.close('}'); err != nil {
			return err
		}
		break
	}
	if !isPlaceholder {
		return nil
	}
	if s.KeepPlaceholders {
		s.Placeholders = s.Placeholders[:mark]
	}
	if numStart < 0 {
		return &SyntaxError{Msg: "placeholder without num", Offset: start}
	}
	n, ok := attachmentIndex(l.data[numStart:numEnd], s.Attachments)
	if !ok {
		return &SyntaxError{Msg: fmt.Sprintf("placeholder num %s out of range (%d attachments)", l.data[numStart:numEnd], s.Attachments), Offset: start}
	}
	if s.markUsed(n) {
		return &SyntaxError{Msg: fmt.Sprintf("attachment %d referenced twice", n), Offset: start}
	}
	if s.KeepPlaceholders {
		s.Placeholders = append(s.Placeholders, Span{Start: start, End: l.pos, Num: n})
	}
	return nil
}

// markUsed records that attachment n is referenced and reports whether it already was.
// socket.io-parser encoders give every binary value its own attachment, so a second
// reference can only come from a hostile peer (and would let it multiply one attachment).
func (s *Scanner) markUsed(n int) bool {
	if s.Attachments <= 64 {
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

type key int

const (
	keyOther key = iota
	keyPlaceholder
	keyNum
)

// keyOf tells the two keys that make a placeholder from the rest. tok is a valid JSON string
// token, quotes included; escapes are resolved the slow way, as they never occur in keys
// written by real encoders.
func keyOf(tok []byte) key {
	name := tok[1 : len(tok)-1]
	for _, c := range name {
		if c == '\\' {
			s, err := Unquote(tok)
			if err != nil {
				return keyOther
			}
			return keyOfString(s)
		}
	}
	return keyOfString(string(name))
}

func keyOfString(s string) key {
	switch s {
	case PlaceholderKey:
		return keyPlaceholder
	case "num":
		return keyNum
	}
	return keyOther
}

// Elements lists the elements of the valid JSON array at data[start:].
func Elements(data []byte, start int) ([]Span, error) {
	l := lexer{data: data, pos: start}
	var out []Span
	if empty, err := l.open(']'); empty || err != nil {
		return nil, err
	}
	for {
		l.skipWS()
		from := l.pos
		if err := l.skipValue(); err != nil {
			return nil, err
		}
		out = append(out, Span{Start: from, End: l.pos})
		if l.comma() {
			continue
		}
		return out, l.close(']')
	}
}

// KeyedSpan is a member of a JSON object: its key, and its value at Data[Start:End].
type KeyedSpan struct {
	Key        string
	Start, End int
}

// Members lists the members of the valid JSON object at data[start:].
func Members(data []byte, start int) ([]KeyedSpan, error) {
	l := lexer{data: data, pos: start}
	var out []KeyedSpan
	if empty, err := l.open('}'); empty || err != nil {
		return nil, err
	}
	for {
		l.skipWS()
		keyStart := l.pos
		keyEnd, err := l.key()
		if err != nil {
			return nil, err
		}
		k, err := Unquote(data[keyStart:keyEnd])
		if err != nil {
			return nil, err
		}
		from := l.pos
		if err := l.skipValue(); err != nil {
			return nil, err
		}
		out = append(out, KeyedSpan{Key: k, Start: from, End: l.pos})
		if l.comma() {
			continue
		}
		return out, l.close('}')
	}
}
