package client

import "time"

// BackoffDelay is the delay before reconnection attempt attempt+1 with o's settings.
func BackoffDelay(o Options, attempt int) time.Duration {
	o = o.withDefaults()
	b := backoff{min: o.ReconnectionDelay, max: o.ReconnectionDelayMax, jitter: o.RandomizationFactor, attempts: attempt}
	return b.duration()
}
