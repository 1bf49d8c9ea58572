package emitter

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redispub"
	"github.com/gosockio/gosockio/internal/wire"
)

// StreamsOptions put an Emitter in streams mode (Options.Streams): it then reaches the servers
// of the Redis Streams adapter (package redisadapter's NewStreams, or Node's
// @socket.io/redis-streams-adapter) instead of those of the classic adapter. Options.Key is
// then the servers' channel prefix (Node's channelPrefix), used by ServerSideEmit. The zero
// value is Node's defaults; every field must match the servers' options.
type StreamsOptions struct {
	// StreamName is the servers' stream (Node's streamName); with StreamCount > 1, the streams
	// <StreamName>-<i>. Empty means "socket.io".
	StreamName string
	// StreamCount is the servers' stream count: a namespace's entries go to the stream its
	// name hashes to, as the servers compute it. Zero means 1.
	StreamCount int
	// MaxLen trims the stream, approximately, on every append (XADD MAXLEN ~), as the servers
	// do. Zero means 10,000.
	MaxLen int64
	// UseShardedPubSub sends ServerSideEmit with SPUBLISH, for servers with useShardedPubSub.
	UseShardedPubSub bool
}

func (o StreamsOptions) withDefaults() StreamsOptions {
	if o.StreamName == "" {
		o.StreamName = wire.DefaultStreamName
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10_000
	}
	return o
}

// streams is what the Emitters of one New share in streams mode.
type streams struct {
	opts StreamsOptions
	pipe *streamPipe // XADD; one per New, so that entries of every namespace share round trips
}

// streamPipe appends the stream entries framed by appendEntry, one XADD each, several in one
// pipeline.
type streamPipe struct {
	c      redis.Cmdable
	maxLen int64
}

var errBadEntry = errors.New("emitter: malformed stream entry")

// Publish implements redispub.Pipe. A stream has no subscribers: Receivers stays 0.
func (p *streamPipe) Publish(ctx context.Context, msgs []*redispub.Message, res []redispub.Reply) {
	redispub.Each(ctx, p.c, msgs, res, p.cmd)
}

func (p *streamPipe) cmd(ctx context.Context, c redis.Cmdable, m *redispub.Message) *redis.StringCmd {
	values, ok := entryValues(m.Payload)
	if !ok {
		cmd := redis.NewStringCmd(ctx)
		cmd.SetErr(errBadEntry)
		return cmd
	}
	return c.XAdd(ctx, &redis.XAddArgs{Stream: m.Channel, MaxLen: p.maxLen, Approx: true, ID: "*", Values: values})
}

// appendEntry frames the fields of e (uid, nsp, type and, when present, data: what XADD gets,
// in that order) as the payload of a queued message: each field a uvarint length and its
// bytes.
func appendEntry(b []byte, e wire.StreamEntry) []byte {
	fields := []string{e.UID, e.Nsp, e.Type}
	if e.HasData {
		fields = append(fields, e.Data)
	}
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// entryValues reads a payload framed by appendEntry into XADD's field/value list.
func entryValues(b []byte) ([]string, bool) {
	names := [...]string{"uid", "nsp", "type", "data"}
	values := make([]string, 0, 2*len(names))
	for i := 0; len(b) > 0; i++ {
		n, k := binary.Uvarint(b)
		if i == len(names) || k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		values = append(values, names[i], string(b[k:k+int(n)]))
		b = b[k+int(n):]
	}
	return values, len(values) >= 6
}

// appendToStream adds the message of an operation to the namespace's stream, through the
// queue, in streams mode.
func (e *Emitter) appendToStream(ctx context.Context, m *wire.ClusterMessage, op string) (Result, error) {
	m.UID, m.Nsp = wire.EmitterUID, e.nsp
	entry, err := wire.MarshalStreamEntry(m, false)
	if err != nil {
		return Result{}, fmt.Errorf("emitter: %s: %w", op, err)
	}
	return e.send(ctx, e.entries, e.stream, appendEntry(nil, entry), false)
}
