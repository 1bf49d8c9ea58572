package wire

import "strings"

// DefaultKey is the default channel prefix of all three families (the classic adapter's and
// the emitter's "key", the sharded adapter's "channelPrefix").
const DefaultKey = "socket.io"

// NormalizeNamespace adds the leading "/" the way the emitter's of() does: "admin" and
// "/admin" both name "/admin", and "" names "/".
func NormalizeNamespace(nsp string) string {
	if strings.HasPrefix(nsp, "/") {
		return nsp
	}
	return "/" + nsp
}

// ClassicChannels names the Redis channels of one namespace in the classic family, which the
// emitter shares. The zero value is not usable; build one with NewClassicChannels.
type ClassicChannels struct {
	broadcast string // <key>#<nsp>#
	request   string // <key>-request#<nsp>#
	response  string // <key>-response#<nsp>#
	pattern   string
}

// NewClassicChannels returns the channel names for key ("" means DefaultKey) and namespace
// nsp, which is used as given (Node namespace names start with "/").
func NewClassicChannels(key, nsp string) ClassicChannels {
	if key == "" {
		key = DefaultKey
	}
	b := key + "#" + nsp + "#"
	return ClassicChannels{
		broadcast: b,
		request:   key + "-request#" + nsp + "#",
		response:  key + "-response#" + nsp + "#",
		pattern:   escapeGlob(b) + "*",
	}
}

// Broadcast is <key>#<nsp>#: broadcasts to the whole namespace, to several rooms, or with
// only exceptions.
func (c ClassicChannels) Broadcast() string { return c.broadcast }

// Room is <key>#<nsp>#<room>#: broadcasts to exactly one room.
func (c ClassicChannels) Room(room string) string { return c.broadcast + room + "#" }

// BroadcastTo is the channel Node publishes a broadcast on: Room for exactly one distinct
// target room (exceptions do not matter), Broadcast otherwise.
func (c ClassicChannels) BroadcastTo(rooms []Room) string {
	if r, ok := singleRoom(rooms); ok {
		return c.Room(r.Name)
	}
	return c.broadcast
}

// Pattern is the PSUBSCRIBE pattern matching Broadcast and every Room channel. Unlike Node,
// glob characters (* ? [ ] \) of the key and namespace are escaped, so the pattern matches
// exactly this namespace's channels; ParseRoom re-checks the prefix either way.
func (c ClassicChannels) Pattern() string { return c.pattern }

// Request is <key>-request#<nsp>#: every request; its subscriber count is the server count.
func (c ClassicChannels) Request() string { return c.request }

// Response is <key>-response#<nsp>#: the shared response channel.
func (c ClassicChannels) Response() string { return c.response }

// ResponseTo is <key>-response#<nsp>#<uid>#: the response channel of node uid, used with
// publishOnSpecificResponseChannel (but never for server-side emit answers).
func (c ClassicChannels) ResponseTo(uid string) string { return c.response + uid + "#" }

// ParseRoom reads a broadcast channel the way Node's receiver does: ok is false unless the
// channel starts with Broadcast(); room is the text between that prefix and the final
// character ("" for the namespace channel itself). A receiver drops a message whose room is
// not empty and not one of its local rooms, without decoding it.
func (c ClassicChannels) ParseRoom(channel string) (room string, ok bool) {
	return suffix(channel, c.broadcast)
}

// ParseResponse reads a response channel: ok is false unless it is this namespace's shared
// or node-specific response channel; uid is the target node ("" for the shared channel).
func (c ClassicChannels) ParseResponse(channel string) (uid string, ok bool) {
	return suffix(channel, c.response)
}

// suffix is channel.slice(prefix.length, -1) after a startsWith check.
func suffix(channel, prefix string) (string, bool) {
	if !strings.HasPrefix(channel, prefix) {
		return "", false
	}
	if len(channel) <= len(prefix) {
		return "", true
	}
	return channel[len(prefix) : len(channel)-1], true
}

func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// singleRoom returns the room when rooms holds exactly one distinct room. As in a JavaScript
// Set, the number 1 and the string "1" are distinct.
func singleRoom(rooms []Room) (Room, bool) {
	if len(rooms) == 0 {
		return Room{}, false
	}
	for _, r := range rooms[1:] {
		if r != rooms[0] {
			return Room{}, false
		}
	}
	return rooms[0], true
}

// SubscriptionMode is the sharded adapter's subscriptionMode option.
type SubscriptionMode string

