/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package manager

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/go-logr/logr"
)

// maxStderrLine bounds one captured line in a log entry.
const maxStderrLine = 4 << 10

// CaptureStderr routes what libraries print to os.Stderr through log, one entry per line, until the returned
// function is called. kustomize, for one, prints a deprecation warning there ("# Warning: 'commonLabels' is
// deprecated...") on every build of a kustomization that uses such a field, which would break a controller's
// one-JSON-object-per-line output. Call it once the logger is set up: the logger keeps the standard error it
// was given. The Go runtime writes a crash to file descriptor 2 directly, so crashes still show.
func CaptureStderr(log logr.Logger) (restore func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("capturing standard error: %w", err)
	}
	orig := os.Stderr
	os.Stderr = w
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if s := strings.TrimPrefix(strings.TrimSpace(line), "# "); s != "" {
				if len(s) > maxStderrLine {
					s = s[:maxStderrLine] + "..."
				}
				log.Info(s)
			}
			if err != nil {
				return
			}
		}
	}()
	return func() {
		os.Stderr = orig
		_ = w.Close()
		<-done
		_ = r.Close()
	}, nil
}
