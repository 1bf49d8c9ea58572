package cluster

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/socketio/parser"
)

// NewClassicCodec returns the Codec of Node's classic Redis adapter (@socket.io/redis-adapter
// createAdapter, docs/redis-wire.md §5–7), which Node's emitter also speaks:
//
//   - Broadcast without RequestID: the MessagePack array [uid, packet, opts] on TopicBroadcast
//     or TopicRoom;
//   - Broadcast with RequestID: request type 7 (MessagePack), answered by BroadcastClientCount
//     (type 8, JSON) and BroadcastAck (type 9, MessagePack);
//   - SocketsJoin, SocketsLeave, DisconnectSockets: requests 2, 3, 4 with opts;
//   - FetchSockets: request 5, answered by {requestId, sockets};
//   - ServerSideEmit: request 6 (with a requestId when an answer is wanted), answered by type 6;
//   - AllRooms: request 1, answered by {requestId, rooms};
//   - the legacy requests of older nodes (type 0, and 2–4 with a sid) decode as Sockets and as
//     SocketsJoin/SocketsLeave/DisconnectSockets with a RequestID, answered by
//     SocketsResponse and SocketOpResponse.
//
// Requests and responses are JSON except types 7 and 9, as Node writes them; the decoder
// accepts both on every request and response topic. Classic responses carry no uid.
func NewClassicCodec() Codec { return classicCodec{} }

type classicCodec struct{}

var _ uidPeeker = classicCodec{}

func (classicCodec) NewID() string { return wire.NewClassicID() }

// Encode implements Codec.
func (c classicCodec) Encode(m *Message) ([]byte, error) {
	switch m.Type {
	case Broadcast:
		vals, err := packetValues(m.Packet)
		if err != nil {
			return nil, err
		}
		if vals == nil {
			vals = []any{}
		}
		p := wire.Packet{Type: wire.PacketEvent, Data: vals, Nsp: m.Nsp}
		if m.RequestID == "" {
			return wire.MarshalClassicBroadcast(&wire.ClassicBroadcast{UID: m.UID, Packet: p, Opts: classicOpts(m.Target, true)})
		}
		return wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestBroadcast, UID: m.UID, RequestID: m.RequestID,
			Packet: p, Opts: classicOpts(m.Target, true)}, wire.Auto)
	case SocketsJoin, SocketsLeave, DisconnectSockets:
		r := &wire.ClassicRequest{UID: m.UID, Opts: classicOpts(m.Target, false), Rooms: wire.Rooms(m.Rooms...), Close: m.Close}
		r.Type = map[Type]wire.RequestType{SocketsJoin: wire.RequestRemoteJoin, SocketsLeave: wire.RequestRemoteLeave,
			DisconnectSockets: wire.RequestRemoteDisconnect}[m.Type]
		return wire.MarshalClassicRequest(r, wire.Auto)
	case FetchSockets:
		return wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestRemoteFetch, UID: m.UID, RequestID: m.RequestID,
			Opts: classicOpts(m.Target, false)}, wire.Auto)
	case ServerSideEmit:
		return wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestServerSideEmit, UID: m.UID, RequestID: m.RequestID,
			Args: m.Args}, wire.Auto)
	case AllRooms:
		return wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestAllRooms, UID: m.UID, RequestID: m.RequestID}, wire.Auto)
	case Sockets:
		return wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestSockets, UID: m.UID, RequestID: m.RequestID,
			Rooms: wire.Rooms(m.Target.Rooms...)}, wire.Auto)
	case FetchSocketsResponse:
		r := &wire.ClassicResponse{Type: wire.RequestRemoteFetch, RequestID: m.RequestID, Sockets: make([]wire.SocketInfo, len(m.Sockets))}
		for i := range m.Sockets {
			r.Sockets[i] = toWireSocket(&m.Sockets[i])
		}
		b, err := wire.MarshalClassicResponse(r, wire.Auto)
		if err != nil {
			// One socket's data may not be encodable: send the others' as they are.
			for i := range r.Sockets {
				if _, derr := wire.MarshalValue(r.Sockets[i].Data, wire.JSON); derr != nil {
					r.Sockets[i].Data = nil
				}
			}
			if b, err2 := wire.MarshalClassicResponse(r, wire.Auto); err2 == nil {
				return b, nil
			}
		}
		return b, err
	case AllRoomsResponse:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestAllRooms, RequestID: m.RequestID,
			Rooms: wire.Rooms(m.Rooms...)}, wire.Auto)
	case ServerSideEmitResponse:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestServerSideEmit, RequestID: m.RequestID,
			Reply: m.Value, HasReply: m.Value != nil}, wire.Auto)
	case BroadcastClientCount:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestBroadcastClientCount, RequestID: m.RequestID,
			ClientCount: int64(m.ClientCount)}, wire.Auto)
	case BroadcastAck:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestBroadcastAck, RequestID: m.RequestID,
			Reply: m.Value, HasReply: m.Value != nil}, wire.Auto)
	case SocketsResponse:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestSockets, RequestID: m.RequestID,
			SocketIDs: nonNilStrings(m.SocketIDs)}, wire.Auto)
	case SocketOpResponse:
		return wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestRemoteJoin, RequestID: m.RequestID}, wire.Auto)
	}
	return nil, fmt.Errorf("cluster: classic codec: message type %d: %w", m.Type, ErrUnsupported)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Decode implements Codec.
