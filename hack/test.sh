#!/usr/bin/env bash
# Run every Go test of every module in the workspace against the real control plane built by
# hack/get-control-plane.sh. Extra arguments go to `go test` (for example -run or -v).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export KUBEBUILDER_ASSETS
cd "$here/.."
# Module patterns: `go test ./...` at a go.work root does not cross modules.
packages=$(go list -m -f '{{.Dir}}' | sed "s|^$PWD|.|; s|$|/...|")
# -count=1: these tests talk to real processes, so a cached result proves nothing about today's machine.
exec go test -count=1 -timeout 20m "$@" $packages
