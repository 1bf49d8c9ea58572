package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/vmihailenco/msgpack/v5"
)

// MessagePack type codes used below (vmihailenco's msgpcode has them as variables).
const (
	mpNil      = 0xc0
	mpFalse    = 0xc2
	mpTrue     = 0xc3
	mpBin8     = 0xc4
	mpBin32    = 0xc6
	mpExt8     = 0xc7
	mpExt32    = 0xc9
	mpFloat32  = 0xca
	mpFloat64  = 0xcb
	mpUint8    = 0xcc
	mpUint32   = 0xce
	mpUint64   = 0xcf
	mpInt8     = 0xd0
	mpInt64    = 0xd3
	mpFixExt1  = 0xd4
	mpFixExt8  = 0xd7
	mpFixExt16 = 0xd8
	mpStr8     = 0xd9
	mpStr32    = 0xdb
	mpArray16  = 0xdc
	mpArray32  = 0xdd
	mpMap16    = 0xde
	mpMap32    = 0xdf
)

// mpReader decodes generic values with a vmihailenco Decoder reading straight from a
// bytes.Reader (which it does not buffer), so the position in data is always known and every
// declared length is checked against the bytes left before anything is allocated.
type mpReader struct {
	data []byte
	r    bytes.Reader
	d    *msgpack.Decoder
}

var mpReaderPool = sync.Pool{New: func() any {
	m := &mpReader{}
	m.d = msgpack.NewDecoder(&m.r)
	return m
}}

// decodeMsgpack decodes exactly one value filling all of data.
func decodeMsgpack(data []byte) (any, error) {
	m := mpReaderPool.Get().(*mpReader)
	m.data = data
	m.r.Reset(data)
	m.d.Reset(&m.r)
	v, err := m.value(0)
	if err == nil && m.r.Len() != 0 {
		err = fmt.Errorf("msgpack: %w at offset %d", errTrailing, m.off())
	}
	m.data = nil
	m.r.Reset(nil)
	mpReaderPool.Put(m)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (m *mpReader) off() int { return len(m.data) - m.r.Len() }

// take returns the next n bytes of data (not a copy) and moves past them.
func (m *mpReader) take(n int) ([]byte, error) {
	if n < 0 || n > m.r.Len() {
		return nil, m.fail(errTruncated)
	}
	off := m.off()
	_, _ = m.r.Seek(int64(n), io.SeekCurrent)
	return m.data[off : off+n : off+n], nil
}

func (m *mpReader) fail(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = errTruncated
	}
	return fmt.Errorf("msgpack: %w at offset %d", err, m.off())
}

// count checks a declared number of items against the bytes left (each needs at least one).
func (m *mpReader) count(n, per int) error {
	if n < 0 || n > m.r.Len()/per {
		return m.fail(errTruncated)
	}
	return nil
}

func (m *mpReader) value(depth int) (any, error) {
	c, err := m.d.PeekCode()
	if err != nil {
		return nil, m.fail(err)
	}
	switch {
	case c <= 0x7f: // positive fixint
		_, _ = m.r.ReadByte()
		return int64(c), nil
	case c >= 0xe0: // negative fixint
		_, _ = m.r.ReadByte()
		return int64(int8(c)), nil
	case c >= 0x80 && c <= 0x8f, c == mpMap16, c == mpMap32:
		return m.object(depth)
	case c >= 0x90 && c <= 0x9f, c == mpArray16, c == mpArray32:
		return m.array(depth)
	case c >= 0xa0 && c <= 0xbf, c >= mpStr8 && c <= mpStr32:
		b, err := m.bytes()
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case c >= mpBin8 && c <= mpBin32:
		b, err := m.bytes()
		if err != nil {
			return nil, err
		}
		return bytes.Clone(b), nil
	case c == mpNil:
		_, _ = m.r.ReadByte()
		return nil, nil
	case c == mpFalse, c == mpTrue:
		_, _ = m.r.ReadByte()
		return c == mpTrue, nil
	case c == mpFloat32, c == mpFloat64:
		f, err := m.d.DecodeFloat64()
		if err != nil {
			return nil, m.fail(err)
		}
		return jsjson.Number(f), nil
	case c == mpUint64:
		u, err := m.d.DecodeUint64()
		if err != nil {
			return nil, m.fail(err)
		}
		if u <= math.MaxInt64 {
			return int64(u), nil
		}
		return float64(u), nil
	case c >= mpUint8 && c <= mpUint32, c >= mpInt8 && c <= mpInt64:
		n, err := m.d.DecodeInt64()
		if err != nil {
			return nil, m.fail(err)
		}
		return n, nil
	case c >= mpFixExt1 && c <= mpFixExt16, c >= mpExt8 && c <= mpExt32:
		return m.ext(c)
	}
	return nil, m.fail(fmt.Errorf("invalid code 0x%02x", c))
}

