/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDevExit runs `tide dev --exit` (the README's first command) against a fresh state directory and then
// again on the same directory, which must resume it.
func TestDevExit(t *testing.T) {
	state := t.TempDir()
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		var out bytes.Buffer
		cmd := newRootCommand()
		cmd.SetOut(&out)
		cmd.SetArgs([]string{"dev", "--exit", "--state-dir", state, "--manifests", filepath.Join("..", "..", "manifests")})
		err := cmd.ExecuteContext(ctx)
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		for _, want := range []string{"installed 13 CRDs", "GitRepository", "v1*, v1beta2", "HelmRelease", "v2*, v2beta2", "Receiver"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %d: output lacks %q:\n%s", run, want, out.String())
			}
		}
	}
}
