/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestArchiveEntries(t *testing.T) {
	tests := []struct {
		name   string
		tree   map[string]file
		dirs   []string // extra empty directories
		filter Filter
		want   []entry
	}{
		{
			name: "sorted files and parent directories",
			tree: map[string]file{"b.txt": {content: "b"}, "a/z.yaml": {content: "z"}, "a/b/c.yaml": {content: "c"}},
			want: []entry{
				{name: "a/", typ: tar.TypeDir, mode: 0o755},
				{name: "a/b/", typ: tar.TypeDir, mode: 0o755},
				{name: "a/b/c.yaml", typ: tar.TypeReg, mode: 0o644, body: "c"},
				{name: "a/z.yaml", typ: tar.TypeReg, mode: 0o644, body: "z"},
				{name: "b.txt", typ: tar.TypeReg, mode: 0o644, body: "b"},
			},
		},
		{
			name: "executable bit normalised to 0755",
			tree: map[string]file{"run.sh": {content: "#!/bin/sh", exec: true}},
			want: []entry{{name: "run.sh", typ: tar.TypeReg, mode: 0o755, body: "#!/bin/sh"}},
		},
		{
			name: "empty directories are left out",
			tree: map[string]file{"f": {content: "x"}},
			dirs: []string{"empty", "nested/empty"},
			want: []entry{{name: "f", typ: tar.TypeReg, mode: 0o644, body: "x"}},
		},
		{
			name:   "filter skips a file",
			tree:   map[string]file{"keep.yaml": {content: "k"}, "drop.png": {content: "p"}},
			filter: func(p string, _ bool) bool { return strings.HasSuffix(p, ".png") },
			want:   []entry{{name: "keep.yaml", typ: tar.TypeReg, mode: 0o644, body: "k"}},
		},
		{
			name:   "filter prunes a directory",
			tree:   map[string]file{".git/config": {content: "c"}, ".git/objects/x": {content: "o"}, "app/k.yaml": {content: "k"}},
			filter: func(p string, isDir bool) bool { return isDir && p == ".git" },
			want: []entry{
				{name: "app/", typ: tar.TypeDir, mode: 0o755},
				{name: "app/k.yaml", typ: tar.TypeReg, mode: 0o644, body: "k"},
			},
		},
		{
			name: "empty tree",
			tree: map[string]file{},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.tree)
			for _, d := range tt.dirs {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			b, _ := archiveBytes(t, dir, tt.filter)
			got := listTar(t, b)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("entries:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestArchiveSymlinks builds a repository whose symlinks point inside it, outside it, through
// "..", at directories, nowhere and at each other, and checks that only links resolving to
// files inside the repository are stored and that nothing from outside is read.
func TestArchiveSymlinks(t *testing.T) {
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	repo := filepath.Join(parent, "repo")
	const secret = "TOP-SECRET-OUTSIDE-CONTENT"
	writeTree(t, outside, map[string]file{"secret.txt": {content: secret}})
	writeTree(t, repo, map[string]file{"file.txt": {content: "inside"}, "sub/data.yaml": {content: "data"}})
	links := map[string]string{
		"link-file":          "file.txt",                                       // stored
		"chain":              "link-file",                                      // stored through a chain
		"sub/up":             "../file.txt",                                    // ".." that stays inside: stored
		"sub/dirlink":        "../sub",                                         // directory: skipped
		"escape-rel":         "../outside/secret.txt",                          // outside: skipped
		"sub/escape-deep":    "../../outside/secret.txt",                       // outside: skipped
		"escape-abs":         filepath.Join(outside, "secret.txt"),             // absolute: skipped
		"abs-inside":         filepath.Join(repo, "file.txt"),                  // absolute, even inside: skipped
		"outdir":             "../outside",                                     // directory outside: skipped
		"through-outdir":     "outdir/secret.txt",                              // through a link leaving the root: skipped
		"dangling":           "does-not-exist",                                 // skipped
		"loop-a":             "loop-b",                                         // loop: skipped
		"loop-b":             "loop-a",                                         // loop: skipped
		"etc-passwd":         "/etc/passwd",                                    // skipped
		"sub/escape-chained": "../escape-rel",                                  // chain leaving the root: skipped
		"dotdot-maze":        "sub/../sub/../../repo/../outside/secret.txt",    // skipped
		"inside-maze":        "sub/../sub/./data.yaml",                         // stored
		"self-dir":           ".",                                              // directory: skipped
		"parent-dir":         "..",                                             // skipped
		"deep-parent":        "../../../../../../../../../../../../etc/shadow", // skipped
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(repo, name)); err != nil {
			t.Fatal(err)
		}
	}

	b, st := archiveBytes(t, repo, nil)
	if bytes.Contains(b, []byte(secret)) {
		t.Fatal("archive contains content from outside the repository")
	}
	got := map[string]string{}
	for _, e := range listTar(t, b) {
		if e.typ != tar.TypeDir && e.typ != tar.TypeReg {
			t.Errorf("entry %s has type %c", e.name, e.typ)
		}
		if e.typ == tar.TypeReg {
			got[e.name] = e.body
		}
		if strings.Contains(e.body, secret) {
			t.Errorf("entry %s holds the outside secret", e.name)
		}
	}
	want := map[string]string{
		"file.txt": "inside", "sub/data.yaml": "data",
		"link-file": "inside", "chain": "inside", "sub/up": "inside", "inside-maze": "data",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files:\n got %v\nwant %v", got, want)
	}
	if st.SymlinksStored != 4 || st.SymlinksSkipped != len(links)-4 || st.Files != 6 {
		t.Errorf("stats = %+v, want 4 stored, %d skipped, 6 files", st, len(links)-4)
	}
	if data, err := os.ReadFile(filepath.Join(outside, "secret.txt")); err != nil || string(data) != secret {
		t.Errorf("outside file changed: %q, %v", data, err)
	}
}

func TestArchiveSkipsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]file{"a.txt": {content: "a"}})
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A fifo behind a symlink must not block the archiver either.
	if err := os.Symlink("fifo", filepath.Join(dir, "to-fifo")); err != nil {
		t.Fatal(err)
	}
	// Unix socket paths are limited to about 100 bytes, so listen from inside dir.
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", "sock")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	b, st := archiveBytes(t, dir, nil)
	if got := names(listTar(t, b)); got != "a.txt" {
		t.Errorf("entries = %s, want a.txt", got)
	}
	if st.SpecialSkipped != 2 || st.SymlinksSkipped != 1 {
		t.Errorf("stats = %+v, want 2 special and 1 symlink skipped", st)
	}
}

