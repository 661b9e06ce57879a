#!/usr/bin/env bash
# Record a terminal session of `tide reconcile` with tmux: start `tide dev` on a fresh state directory, run
# `tide reconcile kustomization demo-dev --with-source` in a tmux pane (a real
# terminal, so the spinner shows) and print the pane while it runs and after it finished.
# Usage: hack/tmux-reconcile.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
"$here/get-control-plane.sh"
"$here/install-test-deps.sh" git
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)" >&2; exit 1; }
work=$(mktemp -d)
state=$work/state
session=tide-reconcile-$$
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -z "${dev:-}" ] || { kill -INT "$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$here/.." && go build -o "$work/tide" ./cmd/tide)
"$work/tide" dev --state-dir "$state" >"$work/dev.log" 2>&1 &
dev=$!
for _ in $(seq 600); do grep -q "Ready" "$work/dev.log" 2>/dev/null && break; sleep 0.2; done
grep -q "Ready" "$work/dev.log" || { cat "$work/dev.log"; exit 1; }
tmux new-session -d -s "$session" -x 100 -y 12
tmux send-keys -t "$session" "$work/tide --kubeconfig $state/kubeconfig reconcile kustomization demo-dev --with-source" Enter
for i in 1 2 3; do
  sleep 0.15
  echo "--- pane after ${i}50 ms"
  tmux capture-pane -p -t "$session" | sed '/^$/d'
done
sleep 3
echo "--- pane at the end"
tmux capture-pane -p -t "$session" | sed '/^$/d'
