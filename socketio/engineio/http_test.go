package engineio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestCORSAnyOrigin(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: &engineio.CORSOptions{Origins: []string{"*"}}})
	_, hdr, _ := e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://a.example"}})
	mustEqual(t, "Allow-Origin", hdr.Get("Access-Control-Allow-Origin"), "*")
	mustEqual(t, "Allow-Credentials", hdr.Get("Access-Control-Allow-Credentials"), "")

	// Error responses carry the CORS headers too.
	status, hdr, _ := e.do("GET", "EIO=3&transport=polling", nil, http.Header{"Origin": {"https://a.example"}})
	mustEqual(t, "status", status, 400)
	mustEqual(t, "Allow-Origin on error", hdr.Get("Access-Control-Allow-Origin"), "*")

	status, hdr, body := e.do("OPTIONS", "EIO=4&transport=polling", nil, http.Header{
		"Origin":                         {"https://a.example"},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"content-type,x-custom"},
	})
	mustEqual(t, "preflight status", status, 204)
	mustEqual(t, "preflight body", body, "")
	mustEqual(t, "Allow-Methods", hdr.Get("Access-Control-Allow-Methods"), "GET,HEAD,PUT,PATCH,POST,DELETE")
	mustEqual(t, "Allow-Headers", hdr.Get("Access-Control-Allow-Headers"), "content-type,x-custom")
	mustEqual(t, "Max-Age", hdr.Get("Access-Control-Max-Age"), "")
}

func TestCORSOriginList(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: &engineio.CORSOptions{
		Origins:        []string{"https://good.example"},
		Credentials:    true,
		Methods:        []string{"GET", "POST"},
		AllowedHeaders: []string{"X-A"},
		ExposedHeaders: []string{"X-B", "X-C"},
		MaxAge:         90 * time.Second,
	}})
	_, hdr, _ := e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://good.example"}})
	mustEqual(t, "Allow-Origin", hdr.Get("Access-Control-Allow-Origin"), "https://good.example")
	mustEqual(t, "Allow-Credentials", hdr.Get("Access-Control-Allow-Credentials"), "true")
	mustEqual(t, "Expose-Headers", hdr.Get("Access-Control-Expose-Headers"), "X-B,X-C")
	mustEqual(t, "Vary", hdr.Get("Vary"), "Origin")

	_, hdr, _ = e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://evil.example"}})
	mustEqual(t, "Allow-Origin for another origin", hdr.Get("Access-Control-Allow-Origin"), "")

	status, hdr, _ := e.do("OPTIONS", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://good.example"}})
	mustEqual(t, "preflight status", status, 204)
	mustEqual(t, "Allow-Methods", hdr.Get("Access-Control-Allow-Methods"), "GET,POST")
	mustEqual(t, "Allow-Headers", hdr.Get("Access-Control-Allow-Headers"), "X-A")
	mustEqual(t, "Max-Age", hdr.Get("Access-Control-Max-Age"), "90")
}

func TestCORSFuncAndCredentialsWithAnyOrigin(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: &engineio.CORSOptions{
		AllowOrigin: func(origin string, _ *http.Request) bool { return strings.HasSuffix(origin, ".trusted.example") },
	}})
	_, hdr, _ := e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://x.trusted.example"}})
	mustEqual(t, "allowed", hdr.Get("Access-Control-Allow-Origin"), "https://x.trusted.example")
	_, hdr, _ = e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://x.other.example"}})
	mustEqual(t, "refused", hdr.Get("Access-Control-Allow-Origin"), "")

	e2 := newEnv(t, engineio.Options{CORS: &engineio.CORSOptions{Credentials: true}})
	_, hdr, _ = e2.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://a.example"}})
	mustEqual(t, "reflected with credentials", hdr.Get("Access-Control-Allow-Origin"), "https://a.example")
}

func TestNoCORSByDefault(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	_, hdr, _ := e.do("GET", "EIO=4&transport=polling", nil, http.Header{"Origin": {"https://a.example"}})
	mustEqual(t, "Allow-Origin", hdr.Get("Access-Control-Allow-Origin"), "")
	status, _, body := e.do("OPTIONS", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "OPTIONS without CORS", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadHandshakeMethod)
}

func TestCookie(t *testing.T) {
	e := newEnv(t, engineio.Options{Cookie: &engineio.CookieOptions{}})
	_, hdr, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	op := parseOpen(t, body)
	mustEqual(t, "Set-Cookie", hdr.Get("Set-Cookie"), "io="+op.SID+"; Path=/; HttpOnly; SameSite=Lax")
	_, hdr, _ = e.do("POST", "EIO=4&transport=polling&sid="+op.SID, strings.NewReader("4x"), nil)
	mustEqual(t, "Set-Cookie on later responses", hdr.Get("Set-Cookie"), "")

	e2 := newEnv(t, engineio.Options{Cookie: &engineio.CookieOptions{
		Name: "sticky", Path: "/app", MaxAge: time.Hour, Secure: true, DisableHTTPOnly: true, SameSite: http.SameSiteStrictMode,
	}})
	_, hdr, body = e2.do("GET", "EIO=4&transport=polling", nil, nil)
	op = parseOpen(t, body)
	mustEqual(t, "Set-Cookie", hdr.Get("Set-Cookie"), "sticky="+op.SID+"; Path=/app; Max-Age=3600; Secure; SameSite=Strict")

	e3 := newEnv(t, engineio.Options{})
	_, hdr, _ = e3.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "no cookie by default", hdr.Get("Set-Cookie"), "")
}

