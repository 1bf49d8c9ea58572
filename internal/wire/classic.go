package wire

import (
	"fmt"
)

// EmitterUID is the uid of every message the Node emitter publishes. No node has this uid,
// so nodes never drop emitter messages as their own.
const EmitterUID = "emitter"

// ClassicBroadcast is the message the classic adapter and the emitter publish on a broadcast
// channel: the MessagePack array [uid, packet, opts].
type ClassicBroadcast struct {
	// UID is the publishing node's uid for the namespace, or EmitterUID.
	UID string
	// Packet carries the namespace in Packet.Nsp.
	Packet Packet
	// Opts.Flags are always written; set Opts.EmitterOrder to write the emitter's key order.
	Opts BroadcastOptions
}

// MarshalClassicBroadcast encodes b as MessagePack, the only encoding classic broadcast
// channels accept.
func MarshalClassicBroadcast(b *ClassicBroadcast) ([]byte, error) {
	out, err := marshal(MsgPack, func(e *encoder) error {
		e.beginArray(3)
		e.string(b.UID)
		if err := e.packet(&b.Packet, true); err != nil {
			return err
		}
		return e.opts(&b.Opts, true)
	})
	if err != nil {
		return nil, fmt.Errorf("wire: classic broadcast: %w", err)
	}
	return out, nil
}

// UnmarshalClassicBroadcast decodes a classic broadcast (MessagePack only, like Node: there is
// no sniffing on broadcast channels) into b.
func UnmarshalClassicBroadcast(data []byte, b *ClassicBroadcast) error {
	*b = ClassicBroadcast{}
	if err := unmarshalClassicBroadcast(data, b); err != nil {
		return fmt.Errorf("wire: classic broadcast: %w", err)
	}
	return nil
}

func unmarshalClassicBroadcast(data []byte, b *ClassicBroadcast) error {
	v, err := decodeMsgpack(data)
	if err != nil {
		return err
	}
	a, err := asArray(v, "", "message")
	if err != nil {
		return err
	}
	if len(a) != 3 {
		return fmt.Errorf("message: want [uid, packet, opts], got %d items", len(a))
	}
	if b.UID, err = asString(a[0], "", "uid"); err != nil {
		return err
	}
	if b.Packet, err = decodePacket(a[1], "packet", true); err != nil {
		return err
	}
	b.Opts, err = decodeOpts(a[2], "")
	return err
}

// RequestType is the type code of classic requests and of the responses that carry one.
type RequestType uint8

// The classic request types (the adapter's RequestType enum).
const (
	// RequestSockets is the legacy allSockets request: {uid, requestId, type, rooms}.
	RequestSockets RequestType = 0
	// RequestAllRooms asks every node for its rooms: {uid, requestId, type}.
	RequestAllRooms RequestType = 1
	// RequestRemoteJoin makes matching sockets join rooms: {uid, type, opts, rooms}, or the
	// legacy per-socket form {uid, requestId, type, sid, room}.
	RequestRemoteJoin RequestType = 2
	// RequestRemoteLeave is RequestRemoteJoin's opposite, with the same fields.
	RequestRemoteLeave RequestType = 3
	// RequestRemoteDisconnect disconnects matching sockets: {uid, type, opts, close}, or the
	// legacy form {uid, requestId, type, sid, close}.
	RequestRemoteDisconnect RequestType = 4
	// RequestRemoteFetch is fetchSockets: {uid, requestId, type, opts}.
	RequestRemoteFetch RequestType = 5
	// RequestServerSideEmit is serverSideEmit: {uid, [requestId,] type, data}.
	RequestServerSideEmit RequestType = 6
	// RequestBroadcast is a broadcast with acknowledgements (MessagePack):
	// {uid, requestId, type, packet, opts}.
	RequestBroadcast RequestType = 7
	// RequestBroadcastClientCount is a response only: {type, requestId, clientCount}.
	RequestBroadcastClientCount RequestType = 8
	// RequestBroadcastAck is a response only (MessagePack): {type, requestId, packet}.
	RequestBroadcastAck RequestType = 9
)