func (c classicCodec) Decode(t Topic, b []byte) (*Message, error) {
	switch t.Kind {
	case TopicBroadcast, TopicRoom:
		var cb wire.ClassicBroadcast
		if err := wire.UnmarshalClassicBroadcast(b, &cb); err != nil {
			return nil, err
		}
		p, err := eventFromWire(&cb.Packet)
		if err != nil {
			return nil, err
		}
		return &Message{Type: Broadcast, UID: cb.UID, Nsp: cb.Packet.Nsp, Target: fromWireOpts(&cb.Opts), Packet: p}, nil
	case TopicRequest:
		var r wire.ClassicRequest
		if err := wire.UnmarshalClassicRequest(b, &r); err != nil {
			return nil, err
		}
		return decodeClassicRequest(&r)
	case TopicResponse:
		var r wire.ClassicResponse
		if err := wire.UnmarshalClassicResponse(b, &r); err != nil {
			return nil, err
		}
		return decodeClassicResponse(&r)
	}
	return nil, fmt.Errorf("cluster: classic codec: unknown topic kind %d", t.Kind)
}

func decodeClassicRequest(r *wire.ClassicRequest) (*Message, error) {
	m := &Message{UID: r.UID, RequestID: r.RequestID}
	switch r.Type {
	case wire.RequestSockets:
		m.Type = Sockets
		m.Target.Rooms = wire.RoomNames(r.Rooms)
	case wire.RequestAllRooms:
		m.Type = AllRooms
	case wire.RequestRemoteJoin, wire.RequestRemoteLeave, wire.RequestRemoteDisconnect:
		m.Type = map[wire.RequestType]Type{wire.RequestRemoteJoin: SocketsJoin, wire.RequestRemoteLeave: SocketsLeave,
			wire.RequestRemoteDisconnect: DisconnectSockets}[r.Type]
		m.Close = r.Close
		if r.SID != "" { // legacy per-socket form: answered by the node that has the socket
			if m.RequestID == "" {
				return nil, errors.New("cluster: classic legacy request without requestId")
			}
			m.Target.Rooms = []string{r.SID}
			if r.Type != wire.RequestRemoteDisconnect {
				m.Rooms = []string{r.Room.Name}
			}
			return m, nil
		}
		m.RequestID = "" // the opts form expects no answer
		m.Target = fromWireOpts(&r.Opts)
		m.Target.Flags = adapter.Flags{}
		m.Rooms = wire.RoomNames(r.Rooms)
	case wire.RequestRemoteFetch:
		m.Type = FetchSockets
		m.Target = fromWireOpts(&r.Opts)
		m.Target.Flags = adapter.Flags{}
	case wire.RequestServerSideEmit:
		m.Type = ServerSideEmit
		m.Args = r.Args
	case wire.RequestBroadcast:
		m.Type = Broadcast
		p, err := eventFromWire(&r.Packet)
		if err != nil {
			return nil, err
		}
		m.Packet = p
		m.Nsp = r.Packet.Nsp
		m.Target = fromWireOpts(&r.Opts)
	default:
		return nil, fmt.Errorf("cluster: classic request type %v: %w", r.Type, ErrUnsupported)
	}
	if m.RequestID == "" && (m.Type == FetchSockets || m.Type == AllRooms || m.Type == Sockets || m.Type == Broadcast) {
		return nil, fmt.Errorf("cluster: classic request %v without requestId", r.Type)
	}
	return m, nil
}

func decodeClassicResponse(r *wire.ClassicResponse) (*Message, error) {
	m := &Message{RequestID: r.RequestID}
	switch r.Type {
	case wire.RequestSockets:
		m.Type = SocketsResponse
		m.SocketIDs = r.SocketIDs
	case wire.RequestAllRooms:
		m.Type = AllRoomsResponse
		m.Rooms = wire.RoomNames(r.Rooms)
	case wire.RequestRemoteJoin, wire.RequestRemoteLeave, wire.RequestRemoteDisconnect:
		m.Type = SocketOpResponse
	case wire.RequestRemoteFetch:
		m.Type = FetchSocketsResponse
		m.Sockets = make([]adapter.SocketInfo, len(r.Sockets))
		for i := range r.Sockets {
			m.Sockets[i] = fromWireSocket(&r.Sockets[i])
		}
	case wire.RequestServerSideEmit:
		m.Type = ServerSideEmitResponse
		m.Value = r.Reply
	case wire.RequestBroadcastClientCount:
		m.Type = BroadcastClientCount
		m.ClientCount = int(r.ClientCount)
	case wire.RequestBroadcastAck:
		m.Type = BroadcastAck
		m.Value = r.Reply
	default:
		return nil, fmt.Errorf("cluster: classic response type %v: %w", r.Type, ErrUnsupported)
	}
	return m, nil
}

