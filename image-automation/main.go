/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Command image-automation runs tide's image-automation. See setup.Spec for what it reconciles and
// internal/manager for its flags.
package main

import (
	"github.com/tide-gitops/tide/image-automation/setup"
	"github.com/tide-gitops/tide/internal/manager"
)

func main() {
	manager.Main(setup.Spec())
}
