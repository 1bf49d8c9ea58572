package testclient

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// PollingSession opens an Engine.IO long-polling session on h and joins "/" without any
// network: requests go straight to the handler, so thousands of sockets cost no file
// descriptors. It returns the session id.
func PollingSession(tb testing.TB, h http.Handler) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling", nil))
	body := rec.Body.String()
	i := strings.Index(body, `"sid":"`)
	if rec.Code != 200 || i < 0 {
		tb.Fatalf("handshake: %d %q", rec.Code, body)
	}
	sid := body[i+7 : i+27]
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/socket.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader("40")))
	if rec.Code != 200 {
		tb.Fatalf("connect: %d %q", rec.Code, rec.Body.String())
	}
	Drain(tb, h, sid) // the CONNECT answer
	return sid
}

// Drain fetches what is queued for a polling session.
func Drain(tb testing.TB, h http.Handler, sid string) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling&sid="+sid, nil))
	if rec.Code != 200 {
		tb.Fatalf("poll: %d %q", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// BroadcastLoop is the body of a broadcast benchmark on h's polling sessions sids: it runs
// emit("chat message", payload) b.N times, draining the sessions' queues every 1000 times
// outside the timer, reports deliveries/s, and checks that the last session receives a final
// event.
func BroadcastLoop(b *testing.B, h http.Handler, sids []string, emit func(event string, args ...any) error) {
	payload := map[string]any{"user": "alice", "text": "hello everyone", "n": 42}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := emit("chat message", payload); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 { // keep queues short; not measured
			b.StopTimer()
			for _, sid := range sids {
				Drain(b, h, sid)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(len(sids))/b.Elapsed().Seconds(), "deliveries/s")
	if err := emit("final"); err != nil {
		b.Fatal(err)
	}
	if got := Drain(b, h, sids[len(sids)-1]); !strings.Contains(got, "final") {
		b.Fatalf("last socket did not receive the broadcast: %.80q", got)
	}
}
