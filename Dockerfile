# syntax=docker/dockerfile:1
# The gosockio binary in a small image: docker build -t gosockio . && docker run -p 3000:3000 gosockio
# (docker-compose.yml runs three of them behind nginx, with Redis).

# The Socket.IO browser client, from npm at build time, so that the image serves it without
# Internet access (at /socket.io/socket.io.js, .min.js, .esm.min.js and their maps). Keep the
# version that socketio.ClientVersion and test/js/package.json name.
FROM node:22-alpine AS client
ARG SOCKET_IO_CLIENT_VERSION=4.8.4
WORKDIR /client
RUN npm pack --silent "socket.io-client@${SOCKET_IO_CLIENT_VERSION}" \
    && tar -xzf "socket.io-client-${SOCKET_IO_CLIENT_VERSION}.tgz" \
    && test -f package/dist/socket.io.min.js

# Build: a static binary, without cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY adapter ./adapter
COPY cmd ./cmd
COPY emitter ./emitter
COPY internal ./internal
COPY redisadapter ./redisadapter
COPY socketio ./socketio
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gosockio ./cmd/gosockio

# Run: Alpine for CA certificates (rediss://) and wget (health checks), as an unprivileged user.
FROM alpine:3.20
RUN adduser -D -H -u 10001 gosockio
COPY --from=build /out/gosockio /usr/local/bin/gosockio
COPY --from=client /client/package/dist/ /usr/share/gosockio/socket.io-client/dist/
USER gosockio
# Every flag of `gosockio serve` has a GOSOCKIO_* variable; in a container, listen on all
# interfaces, and serve the Socket.IO client copied above.
ENV GOSOCKIO_ADDR=0.0.0.0:3000 \
    GOSOCKIO_CLIENT_JS=/usr/share/gosockio/socket.io-client/dist/socket.io.min.js
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:3000/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gosockio"]
CMD ["serve"]
