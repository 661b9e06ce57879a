/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tide-gitops/tide/internal/yamlguard"
)

// errReadOnly is returned by every write operation of rootFS: a build never writes into the artifact.
var errReadOnly = errors.New("the artifact is read-only during a build")

// rootFS is a read-only kustomize filesystem confined to one directory tree (the extracted artifact).
// Every path is resolved through its symlinks before use and refused when it ends up outside the root, so
// kustomize never reads through a symlink that points out of the artifact. Generated files (the
// kustomization.yaml that carries the Kustomization's spec fields) live in memory in overrides and shadow the
// disk, which keeps the artifact directory untouched and shareable between concurrent builds.
type rootFS struct {
	root string
	// extra is a second allowed prefix (kustomize's clone directories when remote bases are allowed).
	extra     string
	overrides map[string][]byte
	// dirs are generated directories (which hold generated files only).
	dirs map[string]bool
}

var _ filesys.FileSystem = (*rootFS)(nil)

// newRootFS returns a rootFS for root, which must exist and be a directory.
func newRootFS(root string, allowRemote bool) (*rootFS, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifact directory %q: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("artifact directory %q: %w", root, err)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("artifact directory %q is not a directory", root)
	}
	r := &rootFS{root: real, overrides: map[string][]byte{}, dirs: map[string]bool{}}
	if allowRemote {
		if tmp, err := filepath.EvalSymlinks(os.TempDir()); err == nil {
			r.extra = filepath.Join(tmp, "kustomize-")
		}
	}
	return r, nil
}

// within reports whether the absolute, clean path p is root itself or below it (or below the extra prefix).
func (r *rootFS) within(p string) bool {
	if p == r.root || strings.HasPrefix(p, r.root+string(filepath.Separator)) {
		return true
	}
	return r.extra != "" && strings.HasPrefix(p, r.extra)
}

// rel names p for messages: relative to the artifact root when inside it.
func (r *rootFS) rel(p string) string {
	if rel, err := filepath.Rel(r.root, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// resolve turns path into an absolute path with every symlink resolved, and refuses it when it or the target
// of one of its symlinks is outside the root. A path that does not exist resolves through its parent.
func (r *rootFS) resolve(path string) (string, error) {
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.root, p)
	}
	p = filepath.Clean(p)
	if _, ok := r.overrides[p]; ok || r.dirs[p] {
		return p, nil
	}
	if !r.within(p) {
		return "", fmt.Errorf("path %q is outside the artifact: refused", path)
	}
	real, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		if p == r.root {
			return "", err
		}
		dir, err := r.resolve(filepath.Dir(p))
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, filepath.Base(p)), nil
	}
	if err != nil {
		return "", fmt.Errorf("resolving %q: %w", r.rel(p), err)
	}
	if !r.within(real) {
		return "", fmt.Errorf("%q is a symlink to %q outside the artifact: refused", r.rel(p), real)
	}
	return real, nil
}

// Create is refused: the build is read-only.
func (r *rootFS) Create(path string) (filesys.File, error) { return nil, errReadOnly }

// Mkdir is refused: the build is read-only.
func (r *rootFS) Mkdir(path string) error { return errReadOnly }

// MkdirAll is refused: the build is read-only.
func (r *rootFS) MkdirAll(path string) error { return errReadOnly }

// RemoveAll removes only kustomize's own clone directories (when remote bases are allowed).
func (r *rootFS) RemoveAll(path string) error {
	p := filepath.Clean(path)
	if r.extra != "" && strings.HasPrefix(p, r.extra) {
		return os.RemoveAll(p)
	}
	return errReadOnly
}

// WriteFile is refused: the build is read-only.
func (r *rootFS) WriteFile(path string, data []byte) error { return errReadOnly }

// Open opens a file for reading: read whole, and guarded as ReadFile.
func (r *rootFS) Open(path string) (filesys.File, error) {
	p, err := r.resolve(path)
	if err != nil {
		return nil, err
	}
	data, err := r.readResolved(p)
	if err != nil {
		return nil, err
	}
	f := &memFile{Reader: bytes.NewReader(data)}
	if _, generated := r.overrides[p]; !generated {
		f.info, _ = os.Stat(p)
	}
	return f, nil
}

// IsDir reports whether path is a directory inside the root.
func (r *rootFS) IsDir(path string) bool {
	p, err := r.resolve(path)
	if err != nil {
		return false
	}
	if _, ok := r.overrides[p]; ok {
		return false
	}
	if r.dirs[p] {
		return true
	}
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// ReadDir lists the names in a directory, generated files included.
func (r *rootFS) ReadDir(path string) ([]string, error) {
	p, err := r.resolve(path)
	if err != nil {
		return nil, err
	}
	var entries []os.DirEntry
	if !r.dirs[p] {
		if entries, err = os.ReadDir(p); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		seen[e.Name()] = true
		names = append(names, e.Name())
	}
	for o := range r.overrides {
		if filepath.Dir(o) == p && !seen[filepath.Base(o)] {
			names = append(names, filepath.Base(o))
		}
	}
	return names, nil
}

// CleanedAbs returns the confirmed directory and file name of path, as kustomize's loader expects.
func (r *rootFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	p, err := r.resolve(path)
	if err != nil {
		return "", "", err
	}
	if r.IsDir(p) {
		return filesys.ConfirmedDir(p), "", nil
	}
	if !r.Exists(p) {
		return "", "", fmt.Errorf("%q does not exist in the artifact", r.rel(p))
	}
	return filesys.ConfirmedDir(filepath.Dir(p)), filepath.Base(p), nil
}

// Exists reports whether path exists inside the root.
func (r *rootFS) Exists(path string) bool {
	p, err := r.resolve(path)
	if err != nil {
		return false
	}
	if _, ok := r.overrides[p]; ok || r.dirs[p] {
		return true
	}
	_, err = os.Stat(p)
	return err == nil
}

// Glob returns the matches of pattern that resolve inside the root.
func (r *rootFS) Glob(pattern string) ([]string, error) {
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(r.root, pattern)
	}
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		if _, err := r.resolve(m); err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// ReadFile reads a file inside the root, or a generated one. A file whose YAML aliases would expand it
// without bound when kyaml de-anchors it is refused (see yamlguard).
func (r *rootFS) ReadFile(path string) ([]byte, error) {
	p, err := r.resolve(path)
	if err != nil {
		return nil, err
	}
	return r.readResolved(p)
}

// readResolved is ReadFile of a path resolve returned.
func (r *rootFS) readResolved(p string) ([]byte, error) {
	if data, ok := r.overrides[p]; ok {
		return data, nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if err := yamlguard.CheckAliases(data); err != nil {
		return nil, fmt.Errorf("%s: %w", r.rel(p), err)
	}
	return data, nil
}

// Walk walks the tree at path without following symlinks.
func (r *rootFS) Walk(path string, walkFn filepath.WalkFunc) error {
	p, err := r.resolve(path)
	if err != nil {
		return err
	}
	return filepath.Walk(p, walkFn)
}

// memFile is a file opened for reading, held in memory.
type memFile struct {
	*bytes.Reader
	// info describes the file on disk; nil for a generated file.
	info os.FileInfo
}

// Close does nothing.
func (f *memFile) Close() error { return nil }

// Write is refused: generated files are read-only.
func (f *memFile) Write([]byte) (int, error) { return 0, errReadOnly }

// Stat describes the file on disk; it is not supported for generated files.
func (f *memFile) Stat() (os.FileInfo, error) {
	if f.info == nil {
		return nil, errors.New("stat of a generated file is not supported")
	}
	return f.info, nil
}