var requestTypeNames = [...]string{"SOCKETS", "ALL_ROOMS", "REMOTE_JOIN", "REMOTE_LEAVE",
	"REMOTE_DISCONNECT", "REMOTE_FETCH", "SERVER_SIDE_EMIT", "BROADCAST", "BROADCAST_CLIENT_COUNT",
	"BROADCAST_ACK"}

// String returns Node's name for the type, e.g. "REMOTE_FETCH".
func (t RequestType) String() string {
	if int(t) < len(requestTypeNames) {
		return requestTypeNames[t]
	}
	return fmt.Sprintf("RequestType(%d)", uint8(t))
}

// ClassicRequest is a message on the classic request channel <key>-request#<nsp>#. Which
// fields are used depends on Type (see the RequestType constants); the others are ignored by
// the encoder and left zero by the decoder. Keys are written in Node's order: uid, requestId,
// type, then the type's own fields.
type ClassicRequest struct {
	// Type selects the request and its fields.
	Type RequestType
	// UID is the sender's uid; empty leaves it out (the emitter's join/leave/disconnect).
	UID string
	// RequestID identifies a request that expects answers; empty leaves it out, which for
	// RequestServerSideEmit means "no acknowledgement".
	RequestID string
	// Opts selects the target sockets (types 2, 3, 4 in their opts form, 5 and 7). Flags are
	// written for type 7 always and for the JSON types only when set (Node does not forward
	// them).
	Opts BroadcastOptions
	// Rooms lists the rooms to join or leave (types 2, 3) or to list sockets of (type 0).
	Rooms []Room
	// Close is the close argument of disconnectSockets (type 4).
	Close bool
	// SID, when not empty, selects the legacy per-socket form of types 2, 3 and 4 (no opts;
	// only the node owning the socket acts and answers).
	SID string
	// Room is the room of the legacy per-socket join or leave (types 2, 3).
	Room Room
	// Args is [event, arg1, ...] of a server-side emit (type 6).
	Args []any
	// Packet is the packet of a broadcast with acknowledgements (type 7).
	Packet Packet
}

// MarshalClassicRequest encodes r. Auto picks Node's encoding: MessagePack for
// RequestBroadcast, JSON for the others (binary arguments then travel as
// {"type":"Buffer","data":[…]} objects, as with Node). Receivers accept both.
func MarshalClassicRequest(r *ClassicRequest, enc Encoding) ([]byte, error) {
	if enc == Auto {
		enc = JSON
		if r.Type == RequestBroadcast {
			enc = MsgPack
		}
	}
	out, err := marshal(enc, func(e *encoder) error { return e.classicRequest(r) })
	if err != nil {
		return nil, fmt.Errorf("wire: classic request %v: %w", r.Type, err)
	}
	return out, nil
}

func (e *encoder) classicRequest(r *ClassicRequest) error {
	legacy := r.SID != "" && (r.Type == RequestRemoteJoin || r.Type == RequestRemoteLeave || r.Type == RequestRemoteDisconnect)
	n := 1
	if r.UID != "" {
		n++
	}
	if r.RequestID != "" {
		n++
	}
	switch r.Type {
	case RequestSockets, RequestRemoteFetch, RequestServerSideEmit:
		n++
	case RequestRemoteJoin, RequestRemoteLeave, RequestRemoteDisconnect, RequestBroadcast:
		n += 2
	case RequestAllRooms:
	default:
		return fmt.Errorf("%w %d for a request", ErrUnknownType, r.Type)
	}
	e.beginMap(n)
	if r.UID != "" {
		e.key("uid")
		e.string(r.UID)
	}
	if r.RequestID != "" {
		e.key("requestId")
		e.string(r.RequestID)
	}
	e.key("type")
	e.int(int64(r.Type))
	switch r.Type {
	case RequestSockets:
		e.key("rooms")
		if err := e.rooms(r.Rooms); err != nil {
			return err
		}
	case RequestRemoteJoin, RequestRemoteLeave, RequestRemoteDisconnect:
		if legacy {
			e.key("sid")
			e.string(r.SID)
		} else {
			e.key("opts")
			if err := e.opts(&r.Opts, false); err != nil {
				return err
			}
		}
		if r.Type == RequestRemoteDisconnect {
			e.key("close")
			e.bool(r.Close)
		} else if legacy {
			e.key("room")
			if err := e.room(r.Room); err != nil {
				return err
			}
		} else {
			e.key("rooms")
			if err := e.rooms(r.Rooms); err != nil {
				return err
			}
		}
	case RequestRemoteFetch:
		e.key("opts")
		if err := e.opts(&r.Opts, false); err != nil {
			return err
		}
	case RequestServerSideEmit:
		e.key("data")
		if err := e.array(nonNilArgs(r.Args)); err != nil {
			return err
		}
	case RequestBroadcast:
		e.key("packet")
		if err := e.packet(&r.Packet, true); err != nil {
			return err
		}
		e.key("opts")
		if err := e.opts(&r.Opts, true); err != nil {
			return err
		}
	}
	e.endMap()
	return nil
}

