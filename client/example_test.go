package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
)

// A Go client talks to a server (here an in-process one): an event answered with an
// acknowledgement, and an event from the server.
func ExampleConnect() {
	io, _ := socketio.NewServer(socketio.Options{Logger: quiet})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("hello", socketio.Handle(func(ev *socketio.Event, name string) error {
			s.Emit("news", map[string]any{"headline": "gosockio has a Go client"})
			return ev.Ack("hello, " + name)
		}))
	})
	srv := httptest.NewServer(io)
	defer srv.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	news := make(chan string, 1)
	socket, err := client.Connect(ctx, srv.URL, client.Options{Auth: map[string]any{"token": "secret"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer socket.Close()
	socket.On("news", client.Handle(func(ev *client.Event, n struct{ Headline string }) error {
		news <- n.Headline
		return nil
	}))
	ack, err := socket.EmitWithAck(ctx, "hello", "gopher")
	if err != nil {
		fmt.Println(err)
		return
	}
	var answer string
	ack.Bind(&answer)
	fmt.Println(answer)
	fmt.Println(<-news)
	// Output:
	// hello, gopher
	// gosockio has a Go client
}
