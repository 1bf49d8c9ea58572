package wire

import "fmt"

// SocketInfo describes one socket in a fetchSockets answer (classic REMOTE_FETCH responses and
// sharded FETCH_SOCKETS_RESPONSE): {id, handshake, rooms, data}.
type SocketInfo struct {
	// ID is the socket id (20 characters from Node).
	ID string
	// Handshake describes the connection request.
	Handshake Handshake
	// Rooms the socket is in: its own id first, then the others in join order.
	Rooms []Room
	// Data is socket.data as a generic value (Node's default is an empty object). In
	// classic answers it went through JSON, so binary arrives as {"type":"Buffer","data":[…]}
	// objects and dates as ISO strings.
	Data any
}

// Handshake is socket.handshake as Node sends it. Encoders write the keys in Node's order
// (headers, time, address, xdomain, secure, issued, url, query, auth, then Extra).
type Handshake struct {
	// Headers of the first HTTP request, lower-case names in arrival order; values are
	// strings (or arrays of strings).
	Headers Object
	// Time is the connection time as Date#toString wrote it,
	// e.g. "Sun Nov 22 2026 16:08:31 GMT+0000 (Coordinated Universal Time)".
	Time string
	// Address is the client's IP address.
	Address string
	// XDomain is true when the request had an Origin header.
	XDomain bool
	// Secure is true for a TLS connection.
	Secure bool
	// Issued is the connection time in milliseconds since the Unix epoch.
	Issued int64
	// URL is the request URL (path and query).
	URL string
	// Query holds the query parameters (string values, or arrays of strings).
	Query Object
	// Auth is the auth payload of the client's CONNECT packet. Headers, Query and Auth are
	// written as {} when nil, so that Node code reading a property of them does not throw.
	Auth any
	// Extra holds any other handshake property, passed through in order.
	Extra Object
}

func (e *encoder) socketInfo(s *SocketInfo) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.beginMap(4)
	e.key("id")
	e.string(s.ID)
	e.key("handshake")
	if err := e.handshake(&s.Handshake); err != nil {
		return err
	}
	e.key("rooms")
	if err := e.rooms(s.Rooms); err != nil {
		return err
	}
	e.key("data")
	if err := e.value(s.Data); err != nil {
		return err
	}
	e.endMap()
	e.leave()
	return nil
}

func (e *encoder) handshake(h *Handshake) error {
	e.beginMap(9 + len(h.Extra))
	e.key("headers")
	if err := e.object(nonNil(h.Headers)); err != nil {
		return err
	}
	e.key("time")
	e.string(h.Time)
	e.key("address")
	e.string(h.Address)
	e.key("xdomain")
	e.bool(h.XDomain)
	e.key("secure")
	e.bool(h.Secure)
	e.key("issued")
	e.int(h.Issued)
	e.key("url")
	e.string(h.URL)
	e.key("query")
	if err := e.object(nonNil(h.Query)); err != nil {
		return err
	}
	e.key("auth")
	auth := h.Auth
	if auth == nil {
		auth = Object{}
	}
	if err := e.value(auth); err != nil {
		return err
	}
	for _, m := range h.Extra {
		e.key(m.Key)
		if err := e.value(m.Value); err != nil {
			return err
		}
	}
	e.endMap()
	return nil
}

func nonNil(o Object) Object {
	if o == nil {
		return Object{}
	}
	return o
}

func (e *encoder) sockets(ss []SocketInfo) error {
	e.beginArray(len(ss))
	for i := range ss {
		if err := e.socketInfo(&ss[i]); err != nil {
			return err
		}
	}
	e.endArray()
	return nil
}

func decodeSockets(v any, where string) ([]SocketInfo, error) {
	if v == nil {
		return nil, nil
	}
	a, err := asArray(v, where, "sockets")
	if err != nil || len(a) == 0 {
		return nil, err
	}
	ss := make([]SocketInfo, len(a))
	for i, x := range a {
		if ss[i], err = decodeSocketInfo(x, join(where, fmt.Sprintf("sockets[%d]", i))); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

func decodeSocketInfo(v any, where string) (SocketInfo, error) {
	var s SocketInfo
	o, err := asObject(v, where, "")
	if err != nil {
		return s, err
	}
	hasID := false
	for _, m := range o {
		switch m.Key {
		case "id":
			s.ID, err = asID(m.Value, where, "id")
			hasID = true
		case "handshake":
			s.Handshake, err = decodeHandshake(m.Value, where)
		case "rooms":
			s.Rooms, err = decodeRooms(m.Value, where, "rooms")
		case "data":
			s.Data = m.Value
		}
		if err != nil {
			return s, err
		}
	}
	if !hasID {
		return s, missing(where, "id")
	}
	return s, nil
}

func decodeHandshake(v any, where string) (Handshake, error) {
	var h Handshake
	if v == nil {
		return h, nil
	}
	o, err := asObject(v, where, "handshake")
	if err != nil {
		return h, err
	}
	where = join(where, "handshake")
	for _, m := range o {
		switch m.Key {
		case "headers":
			h.Headers, err = optionalObject(m.Value, where, "headers")
		case "time":
			h.Time, err = asString(m.Value, where, "time")
		case "address":
			h.Address, err = asString(m.Value, where, "address")
		case "xdomain":
			h.XDomain, err = asBool(m.Value, where, "xdomain")
		case "secure":
			h.Secure, err = asBool(m.Value, where, "secure")
		case "issued":
			h.Issued, err = asInt(m.Value, where, "issued", -maxInt-1, maxInt)
		case "url":
			h.URL, err = asString(m.Value, where, "url")
		case "query":
			h.Query, err = optionalObject(m.Value, where, "query")
		case "auth":
			h.Auth = m.Value
		default:
			h.Extra = append(h.Extra, m)
		}
		if err != nil {
			return h, err
		}
	}
	return h, nil
}

func optionalObject(v any, where, field string) (Object, error) {
	if v == nil {
		return nil, nil
	}
	return asObject(v, where, field)
}
