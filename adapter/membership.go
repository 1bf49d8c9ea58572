package adapter

// OnMembership registers f to be told, after the change, each time socket id joins (joined
// true) or leaves a room of this index: Node's adapter "join-room" and "leave-room" events.
// It replaces the previous f; nil removes it, and then the index does not even collect the
// changes. f is called outside the lock, possibly concurrently; it may use the index.
func (l *Local) OnMembership(f func(id, room string, joined bool)) {
	l.mu.Lock()
	l.onMember = f
	l.mu.Unlock()
}
