#!/usr/bin/env bash
# Fail when generated files (deepcopy, CRDs, RBAC) are stale, or Go code is not gofmt-clean.
# It regenerates into a scratch copy of the tree, so it never touches the working tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar -C "$root" --exclude=./.git --exclude=./bin --exclude=./.tide -cf - . | tar -C "$scratch" -xf -
"$here/generate.sh" "$scratch" >/dev/null
status=0
for d in api manifests; do
  if ! diff -r "$root/$d" "$scratch/$d" >"$scratch/diff.txt"; then
    echo "generated files under $d/ are stale: run 'make generate' and commit the result" >&2
    head -40 "$scratch/diff.txt" >&2
    status=1
  fi
done
unformatted=$(cd "$root" && git ls-files -co --exclude-standard '*.go' | while read -r f; do [ -f "$f" ] && echo "$f"; done | xargs -r gofmt -l)
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files (run gofmt -w):" >&2
  echo "$unformatted" >&2
  status=1
fi
[ $status -eq 0 ] && echo "generated files and formatting are up to date"
exit $status
