package socketio

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClientVersion is the version of socket.io-client this server is tested with. Without
// Options.ClientDir, requests for the client bundle are redirected to its build on the
// official CDN, https://cdn.socket.io/<ClientVersion>/.
const ClientVersion = "4.8.4"

// clientCDN is where requests for the client bundle go when there is no local copy.
const clientCDN = "https://cdn.socket.io/" + ClientVersion + "/"

// clientFileNames are the files of socket.io-client's dist/ directory that the server serves
// under its path, as Node's serveClient does.
var clientFileNames = map[string]bool{
	"socket.io.js":                 true,
	"socket.io.js.map":             true,
	"socket.io.min.js":             true,
	"socket.io.min.js.map":         true,
	"socket.io.esm.min.js":         true,
	"socket.io.esm.min.js.map":     true,
	"socket.io.msgpack.min.js":     true,
	"socket.io.msgpack.min.js.map": true,
}

// IsClientFile reports whether name (a file name, without directory) is one of the browser
// bundles of socket.io-client the server serves: socket.io.js, socket.io.min.js,
// socket.io.esm.min.js, socket.io.msgpack.min.js, and their .map files.
func IsClientFile(name string) bool { return clientFileNames[name] }

// clientFiles serves the client bundle from a directory, or redirects to the CDN.
type clientFiles struct {
	prefix string // the server's path, with its trailing slash
	dir    fs.FS  // nil: redirect everything to the CDN

	mu    sync.Mutex
	cache map[string]*clientFile
}

// clientFile is one file as read from dir, kept while its size and modification time hold.
type clientFile struct {
	size    int64
	modTime time.Time
	data    []byte
	etag    string

	gzOnce sync.Once
	gz     []byte // nil when gzip does not make it smaller
}

// newClientFiles checks dir (empty: none) and returns the handler of the client bundle under
// prefix.
func newClientFiles(prefix, dir string) (*clientFiles, error) {
	c := &clientFiles{prefix: prefix, cache: make(map[string]*clientFile)}
	if dir == "" {
		return c, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("socketio: ClientDir: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("socketio: ClientDir %s is not a directory (want the dist/ directory of socket.io-client)", dir)
	}
	c.dir = os.DirFS(dir)
	for name := range clientFileNames {
		if _, err := fs.Stat(c.dir, name); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("socketio: ClientDir %s holds none of socket.io.js, socket.io.min.js, socket.io.esm.min.js (want the dist/ directory of socket.io-client)", dir)
}

// match returns the client file name r asks for, if any.
func (c *clientFiles) match(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	name, ok := strings.CutPrefix(r.URL.Path, c.prefix)
	return name, ok && clientFileNames[name]
}

// serve answers as Node's serveClient does: the file with an ETag, 304 when If-None-Match
// holds it, gzip when the client accepts it. A file the directory lacks (or every file, when
// there is no directory) is redirected to the official CDN.
func (c *clientFiles) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, err := c.load(name)
	if err != nil {
		http.Redirect(w, r, clientCDN+name, http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=0")
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.HasSuffix(name, ".map") {
		h.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		h.Set("Content-Type", "application/javascript; charset=utf-8")
	}
	h.Set("Last-Modified", f.modTime.UTC().Format(http.TimeFormat))
	body := f.data
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := f.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// load returns name as it is now in the directory, reading it again when it has changed.
func (c *clientFiles) load(name string) (*clientFile, error) {
	if c.dir == nil {
		return nil, fs.ErrNotExist
	}
	st, err := fs.Stat(c.dir, name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	c.mu.Lock()
	f := c.cache[name]
	c.mu.Unlock()
	if f != nil && f.size == st.Size() && f.modTime.Equal(st.ModTime()) {
		return f, nil
	}
	data, err := fs.ReadFile(c.dir, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f = &clientFile{size: st.Size(), modTime: st.ModTime(), data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	c.mu.Lock()
	c.cache[name] = f
	c.mu.Unlock()
	return f, nil
}

// gzipped returns the file compressed with gzip, computed once; nil when it is no smaller.
func (f *clientFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
		_, err := zw.Write(f.data)
		if err = errors.Join(err, zw.Close()); err == nil && b.Len() < len(f.data) {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

// etagMatch reports whether an If-None-Match header names etag (weak comparison, as Node's
// serveClient accepts W/"…" too) or is "*".
func etagMatch(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (or any coding, "*")
// with a non-zero quality.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if c := strings.ToLower(strings.TrimSpace(coding)); c != "gzip" && c != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}