// rawGet is a GET whose Accept-Encoding is sent as given and whose body is not decoded.
func (e *env) rawGet(sid, acceptEncoding string) (http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.url+"?EIO=4&transport=polling&sid="+sid, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding)
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: wait}).Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.Header, b
}

func TestHTTPCompression(t *testing.T) {
	big := strings.Repeat("abcdefgh", 200) // 1600 bytes
	for _, tc := range []struct {
		name       string
		opts       *engineio.HTTPCompressionOptions
		accept     string
		msg        *engineio.Message
		wantEncode string
	}{
		{"gzip", nil, "gzip, deflate", text(big), "gzip"},
		{"deflate", nil, "deflate", text(big), "deflate"},
		{"deflate preferred by q", nil, "gzip;q=0.5, deflate", text(big), "deflate"},
		{"gzip refused", nil, "gzip;q=0", text(big), ""},
		{"star", nil, "*", text(big), "gzip"},
		{"not accepted", nil, "br", text(big), ""},
		{"under threshold", nil, "gzip", text("small"), ""},
		{"custom threshold", &engineio.HTTPCompressionOptions{Threshold: 3}, "gzip", text("small"), "gzip"},
		{"disabled", &engineio.HTTPCompressionOptions{Disable: true}, "gzip", text(big), ""},
		{"NoCompress", nil, "gzip", &engineio.Message{Data: []byte(big), NoCompress: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, engineio.Options{HTTPCompression: tc.opts})
			op, c, _ := e.handshake()
			if err := c.Send(tc.msg); err != nil {
				t.Fatal(err)
			}
			hdr, body := e.rawGet(op.SID, tc.accept)
			mustEqual(t, "Content-Encoding", hdr.Get("Content-Encoding"), tc.wantEncode)
			mustEqual(t, "Content-Length", hdr.Get("Content-Length"), itoa(len(body)))
			var r io.Reader = bytes.NewReader(body)
			switch tc.wantEncode {
			case "gzip":
				zr, err := gzip.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			case "deflate":
				zr, err := zlib.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			}
			plain, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "payload", string(plain), "4"+string(tc.msg.Data))
		})
	}
}

func TestNegotiateEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"gzip":                      "gzip",
		"GZIP":                      "gzip",
		"deflate, gzip":             "gzip",
		"deflate;q=1, gzip;q=0.9":   "deflate",
		"identity":                  "",
		"*;q=0":                     "",
		"gzip;q=0, *":               "deflate",
		"gzip;q=bogus, deflate;q=1": "deflate",
		"x-gzip":                    "gzip",
	} {
		mustEqual(t, "negotiate "+in, engineio.NegotiateEncoding(in), want)
	}
}

func TestHeaderHooks(t *testing.T) {
	e := newEnv(t, engineio.Options{
		InitialHeaders: func(h http.Header, r *http.Request) { h.Set("X-Initial", r.URL.Query().Get("transport")) },
		Headers:        func(h http.Header, r *http.Request) { h.Set("X-Every", r.Method) },
	})
	status, hdr, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 200)
	op := parseOpen(t, body)
	mustEqual(t, "X-Initial on handshake", hdr.Get("X-Initial"), "polling")
	mustEqual(t, "X-Every on handshake", hdr.Get("X-Every"), "GET")

	_, hdr, _ = e.do("POST", "EIO=4&transport=polling&sid="+op.SID, strings.NewReader("4x"), nil)
	mustEqual(t, "X-Initial on POST", hdr.Get("X-Initial"), "")
	mustEqual(t, "X-Every on POST", hdr.Get("X-Every"), "POST")
	c := recv(t, e.rec.opened, "Open")
	_ = c.Send(text("y"))
	_, hdr, _ = e.do("GET", "EIO=4&transport=polling&sid="+op.SID, nil, nil)
	mustEqual(t, "X-Initial on GET", hdr.Get("X-Initial"), "")
	mustEqual(t, "X-Every on GET", hdr.Get("X-Every"), "GET")

	// Error responses do not go through the hooks.
	_, hdr, _ = e.do("GET", "EIO=3&transport=polling", nil, nil)
	mustEqual(t, "X-Every on error", hdr.Get("X-Every"), "")

	// WebSocket handshake: both; upgrade: Headers only.
	_, resp := e.dial("EIO=4&transport=websocket", nil)
	mustEqual(t, "X-Initial on ws handshake", resp.Header.Get("X-Initial"), "websocket")
	mustEqual(t, "X-Every on ws handshake", resp.Header.Get("X-Every"), "GET")
	_, resp = e.dial("EIO=4&transport=websocket&sid="+op.SID, nil)
	mustEqual(t, "X-Initial on upgrade", resp.Header.Get("X-Initial"), "")
	mustEqual(t, "X-Every on upgrade", resp.Header.Get("X-Every"), "GET")
}

func TestCORSOnWebSocketUpgrade(t *testing.T) {
	e := newEnv(t, engineio.Options{CORS: &engineio.CORSOptions{Origins: []string{"*"}}})
	d := websocket.Dialer{HandshakeTimeout: wait}
	ws, resp, err := d.Dial(e.wsURL("EIO=4&transport=websocket"), http.Header{"Origin": {"https://elsewhere.example"}})
	if err != nil {
		t.Fatalf("cross-origin WebSocket refused: %v", err)
	}
	defer ws.Close()
	mustEqual(t, "Allow-Origin", resp.Header.Get("Access-Control-Allow-Origin"), "*")
}
