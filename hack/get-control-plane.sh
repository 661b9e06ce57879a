#!/usr/bin/env bash
# Build etcd, kube-apiserver and kube-controller-manager from the Go module proxy (nothing else is reachable),
# once, into $KUBEBUILDER_ASSETS (default ~/.cache/tide/k8s-<version>). A fresh clone reuses the cache.
# Cold: ~11-14 min on 2 cores; warm: instant. The directory works as KUBEBUILDER_ASSETS for envtest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DEST=$KUBEBUILDER_ASSETS
WITH_KCM=${WITH_KCM:-1}
WITH_KUBECTL=${WITH_KUBECTL:-0} # hack/bench.sh builds kubectl for its baseline
mkdir -p "$DEST"

have() { [ -x "$DEST/$1" ] && "$DEST/$1" --version 2>/dev/null | grep -q -- "$2"; }
need=()
have etcd "${ETCD_VERSION#v}" || need+=(etcd)
have kube-apiserver "$K8S_VERSION" || need+=(kube-apiserver)
[ "$WITH_KCM" != 1 ] || have kube-controller-manager "$K8S_VERSION" || need+=(kube-controller-manager)
[ "$WITH_KUBECTL" != 1 ] || { [ -x "$DEST/kubectl" ] && "$DEST/kubectl" version --client 2>/dev/null | grep -q -- "$K8S_VERSION"; } ||
  need+=(kubectl)
[ ${#need[@]} -gt 0 ] || exit 0
echo "building ${need[*]} into $DEST (first run only; ~11-14 min cold on 2 cores)" >&2

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod

# etcd's own go.mod carries replace directives, so `go install pkg@version` is refused: use a scratch module.
if [[ " ${need[*]} " == *" etcd "* ]]; then
  mkdir "$WORK/etcd"
  (cd "$WORK/etcd" && go mod init tide.local/build-etcd >/dev/null 2>&1 &&
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" &&
    go build -trimpath -ldflags='-s -w' -o "$DEST/etcd.tmp" go.etcd.io/etcd/server/v3 &&
    mv "$DEST/etcd.tmp" "$DEST/etcd")
fi

# k8s.io/kubernetes replaces its k8s.io/* staging modules with ./staging/...; a scratch module re-points each
# of them at the published v0.X.Y module of the same release.
k8s_bins=()
for b in kube-apiserver kube-controller-manager kubectl; do [[ " ${need[*]} " == *" $b "* ]] && k8s_bins+=("$b"); done
if [ ${#k8s_bins[@]} -gt 0 ]; then
  staging="v0.${K8S_VERSION#v1.}"
  vpkg=k8s.io/component-base/version
  ldflags="-s -w -X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
  ldflags+=" -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
  mkdir "$WORK/k8s"
  cd "$WORK/k8s"
  go mod init tide.local/build-k8s >/dev/null 2>&1
  kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  for m in $(sed -n '/^replace (/,/^)/p' "$kmod" | awk '$2=="=>" && $3 ~ /^\.\/staging/ {print $1}'); do
    case $m in k8s.io/sample-*) continue ;; esac # not published, not needed
    go mod edit -replace="$m=$m@$staging"
  done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  for b in "${k8s_bins[@]}"; do
    go get "k8s.io/kubernetes/cmd/$b@$K8S_VERSION"
    go build -trimpath -ldflags="$ldflags" -o "$DEST/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$DEST/$b.tmp" "$DEST/$b"
  done
fi
"$DEST/etcd" --version | head -1
"$DEST/kube-apiserver" --version
