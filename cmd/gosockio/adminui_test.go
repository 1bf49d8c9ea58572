package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/internal/testclient"
)

func TestParseAdminUI(t *testing.T) {
	env := map[string]string{
		"GOSOCKIO_ADMIN_UI":               "true",
		"GOSOCKIO_ADMIN_UI_PASSWORD_HASH": "$2y$10$hash",
		"GOSOCKIO_ADMIN_UI_MODE":          "production",
	}
	c, err := parseServe([]string{"--admin-ui-user", "root", "--admin-ui-dir", ""}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := adminUIConfig{AdminUI: true, AdminUser: "root", AdminHash: "$2y$10$hash", AdminMode: "production", AdminUIPath: "/admin/", AdminNamespace: "/admin"}
	if c.adminUIConfig != want {
		t.Errorf("config %+v, want %+v", c.adminUIConfig, want)
	}
	for _, args := range [][]string{
		{"--admin-ui", "--admin-ui-mode", "test"},
		{"--admin-ui", "--admin-ui-path", "admin"},
		{"--admin-ui", "--admin-ui-dir", t.TempDir()},
	} {
		if _, err := parseServe(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestServeAdminUI: --admin-ui with a local copy of the UI serves its files and instruments the
// server with basic authentication.
func TestServeAdminUI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<title>Socket.IO Admin UI</title>"), 0o600); err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	n := startServe(t, "--admin-ui", "--admin-ui-dir", dir, "--admin-ui-password-hash", string(hash), "--node-name", "n1")
	if _, body := get(t, "http://"+n.addr+"/admin/"); !strings.Contains(body, "Socket.IO Admin UI") {
		t.Errorf("GET /admin/: %q", body)
	}
	n.logs.Wait(t, 1, "Admin UI", "url=http://"+n.addr+"/admin/")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := testclient.Dial(ctx, "http://"+n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ce *testclient.ConnectError
	if _, err := c.Connect(ctx, "/admin", map[string]string{"username": "admin", "password": "bad"}); !errors.As(err, &ce) || ce.Message != "invalid credentials" {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := c.Connect(ctx, "/admin", map[string]string{"username": "admin", "password": "pw"}); err != nil {
		t.Fatal(err)
	}
	for {
		_, name, args, err := c.NextEvent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if name == "server_stats" {
			if !strings.Contains(string(args.Raw(0)), `"serverId":"n1"`) {
				t.Errorf("server_stats %s, want the node name as server id", args.Raw(0))
			}
			break
		}
	}
}

// TestServeAdminUIHosted: without a local copy, the log points to the hosted UI, which the
// server lets in through CORS with credentials.
func TestServeAdminUIHosted(t *testing.T) {
	n := startServe(t, "--admin-ui", "--admin-ui-dir", "")
	n.logs.Wait(t, 1, "https://admin.socket.io", "server_url=http://"+n.addr, "namespace=/admin")
	n.logs.Wait(t, 1, "authentication is disabled")
	req, err := http.NewRequest("GET", "http://"+n.addr+"/socket.io/?EIO=4&transport=polling", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://admin.socket.io")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://admin.socket.io" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS headers %v", resp.Header)
	}
	if resp, _ := get(t, "http://"+n.addr+"/admin/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /admin/ without a local UI: %d", resp.StatusCode)
	}
}
