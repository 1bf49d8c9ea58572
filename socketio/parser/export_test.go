package parser

import (
	"reflect"
	"strings"
)

// ScanJSON runs the payload scanner on data. tooDeep tells a refusal for nesting alone.
func ScanJSON(data []byte) (ok, tooDeep bool) {
	s := scanner{data: data, natt: -1}
	_, err := s.payload()
	return err == nil, err != nil && strings.Contains(err.Error(), "nested deeper")
}

// MarshalSlow encodes v through the binary-aware walk, as if it held binary.
func MarshalSlow(v any) ([]byte, [][]byte, error) {
	e := encoders.Get().(*encoder)
	defer e.release()
	if err := e.value(reflect.ValueOf(v)); err != nil {
		return nil, nil, err
	}
	return append([]byte(nil), e.buf.Bytes()...), e.atts, nil
}

// AppendString is the JSON string writer used for names and keys.
func AppendString(dst []byte, s string) []byte { return AppendJSONString(dst, s) }

// Substitute replaces the placeholders in the JSON value data by the base64 strings of
// their attachments: for data written by MarshalArgs, the bytes json.Marshal writes.
func Substitute(data []byte, atts [][]byte) ([]byte, error) {
	if len(atts) == 0 {
		return data, nil
	}
	s := scanner{data: data, natt: len(atts), keep: true}
	if _, err := s.payload(); err != nil {
		return nil, err
	}
	a := Args{data: data, atts: atts, phs: s.phs}
	return a.substitute(0, len(data)), nil
}

// MaxDepth is the nesting limit of payloads.
const MaxDepth = maxDepth

// ErrTooDeep is returned by MarshalArgs for values nested too deeply.
var ErrTooDeep = errTooDeep
