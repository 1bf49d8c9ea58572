package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/emitter"
)

const emitUsage = `usage: gosockio emit [flags] event [json-arg ...]

Sends event to the clients of a Socket.IO cluster through its Redis (the classic Redis
adapter's channels, as Node's @socket.io/redis-emitter does; with --adapter streams, an entry
of the stream of servers on the Redis Streams adapter). Each argument after the event is one
JSON value: '"text"', '42', '{"id":7}', '[1,2]', 'null'. Flags go before the event. When no
server is subscribed to the namespace (wrong --key or --redis, no server running), the event
reaches nobody: a warning says so on stderr (the exit status stays 0). With --adapter streams
the entry stays in the stream, but servers started later read from the stream's end: they do
not deliver it either.

examples:
  gosockio emit --redis redis://127.0.0.1:6379 news '"hello"'
  gosockio emit --nsp /admin --to ops --to oncall --except muted alert '{"level":"high"}' 3
  gosockio emit --adapter streams --key socket.io news '"kept in the stream"'

flags:
`

// stringList is a flag that may be repeated (--to a --to b).
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// emitCommand runs `gosockio emit`. Usage goes to stderr when asked for with -h; every error
// is one line, returned to main.
func emitCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("emit", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by main, in one line
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379"), "Redis URL, redis:// or rediss:// (env REDIS_URL)")
	key := fs.String("key", emitter.DefaultKey, "channel key prefix: the servers' Redis adapter key")
	nsp := fs.String("nsp", "/", "namespace")
	var to, except stringList
	fs.Var(&to, "to", "target room (repeatable; none means every client of the namespace)")
	fs.Var(&except, "except", "room to leave out (repeatable)")
	volatile := fs.Bool("volatile", false, "volatile: the event may be dropped for clients that are not ready")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	kind := fs.String("adapter", "classic", "the servers' adapter: classic, or streams (the servers' gosockio serve --adapter streams: the stream and channel prefix are --key)")
	if help, err := parseFlags(fs, args, stderr, "emit", emitUsage); help || err != nil {
		return err
	}
	var streams *emitter.StreamsOptions
	switch *kind {
	case "classic":
	case "streams":
		streams = &emitter.StreamsOptions{StreamName: *key}
	case "sharded":
		return errors.New("emit: --adapter sharded: an emitter cannot reach servers on the sharded adapter (as Node's)")
	default:
		return fmt.Errorf("emit: --adapter %q: want classic or streams", *kind)
	}
	if fs.NArg() == 0 {
		return errors.New("emit: missing event name (see gosockio emit -h)")
	}
	event := fs.Arg(0)
	values := make([]any, 0, fs.NArg()-1)
	for i, a := range fs.Args()[1:] {
		if !json.Valid([]byte(a)) {
			return fmt.Errorf("emit: argument %d (%q) is not a JSON value; quote strings: '\"text\"'", i+1, a)
		}
		values = append(values, json.RawMessage(a))
	}
	if *timeout <= 0 {
		return fmt.Errorf("emit: --timeout must be positive, got %v", *timeout)
	}
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("emit: --redis %q: %w", *redisURL, err)
	}
	// One publish from a shell: fail fast on an unreachable Redis (unless the URL says
	// otherwise), and report only the final error, not go-redis's own log lines.
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	setRedisLogger.Do(func() { redis.SetLogger(redisLogger{}) }) // quiet until a server enables it
	rdb := redis.NewClient(opt)
	defer rdb.Close()

	// No outage queue: a one-shot command reports an unreachable Redis instead of queueing.
	e := emitter.New(rdb, emitter.Options{Key: *key, MaxQueued: -1, Streams: streams}).Of(*nsp)
	op := e.To(to...).Except(except...)
	if *volatile {
		op = op.Volatile()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := op.EmitResult(ctx, event, values...)
	if err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	if streams != nil {
		// A stream has readers, not subscribers: count the servers of the namespace as the
		// adapter does, by the subscribers of its channel.
		ch := *key + "#" + e.Namespace() + "#"
		if n, err := rdb.PubSubNumSub(ctx, ch).Result(); err == nil && n[ch] == 0 {
			fmt.Fprintf(stderr, "gosockio: emit: warning: no server is subscribed to %s: the entry is in stream %s, but no server reads it now and servers that start later begin after it; check --key / --redis\n", ch, res.Channel)
		}
		return nil
	}
	if res.Receivers == 0 && !res.Queued {
		fmt.Fprintf(stderr, "gosockio: emit: warning: no server is subscribed to %s: check --key / --redis\n", res.Channel)
	}
	return nil
}

// parseFlags parses a subcommand's flags. With -h it prints usage and the flags' defaults to
// stderr and reports help; a bad flag is an error naming the subcommand.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, name, usage string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return true, nil
		}
		return false, fmt.Errorf("%s: %w (see gosockio %s -h)", name, err, name)
	}
	return false, nil
}
