package adminui

import (
	"maps"
	"slices"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/socketio"
)

// adminKey is the field of a socket's data in which Node's instrumentation keeps the socket's
// client id and transport, so that other nodes' fetchSockets see them.
const adminKey = "_admin"

// serializedSocket is a socket as the UI receives it (Node's serialize).
type serializedSocket struct {
	ID        string              `json:"id"`
	ClientID  string              `json:"clientId,omitempty"`
	Transport string              `json:"transport,omitempty"`
	Nsp       string              `json:"nsp"`
	Data      any                 `json:"data"`
	Handshake serializedHandshake `json:"handshake"`
	Rooms     []string            `json:"rooms"`
}

// serializedHandshake is the part of the handshake the UI shows (no auth).
type serializedHandshake struct {
	Address string        `json:"address"`
	Headers jsjson.Object `json:"headers"`
	Query   jsjson.Object `json:"query"`
	Issued  int64         `json:"issued"`
	Secure  bool          `json:"secure"`
	Time    string        `json:"time"`
	URL     string        `json:"url"`
	XDomain bool          `json:"xdomain"`
}

// socketDesc is what serialize needs of a socket, local or fetched from the cluster.
type socketDesc interface {
	ID() string
	Handshake() *socketio.Handshake
	Rooms() []string
	Data() any
}

// serialize describes s, a socket of namespace nsp. The client id and transport come from the
// "_admin" field of its data (put there by this instrumentation or Node's), unless the caller
// knows them (a socket of this node).
func serialize(s socketDesc, nsp, clientID, transport string) serializedSocket {
	data, admin := splitData(s.Data())
	if clientID == "" {
		clientID, _ = admin["clientId"].(string)
	}
	if transport == "" {
		transport, _ = admin["transport"].(string)
	}
	h := s.Handshake()
	headers := wire.NodeHeaders(h.Headers)
	if headers == nil {
		headers = jsjson.Object{}
	}
	query := wire.NodeQuery(h.Query, h.URL)
	if query == nil {
		query = jsjson.Object{}
	}
	address := h.Address
	for _, k := range []string{"x-forwarded-for", "cf-connecting-ip"} {
		if v, ok := headers.Get(k); ok {
			if v, ok := v.(string); ok && v != "" {
				address = v
			}
		}
	}
	return serializedSocket{
		ID:        s.ID(),
		ClientID:  clientID,
		Transport: transport,
		Nsp:       nsp,
		Data:      data,
		Handshake: serializedHandshake{
			Address: address,
			Headers: headers,
			Query:   query,
			Issued:  h.Issued,
			Secure:  h.Secure,
			Time:    h.Time,
			URL:     h.URL,
			XDomain: h.XDomain,
		},
		Rooms: ownRoomFirst(s.Rooms(), s.ID()),
	}
}

// serializeLocal describes a socket of this node.
func serializeLocal(s *socketio.Socket) serializedSocket {
	return serialize(s, s.Namespace().Name(), clientID(s), s.Conn().Transport())
}

// clientID is what the UI calls a client: the first 12 characters of the Engine.IO session id.
func clientID(s *socketio.Socket) string {
	id := s.Conn().ID()
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// ownRoomFirst orders rooms as a Node socket lists them: its own room first.
func ownRoomFirst(rooms []string, id string) []string {
	out := make([]string, 0, len(rooms))
	if slices.Contains(rooms, id) {
		out = append(out, id)
	}
	for _, r := range rooms {
		if r != id {
			out = append(out, r)
		}
	}
	return out
}

// splitData separates a socket's data from its "_admin" field (Node's serializeData): nil
// data is an empty object, as Node's socket.data.
func splitData(d any) (data any, admin map[string]any) {
	switch v := d.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		a, ok := v[adminKey].(map[string]any)
		if !ok {
			return v, nil
		}
		rest := maps.Clone(v)
		delete(rest, adminKey)
		return rest, a
	case jsjson.Object:
		a, _ := v.Get(adminKey)
		am, _ := jsjson.Plain(a).(map[string]any)
		rest := slices.DeleteFunc(slices.Clone(v), func(m jsjson.Member) bool { return m.Key == adminKey })
		return rest, am
	}
	return d, nil
}

// withAdmin is the data FetchSockets reports for a socket of this node in development mode:
// its data as an object, with the "_admin" field Node's instrumentation adds, so that every
// node's all_sockets shows its client id and transport. Data that is not an object is
// reported as it is.
func withAdmin(s *socketio.Socket, d any) any {
	admin := map[string]any{"clientId": clientID(s), "transport": s.Conn().Transport()}
	var m map[string]any
	switch v := d.(type) {
	case nil:
		m = map[string]any{}
	case map[string]any:
		m = maps.Clone(v)
	default:
		enc := jsjson.Encoder{Binary: jsjson.Buffers}
		b, err := enc.Append(nil, d)
		if err != nil {
			return d
		}
		g, err := jsjson.Decode(b, jsjson.DecodeOptions{Maps: true})
		if err != nil {
			return d
		}
		if m, _ = g.(map[string]any); m == nil {
			return d
		}
	}
	m[adminKey] = admin
	return m
}
