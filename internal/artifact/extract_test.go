/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestExtractRefusesEscapes feeds crafted archives that try to write outside the target and
// checks that extraction fails or stays inside, and that nothing appears next to the target.
func TestExtractRefusesEscapes(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		wantErr error // nil: extraction succeeds but must stay inside
		want    map[string]file
	}{
		{name: "dot-dot", entries: []entry{{name: "../evil", body: "x"}}, wantErr: ErrUnsafePath},
		{name: "dot-dot nested", entries: []entry{{name: "a/../../evil", body: "x"}}, wantErr: ErrUnsafePath},
		{name: "dot-dot after dot", entries: []entry{{name: "./../evil", body: "x"}}, wantErr: ErrUnsafePath},
		{name: "absolute", entries: []entry{{name: "/abs/evil", body: "x"}}, wantErr: ErrUnsafePath},
		{name: "dot-dot directory", entries: []entry{{name: "../evil-dir/", typ: tar.TypeDir}}, wantErr: ErrUnsafePath},
		{name: "dot-dot symlink name", entries: []entry{{name: "../evil-link", typ: tar.TypeSymlink, linkname: "/etc"}}, wantErr: ErrUnsafePath},
		{
			name: "symlink entry then a file through it",
			entries: []entry{
				{name: "link", typ: tar.TypeSymlink, linkname: "../outside"},
				{name: "link/evil", body: "x"},
			},
			want: map[string]file{"link/evil": {content: "x"}},
		},
		{
			name: "absolute symlink entry then a file through it",
			entries: []entry{
				{name: "etc", typ: tar.TypeSymlink, linkname: "/etc"},
				{name: "etc/evil", body: "x"},
			},
			want: map[string]file{"etc/evil": {content: "x"}},
		},
		{
			name: "hard link to an outside file then a write to it",
			entries: []entry{
				{name: "passwd", typ: tar.TypeLink, linkname: "/etc/passwd"},
				{name: "passwd", body: "overwritten"},
			},
			want: map[string]file{"passwd": {content: "overwritten"}},
		},
		{
			name: "devices and fifos are skipped",
			entries: []entry{
				{name: "null", typ: tar.TypeChar},
				{name: "disk", typ: tar.TypeBlock},
				{name: "pipe", typ: tar.TypeFifo},
				{name: "ok.yaml", body: "ok"},
			},
			want: map[string]file{"ok.yaml": {content: "ok"}},
		},
	}
	for _, tt := range tests {
		for _, gz := range []bool{true, false} {
			name := tt.name
			if !gz {
				name += " (plain tar)"
			}
			t.Run(name, func(t *testing.T) {
				parent := t.TempDir()
				target := filepath.Join(parent, "target")
				err := Extract(bytes.NewReader(makeTar(t, tt.entries, gz)), target, ExtractOptions{})
				assertOnly(t, parent, "target")
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("err = %v, want %v", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := readTree(t, target); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("extracted %v, want %v", got, tt.want)
				}
			})
		}
	}
}

// TestExtractRefusesExistingSymlinks extracts into a directory that already holds symlinks
// pointing outside it: writes through them are refused and the outside stays untouched.
func TestExtractRefusesExistingSymlinks(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
	}{
		{name: "file through a directory link", entries: []entry{{name: "out/evil", body: "x"}}},
		{name: "directory through a directory link", entries: []entry{{name: "out/sub/", typ: tar.TypeDir}}},
		{name: "file replacing a file link", entries: []entry{{name: "victim", body: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			outside := filepath.Join(parent, "outside")
			writeTree(t, outside, map[string]file{"victim.txt": {content: "original"}})
			target := filepath.Join(parent, "target")
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(target, "out")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, "victim.txt"), filepath.Join(target, "victim")); err != nil {
				t.Fatal(err)
			}
			err := Extract(bytes.NewReader(makeTar(t, tt.entries, true)), target, ExtractOptions{})
			if !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("err = %v, want ErrUnsafePath", err)
			}
			if got := readTree(t, outside); !reflect.DeepEqual(got, map[string]file{"victim.txt": {content: "original"}}) {
				t.Errorf("outside changed: %v", got)
			}
		})
	}
}

