# syntax=docker/dockerfile:1
# madoguchi in a small image: a static binary (no cgo: the SQLite driver is
# pure Go) on distroless/static, run as the non-root user 65532, the store
# on a volume. Build:  docker build --build-arg VERSION=$(git describe --tags --always) -t madoguchi .
# Run:    docker run -v madoguchi-data:/var/lib/madoguchi -v ./madoguchi.toml:/etc/madoguchi/madoguchi.toml:ro madoguchi
# compose.yaml runs it beside Dovecot for a try-out.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/madoguchi ./cmd/madoguchi \
 && mkdir -p /out/var/lib/madoguchi /out/etc/madoguchi

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/madoguchi /madoguchi
# The state directory belongs to the user that runs: a new volume mounted
# there takes its owner and mode.
COPY --from=build --chown=65532:65532 --chmod=0700 /out/var/lib/madoguchi /var/lib/madoguchi
COPY --from=build /out/etc/madoguchi /etc/madoguchi
USER 65532:65532
ENV MADOGUCHI_CONFIG=/etc/madoguchi/madoguchi.toml \
    MADOGUCHI_STORE_PATH=/var/lib/madoguchi/madoguchi.db
WORKDIR /var/lib/madoguchi
VOLUME ["/var/lib/madoguchi"]
ENTRYPOINT ["/madoguchi"]
CMD ["--log-format", "json", "run"]
