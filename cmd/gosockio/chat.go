package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gosockio/gosockio/socketio"
)

// The chat demo's events. Client to server: "login" {name, key, rooms, resume} with an ack,
// "join" and "leave" (a room name) with an ack, "chat" {room, text}, "typing" {room,
// typing}, "users" with an ack (the user list; "partial" when some node did not answer).
// Server to client: "hello" {node} on connection, "chat" {room, user, node, text, at},
// "notice" {room, text}, "typing" {room, user, typing}, and "presence" (no arguments)
// whenever a user logs in, leaves, joins or leaves a room anywhere in the cluster: the page
// then asks for "users" again.
const (
	lobby      = "general" // every user is in it
	maxNameLen = 20
	maxRoomLen = 24
	maxRooms   = 10
	maxTextLen = 2000
)

// fetchBudget bounds FetchSockets across the cluster (a variable for the tests).
var fetchBudget = 3 * time.Second

// chatUser is a logged-in socket's data (Socket.SetData): every node reads it through
// FetchSockets. Key is a random value the page keeps for its tab, so that a page reconnecting
// after its node went away can take its name back while the old socket is still listed.
type chatUser struct {
	Name string `json:"name"`
	Node string `json:"node"`
	Key  string `json:"key"`
}

// userEntry is one line of the user list the page shows.
type userEntry struct {
	Name  string   `json:"name"`
	Node  string   `json:"node"`
	Rooms []string `json:"rooms"`
}

type loginRequest struct {
	Name   string   `json:"name"`
	Key    string   `json:"key"`
	Rooms  []string `json:"rooms"`
	Resume bool     `json:"resume"` // a reconnection: do not announce the joins again
}

type reply struct {
	OK    bool        `json:"ok"`
	Error string      `json:"error,omitempty"`
	Name  string      `json:"name,omitempty"`
	Node  string      `json:"node,omitempty"`
	Rooms []string    `json:"rooms,omitempty"`
	Users []userEntry `json:"users,omitempty"`
	// Partial: some nodes did not answer in time, so Users lacks their users.
	Partial bool `json:"partial,omitempty"`
}

type chatMessage struct {
	Room string `json:"room"`
	Text string `json:"text"`
}

type typingState struct {
	Room   string `json:"room"`
	Typing bool   `json:"typing"`
}

// chat is the demo's server side, on the main namespace.
type chat struct {
	srv  *socketio.Server
	node string
	log  *slog.Logger

	loginMu sync.Mutex // one name check at a time on this node
}

func newChat(srv *socketio.Server, node string, log *slog.Logger) *chat {
	return &chat{srv: srv, node: node, log: log}
}

func (c *chat) install() {
	c.srv.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("hello", map[string]string{"node": c.node})
		s.On("login", socketio.Handle(func(ev *socketio.Event, req loginRequest) error {
			return ackErr(ev.Ack(c.login(s, req)))
		}))
		s.On("join", socketio.Handle(func(ev *socketio.Event, room string) error {
			return ackErr(ev.Ack(c.join(s, room)))
		}))
		s.On("leave", socketio.Handle(func(ev *socketio.Event, room string) error {
			return ackErr(ev.Ack(c.leave(s, room)))
		}))
		s.On("chat", socketio.Handle(func(ev *socketio.Event, m chatMessage) error {
			return c.say(s, m)
		}))
		s.On("typing", socketio.Handle(func(ev *socketio.Event, t typingState) error {
			u, ok := user(s)
			if !ok || !slices.Contains(s.Rooms(), t.Room) {
				return nil
			}
			return s.To(t.Room).Volatile().Emit("typing", map[string]any{"room": t.Room, "user": u.Name, "typing": t.Typing})
		}))
		s.On("users", func(ev *socketio.Event) error {
			users, partial, err := c.users(s.Context())
			if err != nil {
				return ackErr(ev.Ack(reply{Error: "cannot list the users: " + err.Error()}))
			}
			return ackErr(ev.Ack(reply{OK: true, Users: users, Partial: partial}))
		})
		s.OnDisconnecting(func(reason string) {
			u, ok := user(s)
			if !ok {
				return
			}
			if reason != socketio.ReasonServerShuttingDown { // the page comes back on another node
				for _, room := range chatRooms(s) {
					c.notice(room, u.Name+" left")
				}
			}
		})
		s.OnDisconnect(func(string) {
			if _, ok := user(s); ok {
				c.presence()
			}
		})
	})
}

// ackErr ignores the absence of an ack callback (a client that did not ask for an answer).
func ackErr(err error) error {
	if errors.Is(err, socketio.ErrNoAck) {
		return nil
	}
	return err
}

func user(s *socketio.Socket) (chatUser, bool) {
	if u, ok := s.Data().(chatUser); ok {
		return u, true
	}
	// A socket recovered from a session kept in Redis has its data in generic form.
	var u chatUser
	if s.Data() == nil || s.DecodeData(&u) != nil || u.Name == "" {
		return chatUser{}, false
	}
	s.SetData(u)
	return u, true
}

