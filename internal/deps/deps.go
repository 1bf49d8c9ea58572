package main

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/gorilla/websocket"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/vmihailenco/msgpack/v5"
)

func main() {}
