/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package process

import (
	"fmt"
	"net"
)

// Attempts is how often servers try to start on a free port (see OnFreePort).
const Attempts = 5

// FreePort asks the kernel for a free TCP port on host and returns it, e.g. "40123".
func FreePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return "", fmt.Errorf("reading port of %s: %w", l.Addr(), err)
	}
	return port, nil
}

// OnFreePort calls start with a free port on host (see FreePort) and returns what it returns. A free port
// can be taken by someone else between probing and the server binding it: when start fails and the
// process it returns (ended, or nil) says so (see Process.PortInUse), OnFreePort tries again with another
// port, calling start at most attempts times in all.
func OnFreePort(host string, attempts int, start func(port string) (*Process, error)) (*Process, error) {
	for i := 1; ; i++ {
		port, err := FreePort(host)
		if err != nil {
			return nil, err
		}
		p, err := start(port)
		if err == nil || i >= attempts || !p.PortInUse() {
			return p, err
		}
	}
}
