/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package sourceignore

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/tide-gitops/tide/internal/artifact"
)

// baseTree holds a file for every default exclusion and a few that are always kept.
var baseTree = []string{
	".git/config", ".git/objects/ab/cdef", ".gitignore", ".gitmodules", ".gitattributes",
	"logo.png", "img/a.jpg", "img/b.jpeg", "img/c.gif", "video.wmv", "video.flv", "dist/x.tar.gz", "pkg.zip",
	".github/workflows/ci.yaml", ".circleci/config.yml", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml",
	".drone.yml", "cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml",
	".goreleaser.yml", "sub/.goreleaser.yml", ".sops.yaml", "deep/x/.sops.yaml", ".flux.yaml",
	"README.md", "notes.txt", "deploy/app.yaml", "deploy/README.md", "deploy/notes.txt",
	"charts/a/Chart.yaml", "charts/b/Chart.yaml",
}

// kept is what Flux's default exclusions leave of baseTree.
var kept = []string{
	"README.md", "charts/a/Chart.yaml", "charts/b/Chart.yaml",
	"deploy/README.md", "deploy/app.yaml", "deploy/notes.txt", "notes.txt",
}

func without(all []string, drop ...string) []string {
	var out []string
	for _, f := range all {
		if !slices.Contains(drop, f) {
			out = append(out, f)
		}
	}
	return out
}

func withFiles(all []string, add ...string) []string {
	out := append(slices.Clone(all), add...)
	slices.Sort(out)
	return out
}

func ptr(s string) *string { return &s }

// filterCases are the cases of TestNewFilter.
var filterCases = []struct {
	name    string
	ignores map[string]string // .sourceignore files by directory ("" is the root)
	spec    *string
	opts    []Option
	want    []string
}{
	{name: "defaults", want: kept},
	{name: "empty spec.ignore keeps the defaults", spec: ptr(""), want: kept},
	{name: "comment-only .sourceignore keeps the defaults", ignores: map[string]string{"": "# nothing\n\n   \n"}, want: withFiles(kept, ".sourceignore")},
	{
		name: "spec.ignore replaces the defaults but not the VCS patterns",
		spec: ptr("notes.txt"),
		want: without(baseTree, ".git/config", ".git/objects/ab/cdef", ".gitignore", ".gitmodules", ".gitattributes", "notes.txt", "deploy/notes.txt"),
	},
	{
		name: "Flux documentation example",
		spec: ptr("# exclude all\n/*\n# include deploy dir\n!/deploy\n# exclude file extensions from deploy dir\n/deploy/**/*.md\n/deploy/**/*.txt"),
		want: []string{"deploy/app.yaml"},
	},
	{
		name: "re-include below an excluded directory",
		spec: ptr("/*\n!/charts/a/"),
		want: []string{"charts/a/Chart.yaml"},
	},
	{
		name: "spec.ignore can re-include a VCS file",
		spec: ptr("!.gitignore\n*.md"),
		want: without(baseTree, ".git/config", ".git/objects/ab/cdef", ".gitmodules", ".gitattributes", "README.md", "deploy/README.md"),
	},
	{
		name:    "root .sourceignore replaces the defaults",
		ignores: map[string]string{"": "*.txt\r\n!deploy/notes.txt\r\n"},
		want: withFiles(without(baseTree, ".git/config", ".git/objects/ab/cdef", ".gitignore", ".gitmodules", ".gitattributes",
			"notes.txt"), ".sourceignore"),
	},
	{
		name:    "nested .sourceignore is scoped to its directory",
		ignores: map[string]string{"deploy": "*.txt\n/README.md", "charts": "b/"},
		spec:    ptr("*.png"),
		want: withFiles(without(baseTree, ".git/config", ".git/objects/ab/cdef", ".gitignore", ".gitmodules", ".gitattributes",
			"logo.png", "deploy/notes.txt", "deploy/README.md", "charts/b/Chart.yaml"), "deploy/.sourceignore", "charts/.sourceignore"),
	},
	{
		name:    "spec.ignore comes after .sourceignore files",
		ignores: map[string]string{"": "*.yaml"},
		spec:    ptr("!deploy/app.yaml"),
		want: []string{
			".sourceignore", "README.md", "deploy/README.md", "deploy/app.yaml", "deploy/notes.txt", "dist/x.tar.gz",
			"img/a.jpg", "img/b.jpeg", "img/c.gif", "logo.png", "notes.txt", "pkg.zip", "video.flv", "video.wmv",
			".circleci/config.yml", ".drone.yml", ".gitlab-ci.yml", ".goreleaser.yml", ".travis.yml", "appveyor.yml",
			"codeship-services.yml", "codeship-steps.yml", "sub/.goreleaser.yml",
		},
	},
	{
		name:    ".sourceignore inside .git is not read",
		ignores: map[string]string{".git": "*"},
		want:    kept,
	},
	{
		name: "without defaults",
		opts: []Option{WithoutDefaults()},
		spec: ptr("*.png\n.git/"),
		want: without(baseTree, ".git/config", ".git/objects/ab/cdef", "logo.png"),
	},
}

