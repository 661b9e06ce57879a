# tide: a GitOps toolkit for Kubernetes.
# `make dev` runs the demo on a local control plane; `make test` runs every check and test.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
export GOTOOLCHAIN ?= local
export GOFLAGS ?= -buildvcs=false

# Release builds (CGO_ENABLED=0) leave out kustomize's Go plugin loader: importing the plugin package makes
# the linker export every symbol and keep every method, a third of a controller's binary and resident memory.
# test/e2e builds the binaries it runs with the same flags (releaseBuildFlags).
BUILD_FLAGS := -trimpath -tags=kustomize_disable_go_plugin_support

CONTROLLERS := source-controller kustomize-controller helm-controller image-reflector image-automation notification-controller
MODULES := api internal $(CONTROLLERS) .

.PHONY: all
all: generate build

##@ Generated code and manifests

.PHONY: generate
generate: ## Generate deepcopy functions, CRDs and per-controller RBAC.
	hack/generate.sh

.PHONY: verify
verify: ## Fail when generated files are stale or code is not gofmt-clean.
	hack/verify.sh

##@ Build and test

.PHONY: build
build: ## Build every controller binary and the tide CLI into bin/.
	@mkdir -p bin
	for m in $(CONTROLLERS); do (cd $$m && CGO_ENABLED=0 go build $(BUILD_FLAGS) -o ../bin/$$m .); done
	CGO_ENABLED=0 go build $(BUILD_FLAGS) -o bin/tide ./cmd/tide

.PHONY: vet
vet: ## Run go vet on every module.
	for m in $(MODULES); do (cd $$m && go vet ./...); done

.PHONY: control-plane
control-plane: ## Build (once, cached) etcd, kube-apiserver and kube-controller-manager from the Go module proxy.
	hack/get-control-plane.sh

.PHONY: test-deps
test-deps: ## Install the real servers tests use: git, sshd, docker-registry (Debian), MinIO (built once, cached).
	hack/install-test-deps.sh
	hack/get-s3-server.sh >/dev/null

.PHONY: test
test: control-plane test-deps verify vet ## Run every test against a real local control plane and real servers.
	hack/test.sh

.PHONY: dev
dev: control-plane ## Run tide and the demo app on a local control plane; DEV_ARGS=--exit stops once it is Ready.
	hack/install-test-deps.sh git
	CGO_ENABLED=0 go run $(BUILD_FLAGS) ./cmd/tide dev $(DEV_ARGS)

.PHONY: help
help:
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "%-15s %s\n", $$1, $$2}'
