/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package process

import "syscall"

// sysProcAttr makes the kernel kill the child when the test process dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
