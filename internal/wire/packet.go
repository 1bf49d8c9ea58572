package wire

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// PacketType is the type of a Socket.IO packet, numbered as on the wire.
type PacketType uint8

// The Socket.IO v5 packet types. Broadcasts between nodes always carry PacketEvent, also when
// the arguments hold binary data; a lenient receiver treats PacketBinaryEvent the same way.
const (
	PacketConnect      PacketType = 0
	PacketDisconnect   PacketType = 1
	PacketEvent        PacketType = 2
	PacketAck          PacketType = 3
	PacketConnectError PacketType = 4
	PacketBinaryEvent  PacketType = 5
	PacketBinaryAck    PacketType = 6
)

// Packet is the un-encoded Socket.IO packet object that broadcasts carry:
// {type, data, nsp} in the classic family, {type, data} in the sharded one.
type Packet struct {
	// Type is PacketEvent for every broadcast Node sends.
	Type PacketType
	// Data is [event, arg1, ...] with binary inline as []byte; nil leaves the key out.
	Data []any
	// Nsp is the namespace. Classic encoders always write it (Node does) and classic decoders
	// set "/" when it is missing, as Node's receivers do; in the sharded family an empty Nsp
	// is left out (the envelope carries the namespace).
	Nsp string
	// ID is the packet id ("id") when HasID is set. Node never sends one between nodes.
	ID uint64
	// HasID tells whether the packet has an id.
	HasID bool
}

func (e *encoder) packet(p *Packet, classic bool) error {
	withNsp := classic || p.Nsp != ""
	n := 1
	if p.Data != nil {
		n++
	}
	if withNsp {
		n++
	}
	if p.HasID {
		n++
	}
	e.beginMap(n)
	e.key("type")
	e.int(int64(p.Type))
	if p.Data != nil {
		e.key("data")
		if err := e.array(p.Data); err != nil {
			return err
		}
	}
	if withNsp {
		e.key("nsp")
		e.string(p.Nsp)
	}
	if p.HasID {
		e.key("id")
		e.uint(p.ID)
	}
	e.endMap()
	return nil
}

func decodePacket(v any, where string, classic bool) (Packet, error) {
	var p Packet
	o, err := asObject(v, where, "")
	if err != nil {
		return p, err
	}
	hasType, hasNsp := false, false
	for _, m := range o {
		switch m.Key {
		case "type":
			n, err := asInt(m.Value, where, "type", 0, int64(PacketBinaryAck))
			if err != nil {
				return p, err
			}
			p.Type, hasType = PacketType(n), true
		case "data":
			if m.Value == nil {
				continue
			}
			if p.Data, err = asArray(m.Value, where, "data"); err != nil {
				return p, err
			}
		case "nsp":
			if p.Nsp, err = asString(m.Value, where, "nsp"); err != nil {
				return p, err
			}
			hasNsp = true
		case "id":
			if m.Value == nil {
				continue
			}
			n, err := asInt(m.Value, where, "id", 0, maxInt)
			if err != nil {
				return p, err
			}
			p.ID, p.HasID = uint64(n), true
		}
	}
	if !hasType {
		return p, missing(where, "type")
	}
	if classic && !hasNsp {
		p.Nsp = "/"
	}
	return p, nil
}

// Room is a room name as it travels. JavaScript rooms are strings or numbers
// (io.to(123)); Name is the room as String(room) writes it, which is also how Node names
// the room channel, and Numeric records that it travels as a number.
type Room struct {
	// Name is String(room): "room1", or "123" for the number 123.
	Name string
	// Numeric is set when the room travels as a JavaScript number; Name must then be a
	// finite number in JavaScript's notation.
	Numeric bool
}

// String returns the name.
func (r Room) String() string { return r.Name }

// Rooms makes string rooms from names.
func Rooms(names ...string) []Room {
	if len(names) == 0 {
		return nil
	}
	rs := make([]Room, len(names))
	for i, n := range names {
		rs[i] = Room{Name: n}
	}
	return rs
}

// RoomNames returns the names of rooms.
func RoomNames(rooms []Room) []string {
	if len(rooms) == 0 {
		return nil
	}
	names := make([]string, len(rooms))
	for i, r := range rooms {
		names[i] = r.Name
	}
	return names
}

func (e *encoder) room(r Room) error {
	if !r.Numeric {
		e.string(r.Name)
		return nil
	}
	if n, err := strconv.ParseInt(r.Name, 10, 64); err == nil {
		e.int(n)
		return nil
	}
	f, err := strconv.ParseFloat(r.Name, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("numeric room %q is not a finite number", r.Name)
	}
	e.float(f)
	return nil
}

