package engineio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gosockio/gosockio/socketio/engineio"
)

// echoServer sends every message back to its sender.
type echoServer struct{}

func (echoServer) Open(c *engineio.Conn) engineio.ConnHandler { return echoConn{c} }

type echoConn struct{ c *engineio.Conn }

func (e echoConn) OnMessage(data []byte, binary bool) {
	_ = e.c.Send(&engineio.Message{Data: data, Binary: binary})
}

func (echoConn) OnClose(reason string, err error) {}

func ExampleNewServer() {
	srv, err := engineio.NewServer(engineio.Options{}, echoServer{})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv) // or http.ListenAndServe(":3000", srv)
	defer ts.Close()
	defer srv.Close(context.Background())

	// A polling client: handshake, send "hello", read the echo.
	url := ts.URL + "/socket.io/?EIO=4&transport=polling"
	open := get(url)
	var hs struct {
		SID      string   `json:"sid"`
		Upgrades []string `json:"upgrades"`
	}
	if err := json.Unmarshal([]byte(open[1:]), &hs); err != nil {
		log.Fatal(err)
	}
	fmt.Println("upgrades:", hs.Upgrades)
	resp, err := http.Post(url+"&sid="+hs.SID, "text/plain;charset=UTF-8", strings.NewReader("4hello"))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(get(url + "&sid=" + hs.SID))
	// Output:
	// upgrades: [websocket]
	// 4hello
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	return string(b)
}
