package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

//go:embed web
var webFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(webFiles, "web/index.html"))

// clientJSRoute is where the page loads a local copy of the Socket.IO browser client from.
const clientJSRoute = "/vendor/socket.io.min.js"

// mountDemo serves the chat page at /, its script and style under /static/, and the Socket.IO
// browser client: the file named by --client-js at /vendor/socket.io.min.js, or else a URL
// (--client-js, or the official CDN when it is empty) that the page loads directly.
func mountDemo(mux *http.ServeMux, c *serveConfig, log *slog.Logger) error {
	src := c.ClientJS
	switch {
	case src == "":
		src = cdnClientJS
		log.Info("chat demo: the page loads the Socket.IO client from the CDN (set --client-js to serve a local copy)", "url", src)
	case strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "//"):
	default:
		file := src
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("--client-js: %w", err)
		}
		mux.HandleFunc("GET "+clientJSRoute, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			http.ServeFile(w, r, file)
		})
		src = clientJSRoute
	}

	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, struct{ Path, ClientJS string }{c.Path, src}); err != nil {
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
