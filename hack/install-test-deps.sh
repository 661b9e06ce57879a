#!/usr/bin/env bash
# Install the real servers the tests run (from Debian's packages) when they are missing. Idempotent and quick
# when everything is present; needs root (or sudo) only when something must be installed.
# Usage: hack/install-test-deps.sh [binary...]   (default: all of them; `make dev` asks for git only)
set -euo pipefail
declare -A need=(
  [git]=git                         # git http-backend, the Git server of the tests
  [sshd]=openssh-server             # Git over SSH
  [docker-registry]=docker-registry # OCI registry (CNCF distribution)
)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${!need[@]}")
missing=()
for bin in "${wanted[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || [ -x "/usr/bin/$bin" ] || missing+=("${need[$bin]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing test dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