// bytes reads a str or bin item and returns its content (not a copy).
func (m *mpReader) bytes() ([]byte, error) {
	n, err := m.d.DecodeBytesLen()
	if err != nil {
		return nil, m.fail(err)
	}
	return m.take(n)
}

func (m *mpReader) array(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, m.fail(errTooDeep)
	}
	n, err := m.d.DecodeArrayLen()
	if err != nil {
		return nil, m.fail(err)
	}
	if err := m.count(n, 1); err != nil {
		return nil, err
	}
	a := make([]any, n)
	for i := range a {
		if a[i], err = m.value(depth + 1); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (m *mpReader) object(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, m.fail(errTooDeep)
	}
	n, err := m.d.DecodeMapLen()
	if err != nil {
		return nil, m.fail(err)
	}
	if err := m.count(n, 2); err != nil {
		return nil, err
	}
	o := make(Object, 0, n)
	var index map[string]int
	for range n {
		k, err := m.key(depth)
		if err != nil {
			return nil, err
		}
		v, err := m.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o = jsjson.SetMember(o, 0, &index, k, v)
	}
	return o, nil
}

// key reads a map key. notepack accepts any key type and uses it as a property name; this
// accepts strings, numbers, booleans and nil, named as JavaScript would name them.
func (m *mpReader) key(depth int) (string, error) {
	c, err := m.d.PeekCode()
	if err != nil {
		return "", m.fail(err)
	}
	if c >= 0xa0 && c <= 0xbf || c >= mpStr8 && c <= mpStr32 {
		b, err := m.bytes()
		if err != nil {
			return "", err
		}
		return jsjson.Intern(b), nil
	}
	off := m.off()
	v, err := m.value(depth + 1)
	if err != nil {
		return "", err
	}
	k, ok := propertyName(v)
	if !ok {
		return "", fmt.Errorf("msgpack: map key of type %s at offset %d", typeName(v), off)
	}
	return k, nil
}

// propertyName is String(v) in JavaScript for the key types a map may use.
func propertyName(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return string(jsjson.AppendNumberName(nil, x)), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "null", true
	}
	return "", false
}

// ext decodes extension items as notepack 3 does: timestamps (type -1, 4, 8 or 12 bytes) →
// time.Time; fixext1 type 0 (old notepack's undefined) → nil; fixext8 type 0 (old notepack's
// Date, signed milliseconds) → time.Time; ext8/16/32 type 0 (ArrayBuffer) → []byte; anything
// else → []any{int64(type), []byte(data)}.
func (m *mpReader) ext(c byte) (any, error) {
	typ, n, err := m.d.DecodeExtHeader()
	if err != nil {
		return nil, m.fail(err)
	}
	b, err := m.take(n)
	if err != nil {
		return nil, err
	}
	switch {
	case typ == -1 && n == 4:
		return time.Unix(int64(binary.BigEndian.Uint32(b)), 0).UTC(), nil
	case typ == -1 && n == 8:
		v := binary.BigEndian.Uint64(b)
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)).UTC(), nil
	case typ == -1 && n == 12:
		nsec := binary.BigEndian.Uint32(b)
		sec := int64(binary.BigEndian.Uint64(b[4:]))
		return time.Unix(sec, int64(nsec)).UTC(), nil
	case typ == 0 && c == mpFixExt1:
		return nil, nil
	case typ == 0 && c == mpFixExt8:
		return time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC(), nil
	case typ == 0 && c >= mpExt8 && c <= mpExt32:
		return bytes.Clone(b), nil
	}
	return []any{int64(typ), bytes.Clone(b)}, nil
}