func nonNilArgs(a []any) []any {
	if a == nil {
		return []any{}
	}
	return a
}

// UnmarshalClassicRequest decodes a request (JSON or MessagePack, sniffed like Node) into r.
// Missing opts.rooms/opts.except mean empty sets; a type 2–4 request needs opts or, in the
// legacy form, a sid. Response types (8, 9) and unknown types are errors (ErrUnknownType for
// the latter).
func UnmarshalClassicRequest(data []byte, r *ClassicRequest) error {
	*r = ClassicRequest{}
	if err := unmarshalClassicRequest(data, r); err != nil {
		return fmt.Errorf("wire: classic request: %w", err)
	}
	return nil
}

func unmarshalClassicRequest(data []byte, r *ClassicRequest) error {
	v, _, err := decodeAny(data)
	if err != nil {
		return err
	}
	o, err := asObject(v, "", "request")
	if err != nil {
		return err
	}
	if err := r.decodeType(o); err != nil {
		return err
	}
	var f requestFields
	if err := f.read(o, r); err != nil {
		return err
	}
	return r.decodeBody(&f)
}

// decodeType reads and checks the request's type: a known request, not a response.
func (r *ClassicRequest) decodeType(o Object) error {
	t, ok := o.Get("type")
	if !ok {
		return missing("", "type")
	}
	n, err := asInt(t, "", "type", 0, maxInt)
	if err != nil {
		return err
	}
	r.Type = RequestType(n)
	if n > int64(RequestBroadcastAck) {
		return fmt.Errorf("%w %d", ErrUnknownType, n)
	}
	if r.Type == RequestBroadcastClientCount || r.Type == RequestBroadcastAck {
		return fmt.Errorf("type %v is a response", r.Type)
	}
	return nil
}

// requestFields are the members of a classic request whose meaning depends on its type.
type requestFields struct {
	opts, sid, room, rooms, args, packet any
}

