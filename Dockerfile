# hookseal proxy in a container: a static binary on distroless, as a
# non-root user. Build from the repository root:
#
#   docker build -t hookseal .
#   docker run --rm -p 8080:8080 -p 9090:9090 \
#     -v "$PWD/proxy.yaml:/etc/hookseal/proxy.yaml:ro" \
#     -e CHECKLY_WEBHOOK_SECRET -e HOOKSEAL_PROXY_SECRET hookseal
#
# The config must listen on 0.0.0.0 (listen: 0.0.0.0:8080, admin:
# 0.0.0.0:9090) to be reachable from outside the container, and keep
# data_dir under /var/lib/hookseal (a volume in production: the inbox
# lives there). See docs/deploy.md for a Kubernetes sidecar.

FROM golang:1.26 AS build
WORKDIR /src
# The modules the CLI builds from, first, so their downloads are cached
# apart from the source.
COPY go.mod go.sum ./
COPY cmd/hookseal/go.mod cmd/hookseal/go.sum cmd/hookseal/
COPY observe/prometheus/go.mod observe/prometheus/go.sum observe/prometheus/
COPY store/bolt/go.mod store/bolt/go.sum store/bolt/
COPY store/redis/go.mod store/redis/go.sum store/redis/
ENV GOWORK=off CGO_ENABLED=0
RUN cd cmd/hookseal && go mod download
COPY . .
RUN cd cmd/hookseal && go build -trimpath -ldflags="-s -w" -o /out/hookseal . \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hookseal /hookseal
# The default data_dir, owned by the image's non-root user (65532).
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/hookseal
USER nonroot:nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/hookseal", "proxy", "--config", "/etc/hookseal/proxy.yaml"]