// The sharded subscription modes. The zero value means SubscriptionDynamic, Node's default.
const (
	// SubscriptionStatic: no room channels; every message uses the namespace channel.
	SubscriptionStatic SubscriptionMode = "static"
	// SubscriptionDynamic: a channel per local room that is not a socket id.
	SubscriptionDynamic SubscriptionMode = "dynamic"
	// SubscriptionDynamicPrivate: a channel per local room, socket-id rooms included.
	SubscriptionDynamicPrivate SubscriptionMode = "dynamic-private"
)

// Valid reports whether m is one of the modes (or empty).
func (m SubscriptionMode) Valid() bool {
	switch m {
	case "", SubscriptionStatic, SubscriptionDynamic, SubscriptionDynamicPrivate:
		return true
	}
	return false
}

// SubscribesRoom reports whether a node subscribes to the channel of a local room when it is
// created (and unsubscribes when it empties). isSocketID tells whether the room is the id of a
// local socket, which is how Node decides in dynamic mode.
func (m SubscriptionMode) SubscribesRoom(isSocketID bool) bool {
	switch m {
	case SubscriptionStatic:
		return false
	case SubscriptionDynamicPrivate:
		return true
	}
	return !isSocketID
}

// RoomChannel reports whether a broadcast without acknowledgement to exactly the one room
// goes to the room's own channel rather than the namespace channel, as Node's computeChannel
// decides: never in static mode, always in dynamic-private mode, and in dynamic mode unless
// the room looks like a socket id (a string of 20 UTF-16 units).
func (m SubscriptionMode) RoomChannel(room string) bool {
	switch m {
	case SubscriptionStatic:
		return false
	case SubscriptionDynamicPrivate:
		return true
	}
	return !looksLikeSocketID(Room{Name: room})
}

// looksLikeSocketID is Node's test: a string of 20 UTF-16 code units.
func looksLikeSocketID(r Room) bool {
	if r.Numeric || len(r.Name) < 20 || len(r.Name) > 80 {
		return false
	}
	n := 0
	for _, c := range r.Name {
		if c >= 0x10000 { // a surrogate pair in JavaScript
			n += 2
		} else {
			n++
		}
	}
	return n == 20
}

// ShardedChannels names the sharded (SPUBLISH) channels of one namespace. The zero value is
// not usable; build one with NewShardedChannels.
type ShardedChannels struct {
	namespace string // <prefix>#<nsp>#
}

// NewShardedChannels returns the channel names for prefix ("" means DefaultKey) and namespace
// nsp.
func NewShardedChannels(prefix, nsp string) ShardedChannels {
	if prefix == "" {
		prefix = DefaultKey
	}
	return ShardedChannels{namespace: prefix + "#" + nsp + "#"}
}

// Namespace is <prefix>#<nsp>#: all requests and the broadcasts not sent to a room channel;
// its SHARDNUMSUB is the server count.
func (s ShardedChannels) Namespace() string { return s.namespace }

// Response is <prefix>#<nsp>#<uid>#: the response channel of node uid.
func (s ShardedChannels) Response(uid string) string { return s.namespace + uid + "#" }

// Room is <prefix>#<nsp>#<room>#: the channel of one room in the dynamic modes.
func (s ShardedChannels) Room(room string) string { return s.namespace + room + "#" }

// BroadcastTo is the channel Node publishes a BROADCAST on (computeChannel): the room channel
// when there is no requestId, exactly one target room, and the mode is dynamic-private, or
// dynamic with a room that does not look like a socket id (a string of 20 UTF-16 units);
// otherwise the namespace channel. Every other message goes to Namespace(), and responses to
// the requester's Response(uid).
func (s ShardedChannels) BroadcastTo(mode SubscriptionMode, opts *BroadcastOptions, requestID string) string {
	if requestID != "" || mode == SubscriptionStatic {
		return s.namespace
	}
	r, ok := singleRoom(opts.Rooms)
	if !ok || mode != SubscriptionDynamicPrivate && looksLikeSocketID(r) {
		return s.namespace
	}
	return s.Room(r.Name)
}

// Parse reads a channel: ok is false unless it starts with Namespace(); suffix is the text
// between that prefix and the final character: "" for the namespace channel, else a room or
// a node uid (the two share a shape; Node compares a channel with its own response channel).
func (s ShardedChannels) Parse(channel string) (suffixText string, ok bool) {
	return suffix(channel, s.namespace)
}
