package wire

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// NodeHeaders writes headers as Node's IncomingMessage.headers: lower-case names, repeated
// values joined with ", " ("; " for cookie; only the first kept for the fields Node keeps
// once, such as host and user-agent; set-cookie stays an array). net/http keeps no order of
// the fields: host comes first, where HTTP/1.1 clients send it, then the others in
// alphabetical order.
func NodeHeaders(h http.Header) Object {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		ah, bh := strings.EqualFold(a, "host"), strings.EqualFold(b, "host")
		switch {
		case ah && !bh:
			return -1
		case bh && !ah:
			return 1
		}
		return strings.Compare(a, b)
	})
	o := make(Object, 0, len(names))
	for _, k := range names {
		vs := h[k]
		name := strings.ToLower(k)
		switch {
		case len(vs) == 0:
			continue
		case name == "set-cookie":
			a := make([]any, len(vs))
			for i, v := range vs {
				a[i] = v
			}
			o = append(o, Member{Key: name, Value: a})
		case name == "cookie":
			o = append(o, Member{Key: name, Value: strings.Join(vs, "; ")})
		case singleHeaders[name]:
			o = append(o, Member{Key: name, Value: vs[0]})
		default:
			o = append(o, Member{Key: name, Value: strings.Join(vs, ", ")})
		}
	}
	return o
}

// singleHeaders are the fields whose repetitions Node's IncomingMessage drops.
var singleHeaders = map[string]bool{
	"age": true, "authorization": true, "content-length": true, "content-type": true, "etag": true,
	"expires": true, "from": true, "host": true, "if-modified-since": true,
	"if-unmodified-since": true, "last-modified": true, "location": true, "max-forwards": true,
	"proxy-authorization": true, "referer": true, "retry-after": true, "server": true,
	"user-agent": true,
}

// NodeQuery writes query parameters as Node's querystring does: single values as strings,
// repeated ones as arrays, keys in the order of their first appearance in the request URI
// (uri, the handshake's URL); keys that uri does not hold come last, sorted.
func NodeQuery(q url.Values, uri string) Object {
	if len(q) == 0 {
		return nil
	}
	names := make([]string, 0, len(q))
	seen := make(map[string]bool, len(q))
	if _, raw, ok := strings.Cut(uri, "?"); ok {
		for part := range strings.SplitSeq(raw, "&") {
			k, _, _ := strings.Cut(part, "=")
			if k, err := url.QueryUnescape(k); err == nil && !seen[k] {
				if _, ok := q[k]; ok {
					seen[k] = true
					names = append(names, k)
				}
			}
		}
	}
	n := len(names)
	for k := range q {
		if !seen[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names[n:])
	o := make(Object, 0, len(names))
	for _, k := range names {
		vs := q[k]
		if len(vs) == 1 {
			o = append(o, Member{Key: k, Value: vs[0]})
			continue
		}
		a := make([]any, len(vs))
		for i, v := range vs {
			a[i] = v
		}
		o = append(o, Member{Key: k, Value: a})
	}
	return o
}
