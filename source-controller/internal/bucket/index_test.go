/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestRevision pins the revision format to Flux's: sha256 over sorted "<key> <etag>\n" lines.
func TestRevision(t *testing.T) {
	for _, tc := range []struct {
		name string
		idx  Index
		want string
	}{
		// Flux's documented revision of an empty bucket (the SHA-256 of no bytes).
		{"empty", Index{}, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"nil", nil, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		// printf 'a.yaml 1\nb/c.yaml 2\n' | sha256sum
		{"two objects", Index{"b/c.yaml": "2", "a.yaml": "1"},
			"sha256:346a07e8a20ea9b116008abffa224a2a98db6a5455985a799ce1a9abe4674e78"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Revision(tc.idx); got != tc.want {
				t.Fatalf("Revision = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestLocalPath lists the keys that map to files and those refused.
func TestLocalPath(t *testing.T) {
	for _, tc := range []struct {
		key, want string // want "" means refused
	}{
		{"app.yaml", "app.yaml"},
		{"deploy/overlays/prod.yaml", filepath.Join("deploy", "overlays", "prod.yaml")},
		{"..data", "..data"},
		{"a/...", filepath.Join("a", "...")},
		{"dir.with.dots/f", filepath.Join("dir.with.dots", "f")},
		{`a\b`, `a\b`},
		{"日本/設定.yaml", filepath.Join("日本", "設定.yaml")},
		{"", ""},
		{"..", ""},
		{".", ""},
		{"../x", ""},
		{"a/../../x", ""},
		{"a/..", ""},
		{"./a", ""},
		{"a/./b", ""},
		{"/etc/passwd", ""},
		{"a//b", ""},
		{"dir/", ""},
		{`..\x`, ""},
		{`a\..\..\x`, ""},
		{"a\x00b", ""},
	} {
		got, err := LocalPath(tc.key)
		if tc.want == "" {
			var unsafe *UnsafeKeyError
			if !errors.As(err, &unsafe) || unsafe.Key != tc.key {
				t.Errorf("LocalPath(%q) = %q, %v; want an UnsafeKeyError", tc.key, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("LocalPath(%q) = %q, %v; want %q", tc.key, got, err, tc.want)
		}
	}
}

// FuzzLocalPath checks, for any key, that an accepted key maps to a local path that stays inside any
// directory and is the key itself (so two keys never share a path), and that a refused key says why.
func FuzzLocalPath(f *testing.F) {
	for _, seed := range []string{
		"app.yaml", "deploy/a/b.yaml", "../x", "a/../b", "/abs", "a//b", "dir/", ".", "..", "...", `a\..\b`,
		"a\x00b", "C:/x", `C:\x`, "~/x", "$HOME/x", "a/ /b", " ", "\xff\xfe", "a/.../b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		p, err := LocalPath(key)
		if err != nil {
			var unsafe *UnsafeKeyError
			if !errors.As(err, &unsafe) || unsafe.Key != key || unsafe.Reason == "" {
				t.Fatalf("LocalPath(%q): error %v is not a complete UnsafeKeyError", key, err)
			}
			return
		}
		if !filepath.IsLocal(p) {
			t.Fatalf("LocalPath(%q) = %q, not a local path", key, p)
		}
		if path.Clean(key) != key || filepath.ToSlash(p) != key {
			t.Fatalf("LocalPath(%q) = %q, not the canonical key", key, p)
		}
		for seg := range strings.SplitSeq(filepath.ToSlash(p), "/") {
			if seg == ".." || seg == "." || seg == "" {
				t.Fatalf("LocalPath(%q) = %q has segment %q", key, p, seg)
			}
		}
		dir := filepath.Join(string(filepath.Separator), "artifact")
		if joined := filepath.Join(dir, p); !strings.HasPrefix(joined, dir+string(filepath.Separator)) {
			t.Fatalf("LocalPath(%q) = %q leaves %s: %s", key, p, dir, joined)
		}
	})
}