// chatRooms are the chat rooms a socket is in (its own room left out), sorted.
func chatRooms(s *socketio.Socket) []string {
	var out []string
	for _, r := range s.Rooms() {
		if r != s.ID() {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

func (c *chat) login(s *socketio.Socket, req loginRequest) reply {
	if u, ok := user(s); ok {
		if !req.Resume || !strings.EqualFold(u.Name, strings.TrimSpace(req.Name)) || u.Key != req.Key {
			return reply{Error: "already logged in"}
		}
		// A session recovered on this node (with --adapter streams) after its node went away:
		// the user and rooms are back; this node has it now.
		u.Node = c.node
		s.SetData(u)
		c.presence()
		c.log.Info("chat: recovered", "sid", s.ID(), "user", u.Name)
		return reply{OK: true, Name: u.Name, Node: c.node, Rooms: chatRooms(s)}
	}
	name := strings.TrimSpace(req.Name)
	if err := checkName(name); err != nil {
		return reply{Error: err.Error()}
	}
	rooms := []string{lobby}
	for _, r := range req.Rooms {
		if checkRoom(r) == nil && !slices.Contains(rooms, r) && len(rooms) < maxRooms {
			rooms = append(rooms, r)
		}
	}

	// The check and SetData happen under a lock so that two logins on this node cannot take
	// the same name; two nodes checking at the same instant could, as with any check-then-act
	// across a cluster without a shared lock.
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	ctx, cancel := context.WithTimeout(s.Context(), fetchBudget)
	defer cancel()
	socks, err := c.srv.FetchSockets(ctx)
	if err != nil && !errors.Is(err, socketio.ErrTimeout) {
		return reply{Error: "cannot check the name now, try again"}
	}
	if err != nil {
		c.log.Warn("chat: some nodes did not answer; checking the name against the others", "err", err)
	}
	for _, r := range socks {
		var other chatUser
		if r.ID() == s.ID() || r.DecodeData(&other) != nil || other.Name == "" {
			continue
		}
		if strings.EqualFold(other.Name, name) && (req.Key == "" || other.Key != req.Key) {
			return reply{Error: "the name " + name + " is taken"}
		}
	}
	s.SetData(chatUser{Name: name, Node: c.node, Key: req.Key})
	s.Join(rooms...)
	if !req.Resume {
		for _, r := range rooms {
			c.notice(r, name+" joined #"+r)
		}
	}
	c.presence()
	c.log.Info("chat: login", "sid", s.ID(), "user", name, "rooms", rooms)
	return reply{OK: true, Name: name, Node: c.node, Rooms: chatRooms(s)}
}

func (c *chat) join(s *socketio.Socket, room string) reply {
	u, ok := user(s)
	if !ok {
		return reply{Error: "log in first"}
	}
	if err := checkRoom(room); err != nil {
		return reply{Error: err.Error()}
	}
	if !slices.Contains(s.Rooms(), room) {
		if len(chatRooms(s)) >= maxRooms {
			return reply{Error: "too many rooms"}
		}
		s.Join(room)
		c.notice(room, u.Name+" joined #"+room)
		c.presence()
	}
	return reply{OK: true, Rooms: chatRooms(s)}
}

func (c *chat) leave(s *socketio.Socket, room string) reply {
	u, ok := user(s)
	if !ok {
		return reply{Error: "log in first"}
	}
	if room == lobby {
		return reply{Error: "everyone stays in #" + lobby}
	}
	if slices.Contains(s.Rooms(), room) {
		s.Leave(room)
		c.notice(room, u.Name+" left #"+room)
		c.presence()
	}
	return reply{OK: true, Rooms: chatRooms(s)}
}

func (c *chat) say(s *socketio.Socket, m chatMessage) error {
	u, ok := user(s)
	text := strings.TrimSpace(m.Text)
	if !ok || !slices.Contains(s.Rooms(), m.Room) || text == "" || m.Room == s.ID() {
		return nil
	}
	if utf8.RuneCountInString(text) > maxTextLen {
		text = string([]rune(text)[:maxTextLen])
	}
	return c.srv.To(m.Room).Emit("chat", map[string]any{
		"room": m.Room, "user": u.Name, "node": c.node, "text": text, "at": time.Now().UnixMilli(),
	})
}

func (c *chat) notice(room, text string) {
	if err := c.srv.To(room).Emit("notice", map[string]string{"room": room, "text": text}); err != nil {
		c.log.Warn("chat: notice not sent", "room", room, "err", err)
	}
}

func (c *chat) presence() {
	if err := c.srv.Emit("presence"); err != nil {
		c.log.Warn("chat: presence not sent", "err", err)
	}
}

// users is the user list of the whole cluster, from FetchSockets and the sockets' data.
// partial reports that some nodes did not answer within fetchBudget (a node frozen or cut off
// from Redis while still subscribed): the list lacks their users.
func (c *chat) users(ctx context.Context) (users []userEntry, partial bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, fetchBudget)
	defer cancel()
	socks, err := c.srv.FetchSockets(ctx)
	if err != nil && !errors.Is(err, socketio.ErrTimeout) {
		return nil, false, err
	}
	if err != nil {
		partial = true
		c.log.Warn("chat: some nodes did not answer; the user list lacks their users", "err", err)
	}
	users = []userEntry{}
	for _, r := range socks {
		var u chatUser
		if r.DecodeData(&u) != nil || u.Name == "" {
			continue
		}
		var rooms []string
		for _, room := range r.Rooms() {
			if room != r.ID() {
				rooms = append(rooms, room)
			}
		}
		slices.Sort(rooms)
		users = append(users, userEntry{Name: u.Name, Node: u.Node, Rooms: rooms})
	}
	slices.SortFunc(users, func(a, b userEntry) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return users, partial, nil
}

func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > maxNameLen {
		return errors.New("a name has 1 to 20 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" _-.", r) {
			return errors.New("a name has letters, digits, spaces and _ - . only")
		}
	}
	return nil
}

func checkRoom(room string) error {
	if room == "" || len(room) > maxRoomLen {
		return errors.New("a room name has 1 to 24 characters")
	}
	for _, r := range room {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errors.New("a room name has lower-case letters, digits, - and _ only")
		}
	}
	return nil
}
