package socketio

// JSDateString exposes the handshake's date format to the tests.
var JSDateString = jsDateString
