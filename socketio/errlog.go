package socketio

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Event errors that no OnError listener takes are logged at Warn, at most errLogBurst lines per
// errLogWindow per server; the number of lines left out is logged at the end of the window.
const (
	errLogBurst  = 10
	errLogWindow = time.Second
)

// errLog rate-limits the log lines of event errors nobody listens to. A client can send
// failing events as fast as it likes: the log must stay readable and cheap.
type errLog struct {
	log *slog.Logger

	mu         sync.Mutex
	start      time.Time // of the current window
	n          int       // lines logged in the window
	suppressed int       // lines left out in the window
	timer      *time.Timer
	closed     bool
}

// eventError logs err, returned by a handler or packet middleware of event on s, unless the
// rate limit is reached. ackPending tells that the client asked for an acknowledgement that
// was not sent.
func (l *errLog) eventError(s *Socket, event string, err error, ackPending bool) {
	if !l.log.Enabled(context.Background(), slog.LevelWarn) || !l.allow() {
		return
	}
	msg := "socketio: event handler error, and the socket has no OnError listener"
	if errors.Is(err, ErrInvalidArgument) {
		msg = "socketio: event arguments do not decode into the handler's types"
	}
	attrs := []slog.Attr{
		slog.String("nsp", s.nsp.name), slog.String("sid", s.id), slog.String("event", event),
		slog.Any("err", err),
	}
	if ackPending {
		attrs = append(attrs, slog.Bool("ack_pending", true)) // the client's callback will not be called
	}
	l.log.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// allow reports whether one more line may be logged now, and counts it otherwise.
func (l *errLog) allow() bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	if now.Sub(l.start) >= errLogWindow && l.suppressed == 0 {
		l.start, l.n = now, 0
	}
	if l.n < errLogBurst {
		l.n++
		return true
	}
	if l.suppressed == 0 {
		l.timer = time.AfterFunc(errLogWindow-now.Sub(l.start), l.flush)
	}
	l.suppressed++
	return false
}

// flush logs how many lines the window left out, and starts a new window.
func (l *errLog) flush() {
	l.mu.Lock()
	n := l.suppressed
	l.suppressed, l.n, l.start, l.timer = 0, 0, time.Now(), nil
	l.mu.Unlock()
	if n > 0 {
		l.log.LogAttrs(context.Background(), slog.LevelWarn, "socketio: event errors not logged (rate limit)",
			slog.Int("suppressed", n), slog.Duration("window", errLogWindow), slog.Int("limit", errLogBurst))
	}
}

// close stops the timer and logs what is left out so far.
func (l *errLog) close() {
	l.mu.Lock()
	l.closed = true
	t := l.timer
	l.mu.Unlock()
	if t != nil && t.Stop() {
		l.flush()
	}
}