// peekUID reads the uid of a classic broadcast ([uid, packet, opts]) without decoding the rest,
// so that a node skips its own broadcasts cheaply.
func (classicCodec) peekUID(t Topic, b []byte) (string, bool) {
	if t.Kind != TopicBroadcast && t.Kind != TopicRoom || len(b) < 2 || b[0] != 0x93 {
		return "", false
	}
	var n, start int
	switch c := b[1]; {
	case c >= 0xa0 && c <= 0xbf:
		n, start = int(c&0x1f), 2
	case c == 0xd9 && len(b) > 2:
		n, start = int(b[2]), 3
	default:
		return "", false
	}
	if len(b) < start+n {
		return "", false
	}
	return string(b[start : start+n]), true
}

// eventFromWire turns the packet of a broadcast into an EVENT packet for local delivery.
func eventFromWire(p *wire.Packet) (*parser.Packet, error) {
	if p.Type != wire.PacketEvent && p.Type != wire.PacketBinaryEvent {
		return nil, fmt.Errorf("cluster: broadcast packet of type %d, want an event", p.Type)
	}
	if len(p.Data) == 0 {
		return nil, errors.New("cluster: broadcast packet without data")
	}
	if _, ok := p.Data[0].(string); !ok {
		return nil, errors.New("cluster: broadcast packet without an event name")
	}
	return eventPacket(p.Nsp, p.Data)
}

func classicOpts(t adapter.Target, withFlags bool) wire.BroadcastOptions {
	o := wire.BroadcastOptions{Rooms: wire.Rooms(t.Rooms...), Except: wire.Rooms(t.Except...)}
	if withFlags {
		o.Flags.Volatile = t.Flags.Volatile
		if t.Flags.NoCompress {
			o.Flags.HasCompress = true
		}
		if t.Flags.Timeout > 0 {
			o.Flags.Timeout, o.Flags.HasTimeout = t.Flags.Timeout, true
		}
	}
	return o
}

func fromWireOpts(o *wire.BroadcastOptions) adapter.Target {
	t := adapter.Target{Rooms: wire.RoomNames(o.Rooms), Except: wire.RoomNames(o.Except)}
	t.Flags.Volatile = o.Flags.Volatile
	t.Flags.NoCompress = o.Flags.HasCompress && !o.Flags.Compress
	if o.Flags.HasTimeout && o.Flags.Timeout > 0 {
		t.Flags.Timeout = o.Flags.Timeout
	}
	return t
}

// toWireSocket describes a socket of this node as Node does: own id first in rooms, header
// names in lower case, single values as strings.
func toWireSocket(s *adapter.SocketInfo) wire.SocketInfo {
	rooms := make([]string, 0, len(s.Rooms)+1)
	rooms = append(rooms, s.ID)
	for _, r := range s.Rooms {
		if r != s.ID {
			rooms = append(rooms, r)
		}
	}
	h := &s.Handshake
	out := wire.SocketInfo{
		ID: s.ID,
		Handshake: wire.Handshake{
			Headers: wire.NodeHeaders(h.Headers),
			Time:    h.Time,
			Address: h.Address,
			XDomain: h.XDomain,
			Secure:  h.Secure,
			Issued:  h.Issued,
			URL:     h.URL,
			Query:   wire.NodeQuery(h.Query, h.URL),
		},
		Rooms: wire.Rooms(rooms...),
		Data:  s.Data,
	}
	if h.Auth != nil {
		out.Handshake.Auth = h.Auth
	}
	return out
}

func fromWireSocket(s *wire.SocketInfo) adapter.SocketInfo {
	h := &s.Handshake
	out := adapter.SocketInfo{
		ID: s.ID,
		Handshake: adapter.Handshake{
			Headers: http.Header{},
			Query:   url.Values{},
			Time:    h.Time,
			Issued:  h.Issued,
			URL:     h.URL,
			Address: h.Address,
			XDomain: h.XDomain,
			Secure:  h.Secure,
		},
		Rooms: wire.RoomNames(s.Rooms),
		Data:  jsjson.Plain(s.Data),
	}
	for _, m := range h.Headers {
		k := textproto.CanonicalMIMEHeaderKey(m.Key)
		out.Handshake.Headers[k] = append(out.Handshake.Headers[k], stringValues(m.Value)...)
	}
	for _, m := range h.Query {
		out.Handshake.Query[m.Key] = append(out.Handshake.Query[m.Key], stringValues(m.Value)...)
	}
	if auth, ok := jsjson.Plain(h.Auth).(map[string]any); ok {
		out.Handshake.Auth = auth
	}
	return out
}

func stringValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, y := range x {
			out = append(out, stringValues(y)...)
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}
