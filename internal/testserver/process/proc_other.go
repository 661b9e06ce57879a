//go:build !linux

/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package process

import "syscall"

// sysProcAttr returns nil: only Linux can tie the child's life to the parent's.
func sysProcAttr() *syscall.SysProcAttr { return nil }
