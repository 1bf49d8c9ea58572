package socketio

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// buildHandshake describes the session's first request as Node's socket.handshake does.
//
// Headers: Go's net/http moves the Host header out of r.Header into r.Host; the engine puts it
// back, so that Headers.Get("Host") (and a Node node's handshake.headers.host) is set as in Node.
// net/http keeps no order of the header fields; the cluster codecs write "host" first (where
// every HTTP/1.1 client sends it) and the others in alphabetical order.
//
// Query: the parsed query of the request URL. Its order is that of URL (the request URI),
// which the cluster codecs follow when they describe the socket to another node.
func buildHandshake(r *http.Request, auth map[string]any, now time.Time) *Handshake {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	// Shared with the session's request, which has the Host header back (engineio.Conn.Request):
	// read-only, as the Handshake is.
	headers := r.Header
	if headers == nil {
		headers = http.Header{}
	}
	query := r.URL.Query()
	if query == nil {
		query = url.Values{}
	}
	return &Handshake{
		Headers: headers,
		Query:   query,
		Auth:    auth,
		Time:    jsDateString(now),
		Issued:  now.UnixMilli(),
		URL:     r.URL.RequestURI(),
		Address: addr,
		XDomain: r.Header.Get("Origin") != "",
		Secure:  r.TLS != nil,
	}
}

// jsDateString formats t as JavaScript's Date.prototype.toString does in Node:
// "Sun Dec 06 2026 16:45:44 GMT+0000 (Coordinated Universal Time)". The name in parentheses is
// the long name Node (ICU) prints for t's zone when the zone's abbreviation and offset are in
// zoneNames; otherwise it is ICU's fallback for unnamed zones, "GMT+03:00".
func jsDateString(t time.Time) string {
	abbr, offset := t.Zone()
	name, ok := zoneNames[zoneKey{abbr, offset}]
	if !ok {
		if offset == 0 {
			name = "GMT"
		} else {
			sign := '+'
			if offset < 0 {
				sign, offset = '-', -offset
			}
			name = fmt.Sprintf("GMT%c%02d:%02d", sign, offset/3600, offset/60%60)
		}
	}
	var b strings.Builder
	b.Grow(64)
	b.WriteString(t.Format("Mon Jan 02 2006 15:04:05 GMT-0700 ("))
	b.WriteString(name)
	b.WriteByte(')')
	return b.String()
}

// zoneKey is a zone abbreviation (as Go's tz database reader gives it) and its offset in
// seconds east of UTC: the abbreviation alone is ambiguous (CST, IST, PST).
type zoneKey struct {
	abbr   string
	offset int
}

// zoneNames maps the named zones of the most used tz database locations to the long names
// Node 20 (ICU, English) prints in Date.prototype.toString. Zones the tz database names by
// their offset only ("+08", shared by several ICU names) are left to the fallback.
var zoneNames = map[zoneKey]string{
	{"UTC", 0}:       "Coordinated Universal Time",
	{"GMT", 0}:       "Greenwich Mean Time",
	{"BST", 3600}:    "British Summer Time",
	{"IST", 3600}:    "Irish Standard Time",
	{"WET", 0}:       "Western European Standard Time",
	{"WEST", 3600}:   "Western European Summer Time",
	{"CET", 3600}:    "Central European Standard Time",
	{"CEST", 7200}:   "Central European Summer Time",
	{"EET", 7200}:    "Eastern European Standard Time",
	{"EEST", 10800}:  "Eastern European Summer Time",
	{"MSK", 10800}:   "Moscow Standard Time",
	{"IST", 7200}:    "Israel Standard Time",
	{"IDT", 10800}:   "Israel Daylight Time",
	{"SAST", 7200}:   "South Africa Standard Time",
	{"WAT", 3600}:    "West Africa Time",
	{"CAT", 7200}:    "Central Africa Time",
	{"EAT", 10800}:   "East Africa Time",
	{"PKT", 18000}:   "Pakistan Standard Time",
	{"IST", 19800}:   "India Standard Time",
	{"WIB", 25200}:   "Western Indonesia Time",
	{"CST", 28800}:   "China Standard Time",
	{"HKT", 28800}:   "Hong Kong Standard Time",
	{"PST", 28800}:   "Philippine Standard Time",
	{"AWST", 28800}:  "Australian Western Standard Time",
	{"JST", 32400}:   "Japan Standard Time",
	{"KST", 32400}:   "Korean Standard Time",
	{"ACST", 34200}:  "Australian Central Standard Time",
	{"ACDT", 37800}:  "Australian Central Daylight Time",
	{"AEST", 36000}:  "Australian Eastern Standard Time",
	{"AEDT", 39600}:  "Australian Eastern Daylight Time",
	{"NZST", 43200}:  "New Zealand Standard Time",
	{"NZDT", 46800}:  "New Zealand Daylight Time",
	{"NST", -12600}:  "Newfoundland Standard Time",
	{"NDT", -9000}:   "Newfoundland Daylight Time",
	{"AST", -14400}:  "Atlantic Standard Time",
	{"ADT", -10800}:  "Atlantic Daylight Time",
	{"EST", -18000}:  "Eastern Standard Time",
	{"EDT", -14400}:  "Eastern Daylight Time",
	{"CST", -21600}:  "Central Standard Time",
	{"CDT", -18000}:  "Central Daylight Time",
	{"MST", -25200}:  "Mountain Standard Time",
	{"MDT", -21600}:  "Mountain Daylight Time",
	{"PST", -28800}:  "Pacific Standard Time",
	{"PDT", -25200}:  "Pacific Daylight Time",
	{"AKST", -32400}: "Alaska Standard Time",
	{"AKDT", -28800}: "Alaska Daylight Time",
	{"HST", -36000}:  "Hawaii-Aleutian Standard Time",
}
