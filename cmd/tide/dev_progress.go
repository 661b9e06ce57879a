/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints `tide dev`'s plain progress lines ("► starting ...", "✔ ... (3.4s)", "✗ ..."); they read
// the same on a terminal and in a log. It is safe for concurrent use and is itself an io.Writer, so that
// multi-line output (trees) is never interleaved with progress lines.
type progress struct {
	mu    sync.Mutex
	out   io.Writer
	start time.Time
}

func newProgress(out io.Writer) *progress {
	return &progress{out: out, start: time.Now()}
}

// Write writes b as it is.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// line prints one line as it is.
func (p *progress) line(format string, args ...any) {
	_, _ = fmt.Fprintf(p, format+"\n", args...)
}

// step announces something that starts now.
func (p *progress) step(format string, args ...any) { p.line("► "+format, args...) }

// ok reports something done.
func (p *progress) ok(format string, args ...any) { p.line("✔ "+format, args...) }

// fail reports a failure that `tide dev` survives (the controllers retry, the user can fix and commit).
func (p *progress) fail(format string, args ...any) { p.line("✗ "+format, args...) }

// done reports the end of the run with its duration.
func (p *progress) done(what string) { p.ok("%s (%s)", what, p.elapsed()) }

// elapsed is the time since `tide dev` started, rounded for reading.
func (p *progress) elapsed() string { return roundDuration(time.Since(p.start)) }

// roundDuration renders d with a precision that suits it: 850ms, 3.4s, 1m12s.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}
