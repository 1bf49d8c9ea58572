package wire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// StreamEntry is one entry of a stream of the Redis Streams adapter
// (@socket.io/redis-streams-adapter 0.3.1, docs/redis-wire.md §10): the fields uid, nsp, type
// (the ClusterAdapter type in decimal) and data, written by XADD in that order. Data is the
// JSON text of the message's data object, or the standard base64 of its MessagePack when it
// holds binary (types 3, 8, 9, 10 and 12 only); it is left out when the type has no data.
type StreamEntry struct {
	// ID is the entry id Redis gave it (empty before XADD).
	ID   string
	UID  string
	Nsp  string
	Type string
	// Data is the data field; HasData tells whether it is present.
	Data    string
	HasData bool
}

// MarshalStreamEntry encodes m as a stream entry, as Node's adapter does: data in JSON unless
// the type may carry binary and does (then base64 MessagePack), or always JSON with plaintext
// (Node's onlyPlaintext option).
func MarshalStreamEntry(m *ClusterMessage, plaintext bool) (StreamEntry, error) {
	if m.Type < ClusterInitialHeartbeat || m.Type > ClusterAdapterClose {
		return StreamEntry{}, fmt.Errorf("wire: stream entry: %w %d", ErrUnknownType, m.Type)
	}
	e := StreamEntry{UID: m.UID, Nsp: m.Nsp, Type: strconv.Itoa(int(m.Type))}
	if !m.Type.hasData() {
		return e, nil
	}
	enc := Auto
	if plaintext || !m.Type.mayCarryBinary() {
		enc = JSON
	}
	b, err := marshal(enc, func(e *encoder) error { return e.clusterData(m) })
	if err != nil {
		return StreamEntry{}, fmt.Errorf("wire: stream entry %v: %w", m.Type, err)
	}
	e.HasData = true
	if len(b) > 0 && b[0] == '{' {
		e.Data = string(b)
	} else {
		e.Data = base64.StdEncoding.EncodeToString(b)
	}
	return e, nil
}

// UnmarshalStreamEntry decodes a stream entry into m. Like Node, data beginning with '{' is
// JSON and anything else base64 MessagePack.
func UnmarshalStreamEntry(e StreamEntry, m *ClusterMessage) error {
	*m = ClusterMessage{UID: e.UID, Nsp: e.Nsp}
	n, err := strconv.Atoi(e.Type)
	if err != nil || n < int(ClusterInitialHeartbeat) || n > int(ClusterAdapterClose) {
		return fmt.Errorf("wire: stream entry: %w %q", ErrUnknownType, e.Type)
	}
	m.Type = ClusterType(n)
	if !m.Type.hasData() {
		return nil
	}
	if !e.HasData || e.Data == "" {
		return fmt.Errorf("wire: stream entry: %w", missing("", "data"))
	}
	var v any
	if e.Data[0] == '{' {
		v, err = decodeJSON([]byte(e.Data))
	} else {
		var raw []byte
		if raw, err = base64.StdEncoding.DecodeString(e.Data); err == nil {
			v, err = decodeMsgpack(raw)
		}
	}
	if err != nil {
		return fmt.Errorf("wire: stream entry data: %w", err)
	}
	d, err := asObject(v, "", "data")
	if err != nil {
		return fmt.Errorf("wire: stream entry: %w", err)
	}
	if err := decodeClusterData(d, m); err != nil {
		return fmt.Errorf("wire: stream entry: %w", err)
	}
	return nil
}

// StreamSession is a socket's state as the Redis Streams adapter keeps it for
// connection-state recovery: the MessagePack map {sid, pid, rooms, data}, stored in base64
// under <sessionKeyPrefix><pid>.
type StreamSession struct {
	SID   string
	PID   string
	Rooms []string
	Data  any
}

// MarshalStreamSession returns the stored form of s: standard base64 of its MessagePack. A
// Data value of a Go type the encoder does not take (a struct) is stored as its JSON form.
func MarshalStreamSession(s *StreamSession) (string, error) {
	out, err := marshalStreamSession(s)
	if err != nil {
		b, jerr := json.Marshal(s.Data)
		if jerr != nil {
			return "", err
		}
		c := *s
		if c.Data, jerr = decodeJSON(b); jerr != nil {
			return "", err
		}
		return marshalStreamSession(&c)
	}
	return out, nil
}

func marshalStreamSession(s *StreamSession) (string, error) {
	b, err := marshal(MsgPack, func(e *encoder) error {
		e.beginMap(4)
		e.key("sid")
		e.string(s.SID)
		e.key("pid")
		e.string(s.PID)
		e.key("rooms")
		rooms := make([]any, len(s.Rooms))
		for i, r := range s.Rooms {
			rooms[i] = r
		}
		if err := e.value(rooms); err != nil {
			return err
		}
		e.key("data")
		if err := e.value(s.Data); err != nil {
			return err
		}
		e.endMap()
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("wire: session: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// UnmarshalStreamSession decodes a stored session. Rooms that are numbers (Node allows them)
// become their decimal text; Data is a plain Go value (objects as map[string]any).
func UnmarshalStreamSession(stored string) (*StreamSession, error) {
	raw, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, fmt.Errorf("wire: session: %w", err)
	}
	v, err := decodeMsgpack(raw)
	if err != nil {
		return nil, fmt.Errorf("wire: session: %w", err)
	}
	o, err := asObject(v, "", "session")
	if err != nil {
		return nil, fmt.Errorf("wire: session: %w", err)
	}
	s := &StreamSession{}
	var hasSID bool
	for _, mb := range o {
		switch mb.Key {
		case "sid":
			s.SID, err = asString(mb.Value, "session", "sid")
			hasSID = err == nil
		case "pid":
			s.PID, err = asString(mb.Value, "session", "pid")
		case "rooms":
			s.Rooms, err = roomList(mb.Value)
		case "data":
			s.Data = jsjson.Plain(mb.Value)
		}
		if err != nil {
			return nil, fmt.Errorf("wire: session: %w", err)
		}
	}
	if !hasSID || s.SID == "" {
		return nil, fmt.Errorf("wire: session: %w", missing("session", "sid"))
	}
	return s, nil
}

func roomList(v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("session.rooms: want an array, got %s", typeName(v))
	}
	out := make([]string, 0, len(arr))
	for _, r := range arr {
		switch r := r.(type) {
		case string:
			out = append(out, r)
		case int64:
			out = append(out, strconv.FormatInt(r, 10))
		case uint64:
			out = append(out, strconv.FormatUint(r, 10))
		case float64:
			out = append(out, strconv.FormatFloat(r, 'f', -1, 64))
		default:
			return nil, fmt.Errorf("session.rooms: want strings, got %s", typeName(r))
		}
	}
	return out, nil
}
