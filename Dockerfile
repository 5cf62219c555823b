# mh3net in a container: one static binary, every role (compose.yaml).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/mh3net ./cmd/mh3net \
 && mkdir -p /out/data /out/nats

# distroless: no shell; healthchecks use 'mh3net health'.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mh3net /usr/local/bin/mh3net
# Owned by the nonroot user, so the named volumes mounted here are too.
COPY --from=build --chown=65532:65532 /out/data /var/lib/mh3net
COPY --from=build --chown=65532:65532 /out/nats /etc/mh3net/nats
USER 65532:65532
WORKDIR /var/lib/mh3net
ENTRYPOINT ["/usr/local/bin/mh3net"]
CMD ["up", "--data", "/var/lib/mh3net"]
