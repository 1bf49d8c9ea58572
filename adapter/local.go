package adapter

import (
	"slices"
	"sync"

	"github.com/gosockio/gosockio/socketio/parser"
)

// Local is the room index of one namespace on this node (rooms ↔ socket ids) and the local half
// of every adapter operation. It is safe for concurrent use. Selections are resolved under a read
// lock into a snapshot, and the namespace is called after the lock is released.
type Local struct {
	ns Namespace

	mu    sync.RWMutex
	rooms map[string]roomSet  // room -> socket ids
	sids  map[string][]string // socket id -> rooms (a socket is in few rooms: a slice is smaller than a set)

	onRoomChange func(room string, exists bool)
	onMember     func(id, room string, joined bool) // see OnMembership
}

// roomSet is the set of socket ids in a room. Most rooms hold one socket (each socket is alone in
// the room named after its id), so a set of one is stored inline, with no map. The zero value is
// the empty set; socket ids are never empty.
type roomSet struct {
	one string              // the only member while m is nil ("" when empty)
	m   map[string]struct{} // the members, once there have been two or more at once
}

func (r roomSet) len() int {
	if r.m != nil {
		return len(r.m)
	}
	if r.one != "" {
		return 1
	}
	return 0
}

func (r roomSet) has(id string) bool {
	if r.m != nil {
		_, ok := r.m[id]
		return ok
	}
	return r.one == id && id != ""
}

// add returns r with id in it.
func (r roomSet) add(id string) roomSet {
	switch {
	case r.m != nil:
		r.m[id] = struct{}{}
	case r.one == "" || r.one == id:
		r.one = id
	default:
		r.m = map[string]struct{}{r.one: {}, id: {}}
		r.one = ""
	}
	return r
}

// del returns r without id, and whether id was in it.
func (r roomSet) del(id string) (roomSet, bool) {
	if r.m != nil {
		if _, ok := r.m[id]; !ok {
			return r, false
		}
		delete(r.m, id)
		return r, true
	}
	if r.one == id && id != "" {
		return roomSet{}, true
	}
	return r, false
}

// appendTo appends the members of r, except those for which skip returns true.
func (r roomSet) appendTo(out []string, skip func(string) bool) []string {
	if r.m == nil {
		if r.one != "" && !skip(r.one) {
			out = append(out, r.one)
		}
		return out
	}
	for id := range r.m {
		if !skip(id) {
			out = append(out, id)
		}
	}
	return out
}

// NewLocal returns an empty room index for ns.
func NewLocal(ns Namespace) *Local {
	return &Local{
		ns:    ns,
		rooms: make(map[string]roomSet),
		sids:  make(map[string][]string),
	}
}

// Namespace returns the namespace the index belongs to.
func (l *Local) Namespace() Namespace { return l.ns }

// OnRoomChange registers f to be told when a room is created (exists true) or becomes empty
// (exists false). It is meant for a Factory, before the adapter is used; f is called outside the
// lock, possibly concurrently.
func (l *Local) OnRoomChange(f func(room string, exists bool)) {
	l.mu.Lock()
	l.onRoomChange = f
	l.mu.Unlock()
}

// AddAll makes socket id join rooms.
func (l *Local) AddAll(id string, rooms ...string) {
	var created, joined []string
	l.mu.Lock()
	m := l.onMember
	mine, known := l.sids[id]
	for _, r := range rooms {
		if slices.Contains(mine, r) {
			continue
		}
		mine = append(mine, r)
		if m != nil {
			joined = append(joined, r)
		}
		members := l.rooms[r]
		if members.len() == 0 {
			created = append(created, r)
		}
		l.rooms[r] = members.add(id)
	}
	if !known || len(rooms) > 0 {
		l.sids[id] = slices.Clip(mine)
	}
	f := l.onRoomChange
	l.mu.Unlock()
	if f != nil {
		for _, r := range created {
			f(r, true)
		}
	}
	for _, r := range joined {
		m(id, r, true)
	}
}

// Del makes socket id leave room.
func (l *Local) Del(id, room string) {
	left := false
	l.mu.Lock()
	if mine, ok := l.sids[id]; ok {
		if i := slices.Index(mine, room); i >= 0 {
			l.sids[id] = slices.Delete(slices.Clone(mine), i, i+1)
			left = true
		}
	}
	gone := l.delLocked(id, room)
	f, m := l.onRoomChange, l.onMember
	l.mu.Unlock()
	if gone && f != nil {
		f(room, false)
	}
	if left && m != nil {
		m(id, room, false)
	}
}

