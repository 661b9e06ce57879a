#!/usr/bin/env bash
# Run controller-gen at the pinned version, building it from the Go module proxy on first use.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ ! -x "$CONTROLLER_GEN" ]; then
  echo "building controller-gen $CONTROLLER_TOOLS_VERSION into $(dirname "$CONTROLLER_GEN")" >&2
  GOBIN=$(dirname "$CONTROLLER_GEN") GOWORK=off go install "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION"
fi
exec "$CONTROLLER_GEN" "$@"
