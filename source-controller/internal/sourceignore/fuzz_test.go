/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package sourceignore

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzIgnore parses arbitrary pattern text, as a .sourceignore file at the root and in a
// subdirectory, as spec.ignore and as a bucket's .sourceignore object, and matches arbitrary
// paths. Nothing may panic, and whenever a directory is reported as skippable whole, every path
// below it must be excluded too.
func FuzzIgnore(f *testing.F) {
	f.Add("*.yaml\n!keep.yaml", "dir/keep.yaml")
	f.Add("/*\n!/deploy\n/deploy/**/*.md", "deploy/sub/README.md")
	f.Add("# comment\n\n  \n\\#not-comment\n\\!x", "#not-comment")
	f.Add("[", "a/[")
	f.Add("**/**/a\n**\n/**/\n!**/b/**", "x/a/b/c")
	f.Add("a/\n!a/b\r\n", "a/b/c")
	f.Add("\\", "a\\b")
	f.Add(".git/\n!.git/config", ".git/config")
	f.Fuzz(func(t *testing.T, patterns, relPath string) {
		if len(patterns) > 1<<16 {
			return
		}
		keyFilter, err := NewKeyFilter(strings.NewReader(patterns), &patterns)
		if err != nil {
			t.Fatal(err)
		}
		keyFilter(relPath)

		dir := t.TempDir()
		if strings.ContainsRune(patterns, 0) {
			patterns = strings.ReplaceAll(patterns, "\x00", "")
		}
		writeFile(t, filepath.Join(dir, IgnoreFile), patterns)
		writeFile(t, filepath.Join(dir, "sub", IgnoreFile), patterns)
		parts := pathParts(relPath)
		for _, opts := range [][]Option{nil, {WithoutDefaults()}} {
			for _, spec := range []*string{nil, &patterns} {
				filter, err := NewFilter(dir, spec, opts...)
				if err != nil {
					t.Fatal(err)
				}
				checkPruning(t, filter, parts)
				for _, p := range []string{"sub/" + strings.Join(parts, "/"), relPath} {
					filter(p, false)
					filter(p, true)
				}
			}
		}
	})
}

// pathParts splits a fuzzed path into at most 8 non-empty elements.
func pathParts(p string) []string {
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && len(parts) < 8 {
			parts = append(parts, s)
		}
	}
	return parts
}

// checkPruning verifies that a directory reported as skippable whole has every descendant on
// the path excluded, as a file and as a directory.
func checkPruning(t *testing.T, filter func(string, bool) bool, parts []string) {
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		if !filter(dir, true) {
			continue
		}
		for j := i + 1; j <= len(parts); j++ {
			below := strings.Join(parts[:j], "/")
			if !filter(below, false) || !filter(below, true) {
				t.Fatalf("directory %q is skipped whole but %q below it is not excluded", dir, below)
			}
		}
		return
	}
}
