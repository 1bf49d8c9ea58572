# syntax=docker/dockerfile:1
# The gosockio binary in a small image: docker build -t gosockio . && docker run -p 3000:3000 gosockio
# (docker-compose.yml runs three of them behind nginx, with Redis).

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
USER gosockio
# Every flag of `gosockio serve` has a GOSOCKIO_* variable; in a container, listen on all
# interfaces. The chat page loads the Socket.IO client from the CDN unless GOSOCKIO_CLIENT_JS
# names a file mounted into the container.
ENV GOSOCKIO_ADDR=0.0.0.0:3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:3000/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gosockio"]
CMD ["serve"]
