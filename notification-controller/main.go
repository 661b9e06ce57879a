/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Command notification-controller runs tide's notification-controller. See setup.Spec for what it reconciles and
// internal/manager for its flags.
package main

import (
	"github.com/tide-gitops/tide/internal/manager"
	"github.com/tide-gitops/tide/notification-controller/setup"
)

func main() {
	manager.Main(setup.Spec())
}
