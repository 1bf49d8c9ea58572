package jsjson

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// This file resolves struct fields the way encoding/json does (names from json tags, "-",
// omitempty, omitzero, string, embedded structs with Go's dominance rules), so that the
// Encoder writes, and the Socket.IO parser's Bind reads, the same members as json.Marshal
// and json.Unmarshal.

// Field is one JSON member of a struct type.
type Field struct {
	Name      string
	Index     []int // path through embedded structs
	Type      reflect.Type
	key       []byte // `"name":`
	tagged    bool
	omitEmpty bool
	omitZero  bool
	quoted    bool // the ",string" option on a scalar
}

// Struct is the cached field list of a struct type.
type Struct struct {
	Fields []Field        // in encoding order
	exact  map[string]int // name -> fields index
	folded map[string]int // folded name -> first field with it
}

var structCache sync.Map // reflect.Type -> *structInfo

// StructFields returns the JSON members of the struct type t, computed once per type.
func StructFields(t reflect.Type) *Struct {
	if si, ok := structCache.Load(t); ok {
		return si.(*Struct)
	}
	si, _ := structCache.LoadOrStore(t, buildStruct(t))
	return si.(*Struct)
}

func buildStruct(t reflect.Type) *Struct {
	fields := dominantFields(collectFields(t))
	si := &Struct{
		Fields: fields,
		exact:  make(map[string]int, len(fields)),
		folded: make(map[string]int, len(fields)),
	}
	for i, f := range fields {
		si.exact[f.Name] = i
		k := foldName(f.Name)
		if _, ok := si.folded[k]; !ok {
			si.folded[k] = i
		}
	}
	return si
}

// collectFields walks t and its embedded structs breadth first, as encoding/json does, and
// returns every candidate field (a field of a struct embedded twice at one depth comes twice,
// so that it cancels itself in dominantFields).
func collectFields(t reflect.Type) []Field {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var fields []Field
	next := []level{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				f, embed, ok := fieldOf(l.typ.Field(i), append(slices.Clip(l.index), i))
				switch {
				case !ok:
				case embed != nil:
					if nextCount[embed]++; nextCount[embed] == 1 {
						next = append(next, level{typ: embed, index: f.Index})
					}
				default:
					fields = append(fields, f)
					if count[l.typ] > 1 {
						// The same struct embedded twice at one depth: its fields
						// collide with themselves and are dropped.
						fields = append(fields, f)
					}
				}
			}
		}
	}
	return fields
}

// fieldOf describes struct field sf at index: a field (ok), or an untagged embedded struct to
// walk into (embed, with f.Index set), or nothing (ok false: unexported, or tagged "-").
func fieldOf(sf reflect.StructField, index []int) (f Field, embed reflect.Type, ok bool) {
	if sf.Anonymous {
		et := sf.Type
		if et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if !sf.IsExported() && et.Kind() != reflect.Struct {
			return Field{}, nil, false
		}
	} else if !sf.IsExported() {
		return Field{}, nil, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return Field{}, nil, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validTagName(name) {
		name = ""
	}
	ft := sf.Type
	if ft.Name() == "" && ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
		return Field{Index: index}, ft, true
	}
	f = Field{
		Name:      name,
		Index:     index,
		Type:      sf.Type,
		tagged:    name != "",
		omitEmpty: hasOption(opts, "omitempty"),
		omitZero:  hasOption(opts, "omitzero"),
		quoted:    hasOption(opts, "string") && scalarKind(ft.Kind()),
	}
	if f.Name == "" {
		f.Name = sf.Name
	}
	f.key = append(AppendString(nil, f.Name), ':')
	return f, nil, true
}

// dominantFields keeps, for each name, the field that dominates: the shallowest, then a tagged
// one; two candidates of equal standing cancel each other. The result is in index order.
func dominantFields(fields []Field) []Field {
	slices.SortFunc(fields, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.Index), len(b.Index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Index, b.Index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].Name == fields[i].Name {
			j++
		}
		if j-i == 1 || len(fields[i].Index) != len(fields[i+1].Index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}

// Lookup finds the field a JSON key decodes into: an exact match, else a case-insensitive
// one, as encoding/json does.
func (si *Struct) Lookup(key string) (*Field, bool) {
	if i, ok := si.exact[key]; ok {
		return &si.Fields[i], true
	}
	if i, ok := si.folded[foldName(key)]; ok {
		return &si.Fields[i], true
	}
	return nil, false
}

// foldName maps names that encoding/json considers equal regardless of case to one
// string: ASCII letters upper-cased, other runes replaced by the smallest rune of their
// simple case-folding orbit.
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validTagName reports whether a json tag name is used as is; encoding/json ignores names
// with other characters than letters, digits and some punctuation.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

func scalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

// FieldByIndex follows the index path of a Field from the struct v; ok is false when the
// path crosses a nil embedded pointer.
func FieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v, true
}
