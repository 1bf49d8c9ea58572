// The gosockio chat demo: a page in the spirit of the classic Socket.IO chat tutorial, with
// user names unique across the cluster, rooms, join/leave notices, a typing indicator and a
// user list gathered from every node. It uses the official socket.io-client with its default
// transports: HTTP long-polling first, then the upgrade to WebSocket.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const LOBBY = 'general';

  // A per-tab key lets a page that reconnects (its node went away) take its name back.
  let key = sessionStorage.getItem('gosockio-chat-key');
  if (!key) {
    key = Math.random().toString(36).slice(2) + Date.now().toString(36);
    sessionStorage.setItem('gosockio-chat-key', key);
  }

  const state = {
    me: null,                 // logged-in name
    rooms: new Map(),         // room -> { items: [], unread: 0, typing: Map(user -> timer) }
    active: LOBBY,
    transports: [],           // every transport this page used, in order (for the tests)
    received: [],             // every chat message received (for the tests)
    recovered: [],            // socket.recovered at each connection (for the tests)
  };
  window.chatState = state;   // inspected by the browser test

  if (typeof io !== 'function') {
    // The script tag before this one failed: say how to fix it instead of a dead form.
    $('status-text').textContent = 'the Socket.IO client did not load';
    $('status').dataset.state = 'disconnected';
    $('login').hidden = true;
    $('client-missing').hidden = false;
    return;
  }
  const socket = io({ path: document.body.dataset.path || '/socket.io/' });

  // --- connection status --------------------------------------------------------------------
  function setTransport(name) {
    state.transports.push(name);
    $('transport').textContent = name;
  }
  socket.io.on('open', () => {
    const engine = socket.io.engine;
    setTransport(engine.transport.name);
    engine.on('upgrade', (t) => setTransport(t.name));
  });
  socket.on('connect', () => {
    state.recovered.push(socket.recovered);
    $('status').dataset.state = 'connected';
    // With connection-state recovery (gosockio serve --adapter streams), a page that was away
    // briefly gets its session back, and the messages it missed have just arrived.
    $('status-text').textContent = socket.recovered ? 'connected (session recovered)' : 'connected';
    if (state.me) login(state.me, true); // back after a reconnection: same name, same rooms
  });
  socket.on('disconnect', (reason) => {
    $('status').dataset.state = 'disconnected';
    $('status-text').textContent = 'disconnected (' + reason + '), reconnecting…';
  });
  socket.on('connect_error', (err) => {
    $('status').dataset.state = 'disconnected';
    $('status-text').textContent = 'cannot connect: ' + err.message;
  });
  socket.on('hello', ({ node }) => { $('node').textContent = node; });

  // --- rooms and messages -------------------------------------------------------------------
  function room(name) {
    if (!state.rooms.has(name)) state.rooms.set(name, { items: [], unread: 0, typing: new Map() });
    return state.rooms.get(name);
  }

  function add(roomName, item) {
    // After login the server's room list is known: drop what a room we just left still sends.
    // Before, keep it: our own join notices arrive just before the login's answer.
    if (state.me && !state.rooms.has(roomName)) return;
    const r = room(roomName);
    r.items.push(item);
    if (r.items.length > 500) r.items.shift();
    if (roomName === state.active) {
      $('messages').appendChild(render(item));
      scrollDown();
    } else {
      r.unread++;
      renderRooms();
    }
  }

  function render(item) {
    const li = document.createElement('li');
    if (item.notice) {
      li.className = 'notice';
      li.textContent = item.notice;
      return li;
    }
    li.className = 'msg' + (item.user === state.me ? ' mine' : '');
    const meta = document.createElement('span');
    meta.className = 'meta';
    const user = document.createElement('span');
    user.className = 'user';
    user.textContent = item.user;
    const at = new Date(item.at);
    meta.append(user, ' via ' + item.node + ' · ' + at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = item.text;
    li.append(meta, text);
    return li;
  }

  function scrollDown() {
    const m = $('messages');
    m.scrollTop = m.scrollHeight;
  }

  function renderRooms() {
    const ul = $('rooms');
    ul.replaceChildren();
    for (const [name, r] of state.rooms) {
      const li = document.createElement('li');
      li.dataset.room = name;
      li.textContent = '#' + name;
      if (name === state.active) li.className = 'active';
      if (r.unread > 0) {
        const b = document.createElement('span');
        b.className = 'badge';
        b.textContent = r.unread;
        li.appendChild(b);
      }
      li.addEventListener('click', () => show(name));
      ul.appendChild(li);
    }
  }

  function show(name) {
    state.active = name;
    const r = room(name);
    r.unread = 0;
    $('room-title').textContent = '#' + name;
    $('message').placeholder = 'Message #' + name;
    $('leave').hidden = name === LOBBY;
    $('messages').replaceChildren(...r.items.map(render));
    scrollDown();
    renderRooms();
    renderTyping();
  }

  // The server's list of rooms is the truth; keep the history of rooms we stay in.
  function setRooms(names) {
    for (const name of [...state.rooms.keys()]) {
      if (!names.includes(name)) state.rooms.delete(name);
    }
    for (const name of names) room(name);
    if (!state.rooms.has(state.active)) state.active = LOBBY;
    show(state.active);
  }

  socket.on('chat', (m) => {
    state.received.push(m);
    if (state.received.length > 1000) state.received.shift();
    add(m.room, m);
  });
  socket.on('notice', (n) => add(n.room, { notice: n.text }));

  // --- typing indicator ---------------------------------------------------------------------
  socket.on('typing', ({ room: name, user, typing }) => {
    if (!state.rooms.has(name)) return;
    const t = room(name).typing;
    clearTimeout(t.get(user));
    if (typing) t.set(user, setTimeout(() => { t.delete(user); renderTyping(); }, 4000));
    else t.delete(user);
    renderTyping();
  });

  function renderTyping() {
    const users = [...room(state.active).typing.keys()];
    $('typing').textContent = users.length === 0 ? ''
      : users.join(', ') + (users.length === 1 ? ' is typing…' : ' are typing…');
  }

  let typingRoom = null;
  let typingTimer = null;
  function typing(on) {
    clearTimeout(typingTimer);
    if (on) {
      if (typingRoom !== state.active) {
        if (typingRoom) socket.emit('typing', { room: typingRoom, typing: false });
        typingRoom = state.active;
        socket.emit('typing', { room: typingRoom, typing: true });
      }
      typingTimer = setTimeout(() => typing(false), 2000);
    } else if (typingRoom) {
      socket.emit('typing', { room: typingRoom, typing: false });
      typingRoom = null;
    }
  }

  // --- users --------------------------------------------------------------------------------
  let usersTimer = null;
  socket.on('presence', () => {
    clearTimeout(usersTimer);
    usersTimer = setTimeout(refreshUsers, 100); // one request for a burst of changes
  });

  function refreshUsers() {
    if (!state.me) return;
    socket.timeout(10000).emit('users', (err, res) => {
      if (err || !res.ok) return;
      const ul = $('users');
      ul.replaceChildren();
      for (const u of res.users) {
        const li = document.createElement('li');
        li.dataset.name = u.name;
        li.dataset.node = u.node;
        li.dataset.rooms = u.rooms.join(' ');
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = u.name;
        li.appendChild(name);
        if (u.name === state.me) {
          const tag = document.createElement('span');
          tag.className = 'me-tag';
          tag.textContent = '(you)';
          li.appendChild(tag);
        }
        const where = document.createElement('span');
        where.className = 'where';
        where.textContent = 'on ' + u.node + ' · ' + u.rooms.map((r) => '#' + r).join(' ');
        li.appendChild(where);
        ul.appendChild(li);
      }
      // Some nodes did not answer in time: say that the list lacks their users.
      $('users-partial').hidden = !res.partial;
      $('user-count').textContent = res.users.length + (res.partial ? '+' : '');
    });
  }

  // --- forms --------------------------------------------------------------------------------
  function login(name, resume) {
    const rooms = [...state.rooms.keys()].filter((r) => r !== LOBBY);
    socket.timeout(10000).emit('login', { name, key, rooms, resume }, (err, res) => {
      if (err) {
        $('login-error').textContent = 'the server did not answer; try again';
        return;
      }
      if (!res.ok) {
        if (resume) { // someone took the name meanwhile
          state.me = null;
          $('chat').hidden = true;
          $('login').hidden = false;
        }
        $('login-error').textContent = res.error;
        return;
      }
      state.me = res.name;
      $('me').textContent = res.name;
      $('login-error').textContent = '';
      $('login').hidden = true;
      $('chat').hidden = false;
      setRooms(res.rooms);
      refreshUsers();
      $('message').focus();
    });
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    if (name) login(name, false);
  });

  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('room-name').value.trim().toLowerCase();
    if (!name) return;
    socket.timeout(10000).emit('join', name, (err, res) => {
      if (err || !res.ok) {
        $('room-error').textContent = err ? 'the server did not answer' : res.error;
        return;
      }
      $('room-error').textContent = '';
      $('room-name').value = '';
      state.active = name;
      setRooms(res.rooms);
    });
  });

  $('leave').addEventListener('click', () => {
    const name = state.active;
    socket.timeout(10000).emit('leave', name, (err, res) => {
      if (err || !res.ok) {
        $('room-error').textContent = err ? 'the server did not answer' : res.error;
        return;
      }
      setRooms(res.rooms);
    });
  });

  $('message-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('message');
    const text = input.value.trim();
    if (!text) return;
    typing(false);
    socket.emit('chat', { room: state.active, text });
    input.value = '';
  });
  $('message').addEventListener('input', () => typing($('message').value !== ''));
})();