// rooms writes a room list; nil writes [] (Node never sends null there).
func (e *encoder) rooms(rs []Room) error {
	e.beginArray(len(rs))
	for _, r := range rs {
		if err := e.room(r); err != nil {
			return err
		}
	}
	e.endArray()
	return nil
}

func decodeRoom(v any, where, field string) (Room, error) {
	switch x := v.(type) {
	case string:
		return Room{Name: x}, nil
	case int64:
		return Room{Name: strconv.FormatInt(x, 10), Numeric: true}, nil
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return Room{Name: string(jsjson.AppendNumber(nil, x)), Numeric: true}, nil
		}
	}
	return Room{}, wrongType(where, field, "string or finite number", v)
}

// decodeRooms reads a room list; null or an empty list gives nil.
func decodeRooms(v any, where, field string) ([]Room, error) {
	if v == nil {
		return nil, nil
	}
	a, err := asArray(v, where, field)
	if err != nil || len(a) == 0 {
		return nil, err
	}
	rs := make([]Room, len(a))
	for i, x := range a {
		if rs[i], err = decodeRoom(x, where, field); err != nil {
			return nil, fmt.Errorf("%w (item %d)", err, i)
		}
	}
	return rs, nil
}

// Flags are the broadcast flags of opts.flags. Encoders write them in a fixed order
// (volatile, compress, local, broadcast, expectSingleResponse, timeout, then Extra), which is
// the order of every flag combination Node produces in practice; receivers do not depend on it.
type Flags struct {
	// Volatile ("volatile": true): the packet may be dropped for clients that are not ready.
	// A false value is not written (Node never sends one).
	Volatile bool
	// Compress is the per-message compression hint ("compress"), present when HasCompress.
	Compress bool
	// HasCompress tells whether "compress" is present (Node sends compress: false too).
	HasCompress bool
	// Local ("local": true) keeps an operation on one node. Node never publishes it.
	Local bool
	// Broadcast is the legacy Socket.IO 2 flag ("broadcast": true); receivers ignore it.
	Broadcast bool
	// ExpectSingleResponse ("expectSingleResponse": true) marks RemoteSocket operations;
	// receivers ignore it.
	ExpectSingleResponse bool
	// Timeout ("timeout", milliseconds on the wire) bounds a broadcast with
	// acknowledgements; present when HasTimeout.
	Timeout time.Duration
	// HasTimeout tells whether "timeout" is present.
	HasTimeout bool
	// Extra holds any other flag (e.g. the legacy "binary"), passed through in order. Its
	// keys must not repeat the names above.
	Extra Object
}

// IsZero reports whether no flag is set.
func (f *Flags) IsZero() bool {
	return !f.Volatile && !f.HasCompress && !f.Local && !f.Broadcast && !f.ExpectSingleResponse &&
		!f.HasTimeout && len(f.Extra) == 0
}

func (e *encoder) flags(f *Flags) error {
	n := len(f.Extra)
	for _, set := range [...]bool{f.Volatile, f.HasCompress, f.Local, f.Broadcast, f.ExpectSingleResponse, f.HasTimeout} {
		if set {
			n++
		}
	}
	e.beginMap(n)
	if f.Volatile {
		e.key("volatile")
		e.bool(true)
	}
	if f.HasCompress {
		e.key("compress")
		e.bool(f.Compress)
	}
	if f.Local {
		e.key("local")
		e.bool(true)
	}
	if f.Broadcast {
		e.key("broadcast")
		e.bool(true)
	}
	if f.ExpectSingleResponse {
		e.key("expectSingleResponse")
		e.bool(true)
	}
	if f.HasTimeout {
		e.key("timeout")
		if f.Timeout%time.Millisecond == 0 {
			e.int(int64(f.Timeout / time.Millisecond))
		} else {
			e.float(float64(f.Timeout) / float64(time.Millisecond))
		}
	}
	for _, m := range f.Extra {
		e.key(m.Key)
		if err := e.value(m.Value); err != nil {
			return err
		}
	}
	e.endMap()
	return nil
}

// maxTimeoutMillis keeps a timeout representable as a time.Duration.
const maxTimeoutMillis = math.MaxInt64 / int64(time.Millisecond)

