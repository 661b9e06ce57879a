/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package manager

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
)

// TestCaptureStderr: lines printed to os.Stderr become log entries (kustomize's "# " prefix dropped, blank
// lines skipped, a huge line bounded), and os.Stderr is restored.
func TestCaptureStderr(t *testing.T) {
	var (
		mu      sync.Mutex
		entries []string
	)
	log := funcr.New(func(_, args string) {
		mu.Lock()
		defer mu.Unlock()
		entries = append(entries, args)
	}, funcr.Options{})
	orig := os.Stderr
	restore, err := CaptureStderr(log)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead.")
	fmt.Fprint(os.Stderr, "\n  \nsecond line\n"+strings.Repeat("x", 10<<10))
	restore()
	if os.Stderr != orig {
		t.Fatal("os.Stderr not restored")
	}
	if len(entries) != 3 {
		t.Fatalf("entries = %d, want 3: %q", len(entries), entries)
	}
	for i, want := range []string{`"level"=0 "msg"="Warning: 'commonLabels' is deprecated. Please use 'labels' instead."`, `"level"=0 "msg"="second line"`} {
		if entries[i] != want {
			t.Errorf("entry %d = %s, want %s", i, entries[i], want)
		}
	}
	if n := len(entries[2]); n > maxStderrLine+32 || !strings.HasSuffix(entries[2], `..."`) {
		t.Errorf("a 10 KiB line is logged as %d bytes (%.40s...), want it cut at %d", n, entries[2], maxStderrLine)
	}
}