// read sets the members every request type reads the same way (uid, requestId, close) and keeps
// the others in f.
func (f *requestFields) read(o Object, r *ClassicRequest) error {
	var err error
	for _, m := range o {
		switch m.Key {
		case "uid":
			r.UID, err = asString(m.Value, "", "uid")
		case "requestId":
			if m.Value != nil {
				r.RequestID, err = asString(m.Value, "", "requestId")
			}
		case "opts":
			f.opts = m.Value
		case "rooms":
			f.rooms = m.Value
		case "close":
			if m.Value != nil {
				r.Close, err = asBool(m.Value, "", "close")
			}
		case "sid":
			f.sid = m.Value
		case "room":
			f.room = m.Value
		case "data":
			f.args = m.Value
		case "packet":
			f.packet = m.Value
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeBody decodes the members r's type needs, and fails on one it needs that is missing.
func (r *ClassicRequest) decodeBody(f *requestFields) error {
	var err error
	switch r.Type {
	case RequestSockets:
		r.Rooms, err = decodeRooms(f.rooms, "", "rooms")
	case RequestRemoteJoin, RequestRemoteLeave, RequestRemoteDisconnect:
		err = r.decodeRemoteTarget(f)
	case RequestRemoteFetch:
		if f.opts == nil {
			return missing("", "opts")
		}
		r.Opts, err = decodeOpts(f.opts, "")
	case RequestServerSideEmit:
		if f.args == nil {
			return missing("", "data")
		}
		r.Args, err = asArray(f.args, "", "data")
	case RequestBroadcast:
		if f.packet == nil {
			return missing("", "packet")
		}
		if f.opts == nil {
			return missing("", "opts")
		}
		if r.Packet, err = decodePacket(f.packet, "packet", true); err != nil {
			return err
		}
		r.Opts, err = decodeOpts(f.opts, "")
	}
	return err
}

// decodeRemoteTarget decodes whom a remote join, leave or disconnect is for: the sockets that
// opts selects (Node's addSockets and co.), or one socket by sid (the legacy remoteJoin and co.).
func (r *ClassicRequest) decodeRemoteTarget(f *requestFields) error {
	var err error
	switch {
	case f.opts != nil:
		if r.Opts, err = decodeOpts(f.opts, ""); err != nil {
			return err
		}
		if r.Type != RequestRemoteDisconnect {
			r.Rooms, err = decodeRooms(f.rooms, "", "rooms")
		}
	case f.sid != nil:
		if r.SID, err = asID(f.sid, "", "sid"); err != nil {
			return err
		}
		if r.Type != RequestRemoteDisconnect {
			if f.room == nil {
				return missing("", "room")
			}
			r.Room, err = decodeRoom(f.room, "", "room")
		}
	default:
		return missing("", "opts")
	}
	return err
}

// ClassicResponse is a message on a classic response channel (<key>-response#<nsp># or
// <key>-response#<nsp>#<uid>#). Node writes a type only in the answers to types 6, 8 and 9;
// the others are told apart by their fields, or by the pending request they answer.
type ClassicResponse struct {
	// Type is the request type answered. Encoders choose the keys from it:
	//   RequestSockets           {requestId, sockets: [socket id…]}      (SocketIDs)
	//   RequestAllRooms          {requestId, rooms}                      (Rooms)
	//   RequestRemoteJoin/Leave/Disconnect  {requestId}                  (legacy forms)
	//   RequestRemoteFetch       {requestId, sockets: [socket…]}         (Sockets)
	//   RequestServerSideEmit    {type, requestId, data?}                (Reply)
	//   RequestBroadcastClientCount {type, requestId, clientCount}      (ClientCount)
	//   RequestBroadcastAck      {type, requestId, packet?}              (Reply)
	// Decoders read it from "type" when present, otherwise infer it: "sockets" of strings →
	// RequestSockets, other "sockets" → RequestRemoteFetch, "rooms" → RequestAllRooms, neither
	// → RequestRemoteJoin (the three legacy answers are identical).
	Type RequestType
	// RequestID is the id of the request answered.
	RequestID string
	// Sockets answers a RequestRemoteFetch.
	Sockets []SocketInfo
	// SocketIDs answers a RequestSockets.
	SocketIDs []string
	// Rooms answers a RequestAllRooms: every room of the answering node, socket ids included.
	Rooms []Room
	// ClientCount is the number of local clients the answering node broadcast to.
	ClientCount int64
	// Reply is the first argument given to the callback (server-side emit answers) or the
	// first argument of one client's acknowledgement (broadcast acks). Node leaves the key out
	// when that argument is undefined: HasReply is false then.
	Reply any
	// HasReply tells whether the reply key ("data" or "packet") is present.
	HasReply bool
}

// MarshalClassicResponse encodes r. Auto picks Node's encoding: MessagePack for
// RequestBroadcastAck, JSON for the others.
func MarshalClassicResponse(r *ClassicResponse, enc Encoding) ([]byte, error) {
	if enc == Auto {
		enc = JSON
		if r.Type == RequestBroadcastAck {
			enc = MsgPack
		}
	}
	out, err := marshal(enc, func(e *encoder) error { return e.classicResponse(r) })
	if err != nil {
		return nil, fmt.Errorf("wire: classic response %v: %w", r.Type, err)
	}
	return out, nil
}

func (e *encoder) classicResponse(r *ClassicResponse) error {
	switch r.Type {
	case RequestServerSideEmit, RequestBroadcastAck:
		n := 2
		if r.HasReply {
			n++
		}
		e.beginMap(n)
		e.key("type")
		e.int(int64(r.Type))
		e.key("requestId")
		e.string(r.RequestID)
		if r.HasReply {
			if r.Type == RequestServerSideEmit {
				e.key("data")
			} else {
				e.key("packet")
			}
			if err := e.value(r.Reply); err != nil {
				return err
			}
		}
	case RequestBroadcastClientCount:
		e.beginMap(3)
		e.key("type")
		e.int(int64(r.Type))
		e.key("requestId")
		e.string(r.RequestID)
		e.key("clientCount")
		e.int(r.ClientCount)
	case RequestSockets:
		e.beginMap(2)
		e.key("requestId")
		e.string(r.RequestID)
		e.key("sockets")
		e.beginArray(len(r.SocketIDs))
		for _, id := range r.SocketIDs {
			e.string(id)
		}
		e.endArray()
	case RequestAllRooms:
		e.beginMap(2)
		e.key("requestId")
		e.string(r.RequestID)
		e.key("rooms")
		if err := e.rooms(r.Rooms); err != nil {
			return err
		}
	case RequestRemoteFetch:
		e.beginMap(2)
		e.key("requestId")
		e.string(r.RequestID)
		e.key("sockets")
		if err := e.sockets(r.Sockets); err != nil {
			return err
		}
	case RequestRemoteJoin, RequestRemoteLeave, RequestRemoteDisconnect:
		e.beginMap(1)
		e.key("requestId")
		e.string(r.RequestID)
	default:
		return fmt.Errorf("%w %d for a response", ErrUnknownType, r.Type)
	}
	e.endMap()
	return nil
}

// UnmarshalClassicResponse decodes a response (JSON or MessagePack, sniffed like Node) into r.
func UnmarshalClassicResponse(data []byte, r *ClassicResponse) error {
	*r = ClassicResponse{}
	if err := unmarshalClassicResponse(data, r); err != nil {
		return fmt.Errorf("wire: classic response: %w", err)
	}
	return nil
}

func unmarshalClassicResponse(data []byte, r *ClassicResponse) error {
	v, _, err := decodeAny(data)
	if err != nil {
		return err
	}
	o, err := asObject(v, "", "response")
	if err != nil {
		return err
	}
	var typ, sockets, rooms, clientCount any
	var hasType, hasSockets, hasRooms, hasRequestID, hasCount bool
	for _, m := range o {
		switch m.Key {
		case "type":
			typ, hasType = m.Value, true
		case "requestId":
			if r.RequestID, err = asID(m.Value, "", "requestId"); err != nil {
				return err
			}
			hasRequestID = true
		case "sockets":
			sockets, hasSockets = m.Value, true
		case "rooms":
			rooms, hasRooms = m.Value, true
		case "clientCount":
			clientCount, hasCount = m.Value, true
		}
	}
	if !hasRequestID {
		return missing("", "requestId")
	}
	if hasType {
		n, err := asInt(typ, "", "type", 0, maxInt)
		if err != nil {
			return err
		}
		r.Type = RequestType(n)
		switch r.Type {
		case RequestServerSideEmit, RequestBroadcastAck:
			key := "data"
			if r.Type == RequestBroadcastAck {
				key = "packet"
			}
			r.Reply, r.HasReply = o.Get(key)
		case RequestBroadcastClientCount:
			if !hasCount {
				return missing("", "clientCount")
			}
			r.ClientCount, err = asInt(clientCount, "", "clientCount", 0, maxInt)
		default:
			if n > int64(RequestBroadcastAck) {
				return fmt.Errorf("%w %d", ErrUnknownType, n)
			}
			return fmt.Errorf("type: %v answers carry no type", r.Type)
		}
		return err
	}
	switch {
	case hasSockets:
		if sockets == nil {
			r.Type = RequestRemoteFetch
			return nil
		}
		a, err := asArray(sockets, "", "sockets")
		if err != nil {
			return err
		}
		if len(a) > 0 {
			if _, isID := a[0].(string); isID {
				r.Type = RequestSockets
				r.SocketIDs = make([]string, len(a))
				for i, x := range a {
					if r.SocketIDs[i], err = asString(x, "", fmt.Sprintf("sockets[%d]", i)); err != nil {
						return err
					}
				}
				return nil
			}
		}
		r.Type = RequestRemoteFetch
		r.Sockets, err = decodeSockets(sockets, "")
		return err
	case hasRooms:
		r.Type = RequestAllRooms
		r.Rooms, err = decodeRooms(rooms, "", "rooms")
		return err
	}
	r.Type = RequestRemoteJoin
	return nil
}
