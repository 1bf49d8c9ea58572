package engineio_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestConnectionErrors(t *testing.T) {
	idErr := errors.New("no id today")
	var failID atomic.Bool
	e := newEnv(t, engineio.Options{
		GenerateID: func(*http.Request) (string, error) {
			if failID.Load() {
				return "", idErr
			}
			return "", nil // empty ids are refused too
		},
	})
	for _, tc := range []struct {
		name    string
		method  string
		q       string
		failID  bool
		status  int
		code    int
		context map[string]any
	}{
		{"unknown transport", "GET", "EIO=4&transport=smoke", false, 400, 0, map[string]any{"transport": "smoke"}},
		{"missing transport", "GET", "EIO=4", false, 400, 0, map[string]any{"transport": ""}},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", false, 400, 1, map[string]any{"sid": "nope"}},
		{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=nope", false, 400, 1, map[string]any{"sid": "nope"}},
		{"POST handshake", "POST", "EIO=4&transport=polling", false, 400, 2, map[string]any{"method": "POST"}},
		{"PUT handshake", "PUT", "EIO=4&transport=polling", false, 400, 2, map[string]any{"method": "PUT"}},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", false, 400, 3, map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"}},
		{"id generation error", "GET", "EIO=4&transport=polling", true, 400, 3, map[string]any{"name": "ID_GENERATION_ERROR"}},
		{"empty id", "GET", "EIO=4&transport=polling", false, 400, 3, map[string]any{"name": "ID_GENERATION_ERROR"}},
		{"EIO=3", "GET", "EIO=3&transport=polling", false, 400, 5, map[string]any{"protocol": "3"}},
		{"EIO missing", "GET", "transport=polling", false, 400, 5, map[string]any{"protocol": ""}},
		{"EIO=abc", "GET", "EIO=abc&transport=polling", false, 400, 5, map[string]any{"protocol": "abc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failID.Store(tc.failID)
			status, hdr, body := e.do(tc.method, tc.q, strings.NewReader(""), nil)
			mustEqual(t, "status", status, tc.status)
			mustEqual(t, "Content-Type", hdr.Get("Content-Type"), "application/json")
			code, msg := jsonError(t, body)
			mustEqual(t, "code", code, tc.code)
			mustEqual(t, "message", msg, engineio.CodeMessage(tc.code))
			ce := recv(t, e.connErrs, "OnConnectionError")
			mustEqual(t, "ConnectionError.Code", ce.Code, tc.code)
			mustEqual(t, "ConnectionError.Message", ce.Message, msg)
			if ce.Req == nil || ce.Req.Method != tc.method {
				t.Errorf("ConnectionError.Req = %v", ce.Req)
			}
			for k, v := range tc.context {
				mustEqual(t, "context "+k, ce.Context[k], v)
			}
			if tc.failID && !errors.Is(ce.Context["error"].(error), idErr) {
				t.Errorf("context error = %v", ce.Context["error"])
			}
			if !strings.Contains(ce.Error(), msg) {
				t.Errorf("Error() = %q", ce.Error())
			}
		})
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}

func TestCodeMessages(t *testing.T) {
	want := []string{"Transport unknown", "Session ID unknown", "Bad handshake method", "Bad request", "Forbidden", "Unsupported protocol version"}
	for code, msg := range want {
		mustEqual(t, "CodeMessage", engineio.CodeMessage(code), msg)
	}
	mustEqual(t, "unknown code", engineio.CodeMessage(42), "")
}

func TestTransportMismatch(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	_, _, c := e.wsHandshake()
	status, body := e.get(c.ID())
	mustEqual(t, "status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	ce := recv(t, e.connErrs, "connection error")
	mustEqual(t, "name", ce.Context["name"], any("TRANSPORT_MISMATCH"))
	mustEqual(t, "previousTransport", ce.Context["previousTransport"], any("websocket"))
}

func TestAllowRequest(t *testing.T) {
	var calls atomic.Int32
	e := newEnv(t, engineio.Options{
		AllowRequest: func(r *http.Request) error {
			calls.Add(1)
			if r.Header.Get("X-Token") != "secret" {
				return errors.New("bad token")
			}
			return nil
		},
	})
	status, _, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 403)
	code, msg := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeForbidden)
	mustEqual(t, "message", msg, "bad token")
	ce := recv(t, e.connErrs, "connection error")
	mustEqual(t, "code", ce.Code, engineio.CodeForbidden)
	mustEqual(t, "message", ce.Message, "bad token")

	status, _, body = e.do("GET", "EIO=4&transport=polling", nil, http.Header{"X-Token": {"secret"}})
	mustEqual(t, "status", status, 200)
	op := parseOpen(t, body)
	// Later requests of the session are not passed to AllowRequest.
	e.post(op.SID, "4x")
	mustEqual(t, "AllowRequest calls", calls.Load(), 2)
}

func TestGenerateID(t *testing.T) {
	var n atomic.Int32
	e := newEnv(t, engineio.Options{
		GenerateID: func(*http.Request) (string, error) { return "custom-" + string(rune('a'+n.Add(1)%2)), nil },
	})
	op, _, _ := e.handshake()
	mustEqual(t, "sid", op.SID, "custom-b")
	op2, _, _ := e.handshake()
	mustEqual(t, "sid", op2.SID, "custom-a")
	// The generator returns an id in use: refused with code 3.
	status, _, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
}

func TestNotFoundOutsidePath(t *testing.T) {
	e := newEnv(t, engineio.Options{Path: "/eio"})
	mustEqual(t, "Path", e.srv.Options().Path, "/eio/")
	for _, p := range []string{"/", "/eio/x", "/eiox", "/socket.io/"} {
		resp, err := e.ts.Client().Get(e.ts.URL + p + "?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		mustEqual(t, "status of "+p, resp.StatusCode, 404)
	}
	for _, p := range []string{"/eio", "/eio/"} {
		resp, err := e.ts.Client().Get(e.ts.URL + p + "?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		mustEqual(t, "status of "+p, resp.StatusCode, 200)
	}
}
