#!/usr/bin/env bash
# Build the S3-compatible server the Bucket tests run against: MinIO, from the Go module proxy (nothing else is
# reachable, and Debian ships no S3 server), once, into $TIDE_CACHE/minio-<version>/minio. A fresh clone reuses
# the cache. Cold: ~5 min on 2 cores (about 110 MB binary); warm: instant.
# MinIO is only run as a separate test process (AGPLv3); no tide binary links it.
# MINIO_VERSION must match minioVersion in internal/testserver/s3 (a test there checks it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c} # github.com/minio/minio; its tags are not semver
commit=${MINIO_VERSION##*-}
DEST=$TIDE_CACHE/minio-$MINIO_VERSION
BIN=$DEST/minio

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "commit-id=$commit"; then
  echo "$BIN"
  exit 0
fi
echo "building MinIO $MINIO_VERSION into $DEST (first run only; ~5 min cold on 2 cores)" >&2
mkdir -p "$DEST"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# MinIO's go.mod has no replace directives, so `go install pkg@version` works outside any module.
cd "$WORK"
CGO_ENABLED=0 GOWORK=off GOBIN="$WORK/bin" GOFLAGS=-buildvcs=false \
  go install -trimpath -ldflags="-s -w -X github.com/minio/minio/cmd.CommitID=$commit" \
  "github.com/minio/minio@$MINIO_VERSION"
mv "$WORK/bin/minio" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
"$BIN" --version | grep -q "commit-id=$commit"
echo "$BIN"