// TestNewFilter archives a real tree with the filter through artifact.Archive and compares the
// files that end up in the tarball.
func TestNewFilter(t *testing.T) {
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, baseTree)
			for d, content := range tt.ignores {
				writeFile(t, filepath.Join(dir, d, IgnoreFile), content)
			}
			filter, err := NewFilter(dir, tt.spec, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			got := archivedFiles(t, dir, filter)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("archived files:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestNewFilterPrunesOnlyWhenSafe checks the directory answers that let the archiver skip a
// subtree: only when no later "!" rule can re-include something below it.
func TestNewFilterPrunesOnlyWhenSafe(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		spec      *string
		path      string
		wantSkips bool
	}{
		{spec: nil, path: ".git", wantSkips: true},
		{spec: nil, path: ".github", wantSkips: true},
		{spec: nil, path: "deploy", wantSkips: false},
		{spec: ptr("/*\n!/deploy"), path: "charts", wantSkips: false},
		{spec: ptr("/*\n!/deploy"), path: ".git", wantSkips: false},
		{spec: ptr("!keep\n/*"), path: "charts", wantSkips: true},
	}
	for _, tt := range tests {
		filter, err := NewFilter(dir, tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := filter(tt.path, true); got != tt.wantSkips {
			t.Errorf("spec %v: filter(%q, dir) = %v, want %v", tt.spec, tt.path, got, tt.wantSkips)
		}
	}
}

// TestNewFilterIgnoreFileSafety reads no .sourceignore through a symlink leaving the tree, nor
// from a named pipe (which would block), and fails on an unreadable one.
func TestNewFilterIgnoreFileSafety(t *testing.T) {
	parent := t.TempDir()
	writeFile(t, filepath.Join(parent, "outside", "rules"), "*.yaml")
	dir := filepath.Join(parent, "repo")
	writeFiles(t, dir, []string{"a.yaml", "sub/b.yaml", "pipe/c.yaml"})
	if err := os.Symlink(filepath.Join(parent, "outside", "rules"), filepath.Join(dir, IgnoreFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside/rules", filepath.Join(dir, "sub", IgnoreFile)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe", IgnoreFile), 0o644); err != nil {
		t.Fatal(err)
	}
	filter, err := NewFilter(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.yaml", "sub/b.yaml", "pipe/c.yaml"} {
		if filter(p, false) {
			t.Errorf("%s excluded by rules read from outside the tree", p)
		}
	}
	if os.Getuid() == 0 {
		return // root reads any file
	}
	locked := filepath.Join(dir, "locked")
	writeFile(t, filepath.Join(locked, IgnoreFile), "*")
	if err := os.Chmod(filepath.Join(locked, IgnoreFile), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFilter(dir, nil); err == nil {
		t.Error("an unreadable .sourceignore was silently ignored")
	}
}

func TestNewKeyFilter(t *testing.T) {
	tests := []struct {
		name       string
		ignoreFile *string
		spec       *string
		skipped    []string
		kept       []string
	}{
		{
			name:    "no rules and no defaults",
			kept:    []string{"a.yaml", "logo.png", ".git/config", ".github/workflows/x.yaml", "dir/.sourceignore"},
			skipped: []string{".sourceignore", "dir/", "", "../escape", "a/../../b", "/abs"},
		},
		{
			name:       "ignore object then spec",
			ignoreFile: ptr("# docs\n*.md\n\n"),
			spec:       ptr("!README.md\nsecret/"),
			kept:       []string{"README.md", "app/x.yaml", "secret"},
			skipped:    []string{"docs/a.md", "secret/key.pem", "app/secret/x"},
		},
		{
			name:    "anchored patterns match from the bucket root, prefix included",
			spec:    ptr("/prefix/private/"),
			kept:    []string{"prefix/app.yaml", "other/prefix/private/x"},
			skipped: []string{"prefix/private/x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader
			if tt.ignoreFile != nil {
				r = strings.NewReader(*tt.ignoreFile)
			}
			filter, err := NewKeyFilter(r, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.kept {
				if filter(k) {
					t.Errorf("key %q skipped, want kept", k)
				}
			}
			for _, k := range tt.skipped {
				if !filter(k) {
					t.Errorf("key %q kept, want skipped", k)
				}
			}
		})
	}
}

func TestNewKeyFilterTooLarge(t *testing.T) {
	big := strings.Repeat("x\n", maxIgnoreFileSize)
	if _, err := NewKeyFilter(strings.NewReader(big), nil); err == nil {
		t.Fatal("expected an error for an oversized .sourceignore object")
	}
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFiles(t testing.TB, dir string, files []string) {
	t.Helper()
	for _, f := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(f)), "content of "+f)
	}
}

// archivedFiles archives dir with filter and returns the sorted names of the regular files.
func archivedFiles(t testing.TB, dir string, filter artifact.Filter) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := artifact.Archive(context.Background(), dir, &buf, filter); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var files []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files = append(files, h.Name)
		}
	}
	slices.Sort(files)
	return files
}