func TestExtractModes(t *testing.T) {
	entries := []entry{
		{name: "dir/", typ: tar.TypeDir, mode: 0o777},
		{name: "dir/world-writable", body: "w", mode: 0o666},
		{name: "dir/setuid", body: "s", mode: 0o4755},
		{name: "dir/private", body: "p", mode: 0o600},
	}
	target := filepath.Join(t.TempDir(), "t")
	if err := Extract(bytes.NewReader(makeTar(t, entries, true)), target, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"dir": 0o755 | os.ModeDir, "dir/world-writable": 0o644, "dir/setuid": 0o755, "dir/private": 0o644}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(target, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), mode)
		}
	}
}

func TestExtractLimits(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		opts    ExtractOptions
		wantErr error
	}{
		{
			name:    "too many files",
			entries: []entry{{name: "a", body: "a"}, {name: "b", body: "b"}, {name: "c", body: "c"}},
			opts:    ExtractOptions{MaxFiles: 2},
			wantErr: ErrTooManyFiles,
		},
		{
			name:    "skipped entries count too",
			entries: []entry{{name: "l1", typ: tar.TypeSymlink, linkname: "x"}, {name: "l2", typ: tar.TypeSymlink, linkname: "x"}},
			opts:    ExtractOptions{MaxFiles: 1},
			wantErr: ErrTooManyFiles,
		},
		{
			name:    "too many bytes in total",
			entries: []entry{{name: "a", body: "0123456789"}, {name: "b", body: "0123456789"}},
			opts:    ExtractOptions{MaxBytes: 15},
			wantErr: ErrTooLarge,
		},
		{
			name:    "header claims a huge file",
			entries: []entry{{name: "bomb", body: "x", size: 1 << 40}},
			opts:    ExtractOptions{},
			wantErr: ErrTooLarge,
		},
		{
			name:    "exactly at the limits",
			entries: []entry{{name: "a", body: "0123456789"}, {name: "b", body: "01234"}},
			opts:    ExtractOptions{MaxBytes: 15, MaxFiles: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Extract(bytes.NewReader(makeTar(t, tt.entries, true)), t.TempDir(), tt.opts)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestExtractCorrupt(t *testing.T) {
	good := makeTar(t, []entry{{name: "a.yaml", body: "abc"}}, true)
	tests := map[string][]byte{
		"truncated gzip":     good[:len(good)/2],
		"gzip magic only":    {0x1f, 0x8b},
		"truncated tar body": makeTar(t, []entry{{name: "a", body: "abc", size: 4096}}, false),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if err := Extract(bytes.NewReader(b), t.TempDir(), ExtractOptions{}); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
	t.Run("empty input is an empty archive", func(t *testing.T) {
		if err := Extract(bytes.NewReader(nil), t.TempDir(), ExtractOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestExtractSystemTar extracts an archive written by GNU tar, with its "./" prefixes.
func TestExtractSystemTar(t *testing.T) {
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("tar not installed")
	}
	tree := map[string]file{"a.yaml": {content: "a"}, "x/y.txt": {content: "y"}, "x/run": {content: "r", exec: true}}
	src := t.TempDir()
	writeTree(t, src, tree)
	if err := os.Symlink("a.yaml", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	tgz := filepath.Join(t.TempDir(), "a.tgz")
	if out, err := exec.Command(tarBin, "czf", tgz, "-C", src, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar czf: %v: %s", err, out)
	}
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dst := t.TempDir()
	if err := Extract(f, dst, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dst); !reflect.DeepEqual(got, tree) {
		t.Errorf("extracted %v, want %v (the symlink skipped)", got, tree)
	}
}
