package parser

import "github.com/gosockio/gosockio/internal/jsjson"

// IsReservedEvent reports whether name is one of the event names that Socket.IO keeps for
// itself ("connect", "connect_error", "disconnect", "disconnecting", "newListener",
// "removeListener"). The Decoder refuses EVENT packets that use one, as socket.io-parser
// does; a server should refuse to emit them.
func IsReservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// isReservedToken is IsReservedEvent for a JSON string token, quotes included.
func isReservedToken(tok []byte) bool {
	name := tok[1 : len(tok)-1]
	for _, c := range name {
		if c == '\\' {
			s, err := jsjson.Unquote(tok)
			return err == nil && IsReservedEvent(s)
		}
	}
	return IsReservedEvent(string(name))
}