// TestArchiveDeterministic archives the same content written twice, in a different order, with
// different times and modes that normalise alike, and expects the same bytes.
func TestArchiveDeterministic(t *testing.T) {
	tree := map[string]file{
		"deploy/app.yaml": {content: "kind: Deployment"}, "deploy/svc.yaml": {content: "kind: Service"},
		"README.md": {content: "# readme"}, "bin/tool": {content: "#!/bin/sh", exec: true},
		strings.Repeat("long-name/", 15) + "file.yaml": {content: "deep"},
	}
	one, two := t.TempDir(), t.TempDir()
	writeTree(t, one, tree)
	// Write the second copy file by file in reverse order with other mtimes and modes.
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		writeTree(t, two, map[string]file{keys[i]: tree[keys[i]]})
		p := filepath.Join(two, keys[i])
		old := time.Now().Add(-time.Duration(i+1) * time.Hour)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		if !tree[keys[i]].exec {
			if err := os.Chmod(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, _ := archiveBytes(t, one, nil)
	b, _ := archiveBytes(t, two, nil)
	again, _ := archiveBytes(t, one, nil)
	if DigestBytes(a) != DigestBytes(b) || DigestBytes(a) != DigestBytes(again) {
		t.Fatalf("digests differ: %s %s %s", DigestBytes(a), DigestBytes(b), DigestBytes(again))
	}
	writeTree(t, two, map[string]file{"README.md": {content: "# changed"}})
	c, _ := archiveBytes(t, two, nil)
	if DigestBytes(a) == DigestBytes(c) {
		t.Fatal("digest did not change with the content")
	}
}

func TestArchiveRoundTrip(t *testing.T) {
	tree := map[string]file{
		"a.yaml": {content: "a: 1"}, "dir/b.yaml": {content: "b: 2"}, "dir/sub/run.sh": {content: "echo", exec: true},
		"empty.txt": {}, "big.bin": {content: strings.Repeat("0123456789abcdef", 100_000)},
		"spaces and ünïcode/ä b.txt": {content: "u"},
	}
	src := t.TempDir()
	writeTree(t, src, tree)
	b, st := archiveBytes(t, src, nil)
	if st.Files != len(tree) {
		t.Errorf("stats.Files = %d, want %d", st.Files, len(tree))
	}
	dst := filepath.Join(t.TempDir(), "out")
	if err := Extract(bytes.NewReader(b), dst, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dst); !reflect.DeepEqual(got, tree) {
		t.Errorf("round trip differs:\n got %v\nwant %v", got, tree)
	}
}

// TestArchiveReadBySystemTar checks that GNU tar reads what Archive writes.
func TestArchiveReadBySystemTar(t *testing.T) {
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("tar not installed")
	}
	tree := map[string]file{"a.yaml": {content: "a"}, "x/y/z.txt": {content: "z"}, "x/run": {content: "r", exec: true}}
	src := t.TempDir()
	writeTree(t, src, tree)
	b, _ := archiveBytes(t, src, nil)
	tgz := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := os.WriteFile(tgz, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if out, err := exec.Command(tarBin, "xzf", tgz, "-C", dst).CombinedOutput(); err != nil {
		t.Fatalf("tar xzf: %v: %s", err, out)
	}
	if got := readTree(t, dst); !reflect.DeepEqual(got, tree) {
		t.Errorf("tar extracted %v, want %v", got, tree)
	}
}

func TestArchiveCanceled(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]file{"a": {content: "a"}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if _, err := Archive(ctx, dir, &buf, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestArchiveMissingDir(t *testing.T) {
	var buf bytes.Buffer
	_, err := Archive(context.Background(), filepath.Join(t.TempDir(), "nope"), &buf, nil)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v, want an error naming the directory", err)
	}
}
