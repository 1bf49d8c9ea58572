package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
)

// A chat server: every "chat message" is broadcast to every client. The example drives it with
// a small Go client; any Socket.IO client works the same way.
func ExampleNewServer() {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		panic(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("chat message", socketio.Handle(func(ev *socketio.Event, msg string) error {
			return srv.Emit("chat message", msg)
		}))
	})
	hs := httptest.NewServer(srv) // or http.Handle("/socket.io/", srv)
	defer hs.Close()
	defer srv.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _ := testclient.Dial(ctx, hs.URL, nil)
	defer c.Close()
	_, _ = c.Connect(ctx, "/", nil)
	_ = c.Emit("/", "chat message", "hello")
	_, event, args, _ := c.NextEvent(ctx)
	var msg string
	_ = args.Bind(0, &msg)
	fmt.Println(event, msg)
	// Output: chat message hello
}

// Broadcasting to a room, except another one.
func ExampleServer_To() {
	srv, _ := socketio.NewServer(socketio.Options{})
	joined := make(chan struct{}, 2)
	srv.OnConnection(func(s *socketio.Socket) {
		if s.Handshake().Auth["team"] == "red" {
			s.Join("red")
		} else {
			s.Join("red", "muted")
		}
		joined <- struct{}{}
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	listener, _ := testclient.Dial(ctx, hs.URL, nil)
	defer listener.Close()
	_, _ = listener.Connect(ctx, "/", map[string]string{"team": "red"})
	muted, _ := testclient.Dial(ctx, hs.URL, nil)
	defer muted.Close()
	_, _ = muted.Connect(ctx, "/", nil)
	<-joined
	<-joined

	_ = srv.To("red").Except("muted").Emit("news", "red team only")
	_, event, args, _ := listener.NextEvent(ctx)
	vals, _ := args.Values()
	fmt.Println(event, vals[0])
	// Output: news red team only
}

// Asking a client a question and waiting for its answer.
func ExampleSocket_EmitWithAck() {
	srv, _ := socketio.NewServer(socketio.Options{})
	answers := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		go func() {
			ack, err := s.Timeout(2*time.Second).EmitWithAck(context.Background(), "question", "6x7?")
			if err != nil {
				answers <- err.Error()
				return
			}
			var n int
			_ = ack.Bind(&n)
			answers <- fmt.Sprint("answer: ", n)
		}()
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _ := testclient.Dial(ctx, hs.URL, nil)
	defer c.Close()
	_, _ = c.Connect(ctx, "/", nil)
	p, _, _, _ := c.NextEvent(ctx)
	_ = c.Ack(p, 42)
	fmt.Println(<-answers)
	// Output: answer: 42
}

func ExampleOptions_clientDir() {
	// With ClientDir naming socket.io-client's dist/ directory, the server serves the browser
	// client at /socket.io/socket.io.js (and .min.js, .esm.min.js, .map). Without it, as here,
	// it redirects to the official CDN.
	srv, err := socketio.NewServer(socketio.Options{ /* ClientDir: "node_modules/socket.io-client/dist" */ })
	if err != nil {
		panic(err)
	}
	defer srv.Close(context.Background())

	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/socket.io.js", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 302 https://cdn.socket.io/4.8.4/socket.io.js
}