func decodeFlags(v any, where string) (Flags, error) {
	var f Flags
	if v == nil {
		return f, nil
	}
	o, err := asObject(v, where, "flags")
	if err != nil {
		return f, err
	}
	where = join(where, "flags")
	for _, m := range o {
		if m.Value == nil {
			if isKnownFlag(m.Key) {
				continue // null reads as absent
			}
		}
		var set *bool
		switch m.Key {
		case "volatile":
			set = &f.Volatile
		case "compress":
			set, f.HasCompress = &f.Compress, true
		case "local":
			set = &f.Local
		case "broadcast":
			set = &f.Broadcast
		case "expectSingleResponse":
			set = &f.ExpectSingleResponse
		case "timeout":
			d, err := decodeTimeout(m.Value, where)
			if err != nil {
				return f, err
			}
			f.Timeout, f.HasTimeout = d, true
			continue
		default:
			f.Extra = append(f.Extra, m)
			continue
		}
		if *set, err = asBool(m.Value, where, m.Key); err != nil {
			return f, err
		}
	}
	return f, nil
}

func isKnownFlag(k string) bool {
	switch k {
	case "volatile", "compress", "local", "broadcast", "expectSingleResponse", "timeout":
		return true
	}
	return false
}

func decodeTimeout(v any, where string) (time.Duration, error) {
	switch x := v.(type) {
	case int64:
		if x >= -maxTimeoutMillis && x <= maxTimeoutMillis {
			return time.Duration(x) * time.Millisecond, nil
		}
	case float64:
		// Below 2^50 ns a fractional timeout survives ms → ns → ms exactly; beyond (13 days)
		// it is rounded to whole milliseconds so that re-encoding stays stable.
		if math.Abs(x) < float64(1<<50)/float64(time.Millisecond) {
			return time.Duration(math.Round(x * float64(time.Millisecond))), nil
		}
		if x >= -float64(maxTimeoutMillis) && x <= float64(maxTimeoutMillis) {
			return time.Duration(math.Round(x)) * time.Millisecond, nil
		}
	default:
		return 0, wrongType(where, "timeout", "number", v)
	}
	return 0, fmt.Errorf("%s: %v ms out of range", join(where, "timeout"), v)
}

// BroadcastOptions is the opts object {rooms, except, flags}: the target sockets are those in
// any of Rooms (every socket of the namespace when Rooms is empty) minus those in any of
// Except. Nil lists are written as [] and empty lists decode as nil.
type BroadcastOptions struct {
	// Rooms are the target rooms ("rooms").
	Rooms []Room
	// Except are the excluded rooms ("except").
	Except []Room
	// Flags are the broadcast flags ("flags").
	Flags Flags
	// EmitterOrder writes the keys in the emitter's order (rooms, flags, except) instead of
	// the adapters' (rooms, except, flags). Decoders set it from the payload so that
	// re-encoding reproduces it; receivers do not care.
	EmitterOrder bool
}

// opts writes the options; flags are written always or only when some flag is set (classic
// JSON requests, where Node leaves flags out).
func (e *encoder) opts(o *BroadcastOptions, alwaysFlags bool) error {
	withFlags := alwaysFlags || !o.Flags.IsZero()
	n := 2
	if withFlags {
		n++
	}
	e.beginMap(n)
	e.key("rooms")
	if err := e.rooms(o.Rooms); err != nil {
		return err
	}
	if withFlags && o.EmitterOrder {
		e.key("flags")
		if err := e.flags(&o.Flags); err != nil {
			return err
		}
	}
	e.key("except")
	if err := e.rooms(o.Except); err != nil {
		return err
	}
	if withFlags && !o.EmitterOrder {
		e.key("flags")
		if err := e.flags(&o.Flags); err != nil {
			return err
		}
	}
	e.endMap()
	return nil
}

func decodeOpts(v any, where string) (BroadcastOptions, error) {
	var o BroadcastOptions
	obj, err := asObject(v, where, "opts")
	if err != nil {
		return o, err
	}
	where = join(where, "opts")
	exceptAt, flagsAt := -1, -1
	for i, m := range obj {
		switch m.Key {
		case "rooms":
			o.Rooms, err = decodeRooms(m.Value, where, "rooms")
		case "except":
			exceptAt = i
			o.Except, err = decodeRooms(m.Value, where, "except")
		case "flags":
			flagsAt = i
			o.Flags, err = decodeFlags(m.Value, where)
		}
		if err != nil {
			return o, err
		}
	}
	o.EmitterOrder = flagsAt >= 0 && exceptAt > flagsAt
	return o, nil
}
