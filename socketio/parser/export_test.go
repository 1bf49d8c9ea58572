package parser

import (
	"github.com/gosockio/gosockio/internal/jsjson"
)

// Substitute replaces the placeholders in the JSON value data by the base64 strings of
// their attachments: for data written by MarshalArgs, the bytes json.Marshal writes.
func Substitute(data []byte, atts [][]byte) ([]byte, error) {
	if len(atts) == 0 {
		return data, nil
	}
	s := jsjson.Scanner{Attachments: len(atts), KeepPlaceholders: true}
	if _, err := s.Scan(data); err != nil {
		return nil, err
	}
	a := Args{data: data, atts: atts, phs: s.Placeholders}
	return a.substitute(0, len(data)), nil
}

// MaxDepth is the nesting limit of payloads.
const MaxDepth = jsjson.MaxDepth

// ErrTooDeep is wrapped by the error of MarshalArgs for values nested too deeply.
var ErrTooDeep = jsjson.ErrTooDeep
