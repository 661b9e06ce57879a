#!/usr/bin/env bash
# Shared settings for hack/ scripts. Source it; it defines no side effects beyond variables.
# Everything tide builds for its tooling is cached outside the repository, so a fresh clone reuses it.
TIDE_CACHE=${TIDE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tide}
K8S_VERSION=${K8S_VERSION:-v1.37.2}            # k8s.io/kubernetes module version (kube-apiserver, kube-controller-manager)
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}          # go.etcd.io/etcd/server/v3 module version
CONTROLLER_TOOLS_VERSION=${CONTROLLER_TOOLS_VERSION:-v0.23.0}
KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-$TIDE_CACHE/k8s-$K8S_VERSION}
CONTROLLER_GEN=$TIDE_CACHE/tools/controller-gen-$CONTROLLER_TOOLS_VERSION/controller-gen
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--buildvcs=false}
