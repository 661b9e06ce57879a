#!/usr/bin/env bash
# Print tide's benchmark figures. Benchmarks never assert times; they report them (see each Benchmark's doc).
# Usage: hack/bench.sh [go test -bench regexp]   (default: every benchmark of the end-to-end package)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export KUBEBUILDER_ASSETS
WITH_KUBECTL=1 "$here/get-control-plane.sh"
"$here/install-test-deps.sh"
cd "$here/.."
go test ./test/e2e -run '^$' -bench "${1:-.}" -benchtime 1x -timeout 30m
