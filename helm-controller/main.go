/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Command helm-controller runs tide's helm-controller. See setup.Spec for what it reconciles and
// internal/manager for its flags.
package main

import (
	"github.com/tide-gitops/tide/helm-controller/setup"
	"github.com/tide-gitops/tide/internal/manager"
)

func main() {
	manager.Main(setup.Spec())
}
