package socketio_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// TestHandshake checks socket.handshake as Node builds it: the Host header is there (net/http
// keeps it apart from the other fields), the time reads as Date#toString, the query is parsed.
func TestHandshake(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	conns := make(chan *socketio.Socket, 1)
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	// A long-polling handshake, then a CONNECT with auth.
	do := func(method, url, body string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(ctxT(t), method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://example.com")
		req.Header.Set("X-Custom", "v")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %s %s", method, url, resp.Status, b)
		}
		return string(b)
	}
	open := do("GET", e.url+"/socket.io/?b=2&EIO=4&a=1&transport=polling&b=3", "")
	sid := regexp.MustCompile(`"sid":"([^"]+)"`).FindStringSubmatch(open)
	if sid == nil {
		t.Fatalf("open packet %q", open)
	}
	do("POST", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid[1], `40{"token":"t"}`)
	h := waitSocket(t, conns).Handshake()
	do("POST", e.url+"/socket.io/?EIO=4&transport=polling&sid="+sid[1], "1") // close the session
	host := strings.TrimPrefix(e.url, "http://")
	if got := h.Headers.Get("Host"); got != host {
		t.Errorf("Headers.Get(\"Host\") = %q, want %q", got, host)
	}
	if h.Headers.Get("X-Custom") != "v" || !h.XDomain || h.Secure || h.Auth["token"] != "t" {
		t.Errorf("handshake %+v", h)
	}
	if h.Query.Get("a") != "1" || len(h.Query["b"]) != 2 || h.Query.Get("EIO") != "4" || h.URL != "/socket.io/?b=2&EIO=4&a=1&transport=polling&b=3" {
		t.Errorf("query %v, url %q", h.Query, h.URL)
	}
	issued := time.UnixMilli(h.Issued)
	if want := socketio.JSDateString(issued); h.Time != want {
		t.Errorf("Time = %q, want %q", h.Time, want)
	}
	if !regexp.MustCompile(`^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4} \(.+\)$`).MatchString(h.Time) {
		t.Errorf("Time = %q", h.Time)
	}
	if abbr, _ := issued.Zone(); abbr == "UTC" && !strings.HasSuffix(h.Time, " GMT+0000 (Coordinated Universal Time)") {
		t.Errorf("Time = %q: not as Node writes it in UTC", h.Time)
	}
}

// TestJSDateString compares the format with what Node 20 printed for new Date(…).toString()
// in these zones (TZ=… node -e …).
func TestJSDateString(t *testing.T) {
	tests := []struct {
		zone string
		t    time.Time // in UTC
		want string
	}{
		{"UTC", time.Date(2026, 12, 6, 16, 45, 44, 0, time.UTC), "Sun Dec 06 2026 16:45:44 GMT+0000 (Coordinated Universal Time)"},
		{"Europe/Paris", time.Date(2026, 1, 15, 11, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+0100 (Central European Standard Time)"},
		{"Europe/Paris", time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC), "Wed Jul 15 2026 12:00:00 GMT+0200 (Central European Summer Time)"},
		{"Europe/London", time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+0000 (Greenwich Mean Time)"},
		{"America/New_York", time.Date(2026, 7, 15, 16, 0, 0, 0, time.UTC), "Wed Jul 15 2026 12:00:00 GMT-0400 (Eastern Daylight Time)"},
		{"Asia/Kolkata", time.Date(2026, 1, 15, 6, 30, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+0530 (India Standard Time)"},
		{"Asia/Shanghai", time.Date(2026, 1, 15, 4, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+0800 (China Standard Time)"},
		{"America/Chicago", time.Date(2026, 1, 15, 18, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT-0600 (Central Standard Time)"},
		{"Australia/Sydney", time.Date(2026, 1, 15, 1, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+1100 (Australian Eastern Daylight Time)"},
		// A zone the tz database names by its offset only: ICU's fallback.
		{"Etc/GMT-3", time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT+0300 (GMT+03:00)"},
		{"America/St_Johns", time.Date(2026, 1, 15, 15, 30, 0, 0, time.UTC), "Thu Jan 15 2026 12:00:00 GMT-0330 (Newfoundland Standard Time)"},
	}
	for _, tc := range tests {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Logf("%s: %v (no tz database?)", tc.zone, err)
			continue
		}
		if got := socketio.JSDateString(tc.t.In(loc)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.zone, got, tc.want)
		}
	}
}
