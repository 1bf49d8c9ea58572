package redispub

import (
	"context"
	"testing"
)

// nopPipe answers every message at once.
type nopPipe struct{}

func (nopPipe) Publish(_ context.Context, msgs []*Message, res []Reply) {
	for i := range msgs {
		res[i].Receivers = 1
	}
}

type nopDest struct{}

func (nopDest) Pipe(context.Context) Pipe                  { return nopPipe{} }
func (nopDest) Subscribers(context.Context) (int64, error) { return 1, nil }

// benchPublish runs publish (which hands one message to q) b.N times; then, after each, when
// flush is set, and once at the end otherwise, it waits until q is empty.
func benchPublish(b *testing.B, flush bool, publish func(q *Queue, m *Message) error) {
	q := New(Config{Limits: ResolveLimits(0, 0, 0)})
	payload := make([]byte, 100)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := publish(q, &Message{Dest: nopDest{}, Channel: "ch", Payload: payload}); err != nil {
			b.Fatal(err)
		}
		if flush {
			_ = q.Flush(ctx)
		}
	}
	_ = q.Flush(ctx)
}

// BenchmarkSendLone: the cost of the queue around a lone publish (the caller publishes).
func BenchmarkSendLone(b *testing.B) {
	benchPublish(b, false, func(q *Queue, m *Message) error {
		_, err := q.Send(context.Background(), m, false)
		return err
	})
}

func post(q *Queue, m *Message) error { return q.Post(context.Background(), m, false) }

// BenchmarkPostLone: a lone Post, published by the queue's goroutine, waited for by Flush.
func BenchmarkPostLone(b *testing.B) { benchPublish(b, true, post) }

// BenchmarkPostBurst: Posts in a row (batched by the queue's goroutine).
func BenchmarkPostBurst(b *testing.B) { benchPublish(b, false, post) }
