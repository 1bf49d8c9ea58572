package adminui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
)

// A server instrumented for the Admin UI, with basic authentication. In a real deployment the
// hash comes from configuration (e.g. `htpasswd -nbBC 10 "" 'password'`), the UI at
// https://admin.socket.io (or served from @socket.io/admin-ui's ui/dist) connects with the
// server's URL, the user name and the password, and, in a cluster, every node is
// instrumented with its own ServerID and a RedisStore on the cluster's Redis.
func ExampleInstrument() {
	srv, _ := socketio.NewServer(socketio.Options{})
	hash, _ := bcrypt.GenerateFromPassword([]byte("changeit"), bcrypt.MinCost)
	admin, err := adminui.Instrument(srv, adminui.Options{
		Auth:     &adminui.BasicAuth{Username: "admin", PasswordHash: string(hash)},
		Mode:     adminui.Production,
		ServerID: "go-1",
	})
	if err != nil {
		panic(err)
	}
	defer admin.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close(context.Background())

	// What the UI does, with a small Go client.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ui, _ := testclient.Dial(ctx, hs.URL, nil)
	defer ui.Close()
	_, err = ui.Connect(ctx, "/admin", map[string]string{"username": "admin", "password": "wrong"})
	fmt.Println(err)
	_, _ = ui.Connect(ctx, "/admin", map[string]string{"username": "admin", "password": "changeit"})
	for range 3 {
		_, event, args, _ := ui.NextEvent(ctx)
		if event == "session" {
			fmt.Println(event, len(args.Raw(0)) == len(`"0123456789abcdef"`))
			continue
		}
		cut := 60
		if event == "server_stats" {
			cut = len(`{"serverId":"go-1","hostname":`)
		}
		fmt.Println(event, string(args.Raw(0))[:cut])
	}
	// Output:
	// connect_error: invalid credentials
	// session true
	// config {"supportedFeatures":["EMIT","JOIN","LEAVE","DISCONNECT","MJ
	// server_stats {"serverId":"go-1","hostname":
}
