package wire

import (
	"fmt"
	"math"
)

// Helpers that read typed fields out of decoded generic values. A field is named by its
// parent's path and its own name; the two are only joined on the error path.

func join(where, field string) string {
	if where == "" {
		return field
	}
	if field == "" {
		return where
	}
	return where + "." + field
}

func wrongType(where, field, want string, got any) error {
	return fmt.Errorf("%s: want %s, got %s", join(where, field), want, typeName(got))
}

func asObject(v any, where, field string) (Object, error) {
	o, ok := v.(Object)
	if !ok {
		return nil, wrongType(where, field, "object", v)
	}
	return o, nil
}

func asString(v any, where, field string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(where, field, "string", v)
	}
	return s, nil
}

func asBool(v any, where, field string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, wrongType(where, field, "boolean", v)
	}
	return b, nil
}

func asArray(v any, where, field string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, wrongType(where, field, "array", v)
	}
	return a, nil
}

// asInt accepts a whole number in [lo, hi].
func asInt(v any, where, field string, lo, hi int64) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, wrongType(where, field, "integer", v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%s: %d out of range [%d, %d]", join(where, field), n, lo, hi)
	}
	return n, nil
}

// asID accepts a non-empty string (request ids, socket ids).
func asID(v any, where, field string) (string, error) {
	s, err := asString(v, where, field)
	if err == nil && s == "" {
		err = fmt.Errorf("%s: empty", join(where, field))
	}
	return s, err
}

func missing(where, field string) error {
	return fmt.Errorf("%s: missing", join(where, field))
}

const maxInt = math.MaxInt64
