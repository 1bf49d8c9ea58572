// Package wiretest gives tests the messages Node's Socket.IO Redis packages publish, as
// captured from the real packages by test/js/capture-wire-vectors.js into
// internal/wire/testdata/redis-wire-vectors.json (docs/redis-wire.md §12 describes the file).
//
// The ids of a capture (node uids, request ids, socket ids) and its handshake details are
// random per run: tests read them from the vectors (String, Int) instead of writing them down.
package wiretest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

// File is the vectors file, relative to the module root.
const File = "internal/wire/testdata/redis-wire-vectors.json"

// Vector is one captured message.
type Vector struct {
	Name                 string          `json:"name"`
	Mode                 string          `json:"mode"`
	Command              string          `json:"command"`
	Channel              string          `json:"channel"` // under the default prefix "socket.io"
	Encoding             string          `json:"encoding"`
	Publisher            string          `json:"publisher"`
	Hex                  string          `json:"hex"`
	Decoded              json.RawMessage `json:"decoded"` // as Node decoded it; {"$bin": hex}, {"$date": ISO 8601}
	Notes                string          `json:"notes"`
	ReencodesIdentically bool            `json:"reencodesIdentically"`

	// The Redis Streams adapter's vectors (mode "streams") that are not PUBLISH: a stream
	// entry (Command XADD: Channel is the stream, Hex its data field's bytes as decoded,
	// Decoded the message {uid, nsp, type, data}) or a session (Command SET: Channel is the
	// key, Hex the MessagePack under the stored base64).
	Fields   []string `json:"fields,omitempty"`   // XADD: the entry's field/value pairs, in order
	EntryID  string   `json:"entryId,omitempty"`  // XADD: the entry's id
	Value    string   `json:"value,omitempty"`    // SET: the stored value (base64)
	ExpiryMs int64    `json:"expiryMs,omitempty"` // SET: its PX
}

// Payload is the message's bytes.
func (v *Vector) Payload(tb testing.TB) []byte {
	tb.Helper()
	b, err := hex.DecodeString(v.Hex)
	if err != nil {
		tb.Fatalf("%s: bad hex: %v", v.Name, err)
	}
	return b
}

// StreamEntry is the stream entry of an XADD vector, and the names of its fields in the order
// Redis returned them.
func (v *Vector) StreamEntry(tb testing.TB) (wire.StreamEntry, []string) {
	tb.Helper()
	if v.Command != "XADD" {
		tb.Fatalf("%s: not a stream entry: %s", v.Name, v.Command)
	}
	return Entry(tb, v.EntryID, v.Fields)
}

// Entry is the stream entry of id with the field/value pairs fields, and the names of its
// fields in order; a field other than uid, nsp, type and data fails the test.
func Entry(tb testing.TB, id string, fields []string) (wire.StreamEntry, []string) {
	tb.Helper()
	if len(fields)%2 != 0 {
		tb.Fatalf("entry %s: odd number of fields %q", id, fields)
	}
	e := wire.StreamEntry{ID: id}
	var names []string
	for i := 0; i < len(fields); i += 2 {
		k, val := fields[i], fields[i+1]
		names = append(names, k)
		switch k {
		case "uid":
			e.UID = val
		case "nsp":
			e.Nsp = val
		case "type":
			e.Type = val
		case "data":
			e.Data, e.HasData = val, true
		default:
			tb.Fatalf("entry %s: unexpected field %q", id, k)
		}
	}
	return e, names
}

var (
	once    sync.Once
	path    string
	vectors []Vector
	loadErr error
)

// Path is the vectors file's path, found from the working directory (a package of the
// module) by going up to the module root, the folder with go.mod.
func Path(tb testing.TB) string {
	tb.Helper()
	load()
	if path == "" {
		tb.Fatalf("%s: %v", File, loadErr)
	}
	return path
}

// Load returns every vector.
func Load(tb testing.TB) []Vector {
	tb.Helper()
	load()
	if loadErr != nil {
		tb.Fatalf("%s: %v", File, loadErr)
	}
	return vectors
}

func load() {
	once.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			loadErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				loadErr = errors.New("no go.mod above the working directory")
				return
			}
			dir = parent
		}
		path = filepath.Join(dir, filepath.FromSlash(File))
		b, err := os.ReadFile(path)
		if err != nil {
			loadErr = err
			return
		}
		var f struct {
			Vectors []Vector `json:"vectors"`
		}
		if loadErr = json.Unmarshal(b, &f); loadErr == nil {
			vectors = f.Vectors
		}
	})
}

// Get returns the vector called name.
func Get(tb testing.TB, name string) *Vector {
	tb.Helper()
	vs := Load(tb)
	for i := range vs {
		if vs[i].Name == name {
			return &vs[i]
		}
	}
	tb.Fatalf("no vector %q in %s", name, File)
	return nil
}

// Field is a value of the named vector's decoded view, found by object keys (string) and
// array indexes (int): nil, bool, string, json.Number, []any or map[string]any.
func Field(tb testing.TB, name string, path ...any) any {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(Get(tb, name).Decoded))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	for _, p := range path {
		switch p := p.(type) {
		case string:
			o, ok := x.(map[string]any)
			if x, ok = o[p]; !ok {
				tb.Fatalf("%s: no %q at %v", name, p, path)
			}
		case int:
			a, _ := x.([]any)
			if p < 0 || p >= len(a) {
				tb.Fatalf("%s: no item %d at %v", name, p, path)
			}
			x = a[p]
		default:
			tb.Fatalf("%s: path element %v is neither a string nor an int", name, p)
		}
	}
	return x
}

// String is a string Field.
func String(tb testing.TB, name string, path ...any) string {
	tb.Helper()
	s, ok := Field(tb, name, path...).(string)
	if !ok {
		tb.Fatalf("%s: %v is not a string", name, path)
	}
	return s
}

// Int is an integer Field.
func Int(tb testing.TB, name string, path ...any) int64 {
	tb.Helper()
	n, ok := Field(tb, name, path...).(json.Number)
	if !ok {
		tb.Fatalf("%s: %v is not a number", name, path)
	}
	i, err := n.Int64()
	if err != nil {
		tb.Fatalf("%s: %v: %v", name, path, err)
	}
	return i
}