// delLocked removes id from the members of room and reports whether the room became empty.
func (l *Local) delLocked(id, room string) bool {
	members, ok := l.rooms[room]
	if !ok {
		return false
	}
	members, in := members.del(id)
	if !in {
		return false
	}
	if members.len() == 0 {
		delete(l.rooms, room)
		return true
	}
	l.rooms[room] = members
	return false
}

// DelAll removes socket id from every room (when it disconnects).
func (l *Local) DelAll(id string) {
	var emptied []string
	l.mu.Lock()
	left := l.sids[id] // never changed in place: safe to read after the unlock
	for _, r := range left {
		if l.delLocked(id, r) {
			emptied = append(emptied, r)
		}
	}
	delete(l.sids, id)
	f, m := l.onRoomChange, l.onMember
	l.mu.Unlock()
	if f != nil {
		for _, r := range emptied {
			f(r, false)
		}
	}
	if m != nil {
		for _, r := range left {
			m(id, r, false)
		}
	}
}

// SocketRooms returns the rooms socket id is in, sorted; nil when the socket is unknown.
func (l *Local) SocketRooms(id string) []string {
	l.mu.RLock()
	mine, ok := l.sids[id]
	if !ok {
		l.mu.RUnlock()
		return nil
	}
	out := slices.Clone(mine)
	l.mu.RUnlock()
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

// HasSocket reports whether socket id is known to the index.
func (l *Local) HasSocket(id string) bool {
	l.mu.RLock()
	_, ok := l.sids[id]
	l.mu.RUnlock()
	return ok
}

// Rooms lists every room that has at least one socket of this node, sorted.
func (l *Local) Rooms() []string {
	l.mu.RLock()
	out := make([]string, 0, len(l.rooms))
	for r := range l.rooms {
		out = append(out, r)
	}
	l.mu.RUnlock()
	slices.Sort(out)
	return out
}

// RoomSize is the number of sockets of this node in room.
func (l *Local) RoomSize(room string) int {
	l.mu.RLock()
	n := l.rooms[room].len()
	l.mu.RUnlock()
	return n
}

// Select resolves t into the ids of the matching sockets of this node.
func (l *Local) Select(t Target) []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.selectLocked(t)
}

func (l *Local) selectLocked(t Target) []string {
	excluded := func(id string) bool {
		for _, r := range t.Except {
			if l.rooms[r].has(id) {
				return true
			}
		}
		return false
	}
	if len(t.Rooms) == 0 {
		out := make([]string, 0, len(l.sids))
		for id := range l.sids {
			if !excluded(id) {
				out = append(out, id)
			}
		}
		return out
	}
	if len(t.Rooms) == 1 {
		members := l.rooms[t.Rooms[0]]
		return members.appendTo(make([]string, 0, members.len()), excluded)
	}
	seen := make(map[string]struct{})
	var out []string
	for _, r := range t.Rooms {
		out = l.rooms[r].appendTo(out, func(id string) bool {
			if _, dup := seen[id]; dup {
				return true
			}
			seen[id] = struct{}{}
			return excluded(id)
		})
	}
	return out
}

// Broadcast delivers p to the matching sockets of this node and returns how many it reached.
func (l *Local) Broadcast(p *parser.Packet, t Target) int {
	return l.ns.Deliver(p, l.Select(t), t.Flags, nil)
}

// BroadcastWithAck delivers p to the matching sockets of this node, passing each answer to onAck,
// and returns how many sockets it reached.
func (l *Local) BroadcastWithAck(p *parser.Packet, t Target, onAck func(*parser.Packet)) int {
	return l.ns.Deliver(p, l.Select(t), t.Flags, onAck)
}

// FetchSockets describes the matching sockets of this node.
func (l *Local) FetchSockets(t Target) []SocketInfo {
	ids := l.Select(t)
	out := make([]SocketInfo, 0, len(ids))
	for _, id := range ids {
		info, ok := l.ns.SocketInfo(id)
		if !ok {
			continue
		}
		if info.Rooms == nil {
			info.Rooms = l.SocketRooms(id)
		}
		out = append(out, info)
	}
	return out
}

// AddSockets makes the matching sockets of this node join rooms.
func (l *Local) AddSockets(t Target, rooms []string) {
	for _, id := range l.Select(t) {
		l.AddAll(id, rooms...)
	}
}

// DelSockets makes the matching sockets of this node leave rooms.
func (l *Local) DelSockets(t Target, rooms []string) {
	for _, id := range l.Select(t) {
		for _, r := range rooms {
			l.Del(id, r)
		}
	}
}

// DisconnectSockets disconnects the matching sockets of this node.
func (l *Local) DisconnectSockets(t Target, close bool) {
	for _, id := range l.Select(t) {
		l.ns.DisconnectSocket(id, close)
	}
}
