package socketio_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// noRedirect is an HTTP client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept-Encoding", "identity") // unless header says otherwise
	if v := header.Get("Accept-Encoding"); v != "" {
		req.Header.Set("Accept-Encoding", v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestServeClient: the classic tutorial's page loads <script src="/socket.io/socket.io.js">,
// which the server answers as Node's serveClient does.
func TestServeClient(t *testing.T) {
	dir := t.TempDir()
	js := "/* socket.io.js */ " + strings.Repeat("var io = function () {}; ", 200)
	for name, body := range map[string]string{"socket.io.js": js, "socket.io.js.map": `{"version":3}`, "socket.io.min.js": "var io;"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnv(t, socketio.Options{ClientDir: dir})

	resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.js", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || body != js || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/javascript") ||
		len(etag) < 3 || etag[0] != '"' || resp.Header.Get("Cache-Control") != "public, max-age=0" {
		t.Fatalf("GET socket.io.js: %s %v %.40q", resp.Status, resp.Header, body)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
		if resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.js", http.Header{"If-None-Match": {inm}}); resp.StatusCode != 304 || body != "" {
			t.Errorf("If-None-Match %s: %s %q", inm, resp.Status, body)
		}
	}
	if resp, _ := fetch(t, "GET", e.url+"/socket.io/socket.io.js", http.Header{"If-None-Match": {`"stale"`}}); resp.StatusCode != 200 {
		t.Errorf("stale If-None-Match: %s", resp.Status)
	}
	if resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.js?v=1", http.Header{"Accept-Encoding": {"gzip, deflate, br"}}); resp.StatusCode != 200 ||
		resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, body) != js {
		t.Errorf("gzip: %s %v", resp.Status, resp.Header)
	}
	if resp, body := fetch(t, "HEAD", e.url+"/socket.io/socket.io.js", nil); resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len(js)) {
		t.Errorf("HEAD: %s %d %q", resp.Status, resp.ContentLength, body)
	}
	if resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.js.map", nil); resp.StatusCode != 200 || body != `{"version":3}` ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET socket.io.js.map: %s %v", resp.Status, resp.Header)
	}
	// A changed file is served anew, with a new ETag.
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(filepath.Join(dir, "socket.io.js"), []byte("var io2;"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(filepath.Join(dir, "socket.io.js"), later, later)
	if resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.js", http.Header{"If-None-Match": {etag}}); resp.StatusCode != 200 ||
		body != "var io2;" || resp.Header.Get("ETag") == etag {
		t.Errorf("after a change: %s %q %s", resp.Status, body, resp.Header.Get("ETag"))
	}
	// A bundle the directory lacks comes from the CDN.
	if resp, _ := fetch(t, "GET", e.url+"/socket.io/socket.io.esm.min.js", nil); resp.StatusCode != 302 ||
		resp.Header.Get("Location") != "https://cdn.socket.io/"+socketio.ClientVersion+"/socket.io.esm.min.js" {
		t.Errorf("missing file: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	// Other paths are Engine.IO's.
	if resp, _ := fetch(t, "GET", e.url+"/socket.io/other.js", nil); resp.StatusCode != 404 {
		t.Errorf("other.js: %s", resp.Status)
	}
	if resp, _ := fetch(t, "POST", e.url+"/socket.io/socket.io.js", nil); resp.StatusCode != 404 {
		t.Errorf("POST socket.io.js: %s", resp.Status)
	}
}

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, zr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestServeClientCDNAndOff: without ClientDir, the bundles redirect to the CDN of the tested
// client version (under a custom path too); DisableServeClient turns them off; a ClientDir
// that holds no bundle is refused.
func TestServeClientCDNAndOff(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	for _, name := range []string{"socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.min.js.map", "socket.io.msgpack.min.js"} {
		resp, _ := fetch(t, "GET", e.url+"/socket.io/"+name, nil)
		if want := "https://cdn.socket.io/4.8.4/" + name; resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Errorf("%s: %s, Location %q, want 302 to %s", name, resp.Status, resp.Header.Get("Location"), want)
		}
	}
	custom := newEnv(t, socketio.Options{Engine: engineio.Options{Path: "/rt"}})
	if resp, _ := fetch(t, "GET", custom.url+"/rt/socket.io.js", nil); resp.StatusCode != http.StatusFound {
		t.Errorf("custom path: %s", resp.Status)
	}

	off := newEnv(t, socketio.Options{DisableServeClient: true})
	if resp, _ := fetch(t, "GET", off.url+"/socket.io/socket.io.js", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("DisableServeClient: %s", resp.Status)
	}

	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		if _, err := socketio.NewServer(socketio.Options{ClientDir: dir}); err == nil || !strings.Contains(err.Error(), "ClientDir") {
			t.Errorf("ClientDir %s: %v", dir, err)
		}
	}
}

// TestServeClientRealBundle serves the socket.io-client of test/js (after npm ci there).
func TestServeClientRealBundle(t *testing.T) {
	dir := filepath.Join("..", "test", "js", "node_modules", "socket.io-client", "dist")
	want, err := os.ReadFile(filepath.Join(dir, "socket.io.min.js"))
	if err != nil {
		t.Skipf("no socket.io-client in test/js (npm ci there): %v", err)
	}
	e := newEnv(t, socketio.Options{ClientDir: dir})
	resp, body := fetch(t, "GET", e.url+"/socket.io/socket.io.min.js", nil)
	if resp.StatusCode != 200 || body != string(want) || !strings.Contains(body, "Socket.IO v"+socketio.ClientVersion) {
		t.Errorf("socket.io.min.js: %s, %d bytes (want %d of v%s)", resp.Status, len(body), len(want), socketio.ClientVersion)
	}
}
