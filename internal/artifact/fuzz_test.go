/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// FuzzExtract feeds arbitrary bytes to Extract: it must never panic, never write next to or
// outside its target, and only ever create regular files and directories with normalised modes.
func FuzzExtract(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("not an archive at all"))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	seeds := [][]entry{
		{{name: "a.yaml", body: "a"}, {name: "dir/", typ: tar.TypeDir}, {name: "dir/b", body: "b", mode: 0o755}},
		{{name: "../evil", body: "x"}},
		{{name: "/abs/evil", body: "x"}},
		{{name: "link", typ: tar.TypeSymlink, linkname: "../outside"}, {name: "link/evil", body: "x"}},
		{{name: "hard", typ: tar.TypeLink, linkname: "/etc/passwd"}, {name: "hard", body: "x"}},
		{{name: "dev", typ: tar.TypeChar}, {name: "./a/./b/../c", body: "x"}},
		{{name: "a", body: "file"}, {name: "a/b", body: "under a file"}},
		{{name: "big", body: "x", size: 1 << 30}},
	}
	for _, s := range seeds {
		f.Add(makeTar(f, s, true))
		f.Add(makeTar(f, s, false))
	}
	src := f.TempDir()
	writeTree(f, src, map[string]file{"x/y.yaml": {content: "y"}, "run": {content: "r", exec: true}})
	valid, _ := archiveBytes(f, src, nil)
	f.Add(valid)

	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		target := filepath.Join(parent, "target")
		_ = Extract(bytes.NewReader(data), target, ExtractOptions{MaxBytes: 1 << 20, MaxFiles: 100})
		assertOnly(t, parent, "target")
		err := filepath.WalkDir(target, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == target && os.IsNotExist(err) {
					return nil
				}
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			mode := info.Mode()
			switch {
			case mode.IsDir():
				if mode.Perm() != 0o755 {
					t.Errorf("%s: directory mode %v", p, mode)
				}
			case mode.IsRegular():
				if perm := mode.Perm(); perm != 0o644 && perm != 0o755 {
					t.Errorf("%s: file mode %v", p, mode)
				}
			default:
				t.Errorf("%s: unexpected type %v", p, mode)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzSecret is the content of a file outside the archived tree; it must never reach an archive.
const fuzzSecret = "fuzz-secret-3f9a1c7e5b2d4a6f8e0c"

// FuzzArchiveRoundTrip builds a tree from fuzzed names (a line per file; a line "@target name"
// makes a symlink) and content, next to a secret file outside the tree. Archiving it twice must
// give the same bytes, the archive must not contain the secret, and extracting it must give back
// every regular file with its content.
func FuzzArchiveRoundTrip(f *testing.F) {
	f.Add("a.yaml\nb/c.yaml\nb/d/e.txt", []byte("content"), false)
	f.Add("run.sh", []byte("#!/bin/sh\n"), true)
	f.Add("@../outside/secret.txt leak\n@a.yaml ok\na.yaml", []byte("x"), false)
	f.Add("@/etc/passwd abs\n@. self\n@.. up\n@loop loop", []byte{}, false)
	f.Add("x/y\nx\n..\n.\n./z", []byte("conflicts"), false)
	f.Fuzz(func(t *testing.T, spec string, content []byte, exec bool) {
		parent := t.TempDir()
		writeTree(t, filepath.Join(parent, "outside"), map[string]file{"secret.txt": {content: fuzzSecret}})
		repo := filepath.Join(parent, "repo")
		want := buildFuzzTree(t, repo, spec, content, exec)

		a, _ := archiveBytes(t, repo, nil)
		b, _ := archiveBytes(t, repo, nil)
		if !bytes.Equal(a, b) {
			t.Fatal("archiving the same tree twice gave different bytes")
		}
		if !bytes.Contains(content, []byte(fuzzSecret)) && bytes.Contains(gunzip(t, a), []byte(fuzzSecret)) {
			t.Fatal("archive contains the content of a file outside the tree")
		}
		dst := filepath.Join(parent, "out")
		if err := Extract(bytes.NewReader(a), dst, ExtractOptions{}); err != nil {
			t.Fatalf("extracting an archive written by Archive: %v", err)
		}
		got := readTree(t, dst)
		for name, f := range want {
			if g, ok := got[name]; !ok || g != f {
				t.Errorf("%s: extracted %+v (present: %v), want %+v", name, g, ok, f)
			}
		}
	})
}

// buildFuzzTree creates the files and symlinks described by spec under repo and returns the
// regular files it created.
func buildFuzzTree(t *testing.T, repo, spec string, content []byte, exec bool) map[string]file {
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]file{}
	lines := strings.Split(spec, "\n")
	if len(lines) > 20 {
		lines = lines[:20]
	}
	for i, line := range lines {
		if target, name, ok := strings.Cut(line, " "); ok && strings.HasPrefix(target, "@") {
			if n := fuzzName(name); n != "" && !strings.ContainsRune(target, 0) {
				_ = os.Symlink(target[1:], filepath.Join(repo, n))
			}
			continue
		}
		name := fuzzName(line)
		if name == "" {
			continue
		}
		p := filepath.Join(repo, filepath.FromSlash(name))
		if !realDirs(repo, name) || os.MkdirAll(filepath.Dir(p), 0o755) != nil {
			continue
		}
		body := append(append([]byte{}, content...), byte(i))
		mode := os.FileMode(0o644)
		if exec {
			mode = 0o755
		}
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if os.WriteFile(p, body, mode) == nil {
			want[name] = file{content: string(body), exec: exec}
		}
	}
	return want
}

// realDirs reports whether every existing parent of name under repo is a real directory, so a
// file written there does not go through a symlink.
func realDirs(repo, name string) bool {
	dir := repo
	parts := strings.Split(name, "/")
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		fi, err := os.Lstat(dir)
		if os.IsNotExist(err) {
			return true
		}
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// fuzzName turns a fuzzed line into a safe relative path, or "" when nothing usable is left.
func fuzzName(line string) string {
	var parts []string
	for _, p := range strings.Split(line, "/") {
		if p == "" || p == "." || p == ".." || len(p) > 40 || strings.ContainsRune(p, 0) {
			continue
		}
		parts = append(parts, p)
		if len(parts) == 6 {
			break
		}
	}
	return strings.Join(parts, "/")
}

func gunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestArchiveSymlinkToSecretNeverLeaks is the fixed-case counterpart of FuzzArchiveRoundTrip's
// secret check, with every way to name the outside file.
func TestArchiveSymlinkToSecretNeverLeaks(t *testing.T) {
	parent := t.TempDir()
	writeTree(t, filepath.Join(parent, "outside"), map[string]file{"secret.txt": {content: fuzzSecret}})
	repo := filepath.Join(parent, "repo")
	for i, target := range []string{
		"../outside/secret.txt", filepath.Join(parent, "outside", "secret.txt"), "./../outside/secret.txt",
		"sub/../../outside/secret.txt", "../repo/../outside/secret.txt",
	} {
		writeTree(t, repo, map[string]file{"sub/keep": {content: "k"}})
		if err := os.Symlink(target, filepath.Join(repo, "l"+string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	a, st := archiveBytes(t, repo, nil)
	if bytes.Contains(gunzip(t, a), []byte(fuzzSecret)) {
		t.Fatal("archive contains the outside secret")
	}
	if st.SymlinksSkipped != 5 {
		t.Errorf("stats = %+v, want 5 skipped symlinks", st)
	}
}
