package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
)

//go:embed web
var webFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(webFiles, "web/index.html"))

// mountDemo serves the chat page at /, its script and style under /static/. The page loads
// the Socket.IO browser client from pageClientJS.
func mountDemo(mux *http.ServeMux, c *serveConfig, log *slog.Logger) error {
	src := pageClientJS(c)
	if !strings.HasPrefix(src, c.Path) {
		log.Info("chat demo: the page loads the Socket.IO client from this URL", "url", src)
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, struct{ Path, ClientJS, CDN string }{c.Path, src, cdnClientJS}); err != nil {
		return fmt.Errorf("chat page: %w", err)
	}
	body := page.Bytes()
	var cookie string
	if c.StickyCookie != "" {
		cookie = stickyCookie(c)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		if cookie != "" {
			h.Add("Set-Cookie", cookie)
		}
		_, _ = w.Write(body)
	})
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return fmt.Errorf("chat page: %w", err)
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	return nil
}

// pageClientJS is the URL of the Socket.IO browser client for the chat page: --client-js when
// it is a URL; else the server's own copy (the file --client-js names, socket.io.min.js by
// default, redirected to the CDN when there is no local copy); the CDN when --serve-client is
// off.
func pageClientJS(c *serveConfig) string {
	switch {
	case isURL(c.ClientJS):
		return c.ClientJS
	case !c.ServeClient:
		return cdnClientJS
	case c.ClientJS != "":
		return c.Path + filepath.Base(c.ClientJS)
	}
	return c.Path + "socket.io.min.js"
}
