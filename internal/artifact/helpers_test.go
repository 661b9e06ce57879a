/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file describes a regular file of a test tree.
type file struct {
	content string
	exec    bool
}

// writeTree creates the files of tree (slash-separated paths) under dir.
func writeTree(t testing.TB, dir string, tree map[string]file) {
	t.Helper()
	for name, f := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := fs.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(f.content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree returns the regular files under dir, failing on anything that is neither a regular
// file nor a directory.
func readTree(t testing.TB, dir string) map[string]file {
	t.Helper()
	tree := map[string]file{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			t.Errorf("unexpected non-regular entry %s (%v)", p, d.Type())
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tree[filepath.ToSlash(rel)] = file{content: string(b), exec: info.Mode().Perm()&0o111 != 0}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// archiveBytes archives dir with filter and returns the tarball.
func archiveBytes(t testing.TB, dir string, filter Filter) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Archive(context.Background(), dir, &buf, filter)
	if err != nil {
		t.Fatalf("Archive(%s): %v", dir, err)
	}
	return buf.Bytes(), st
}

// entry is one header of a tarball, as listed by listTar or written by makeTar.
type entry struct {
	name     string
	typ      byte
	mode     int64
	body     string
	linkname string
	size     int64 // written as the header size when non-zero, whatever the body
}

// listTar returns the entries of a gzip-compressed tarball.
func listTar(t testing.TB, b []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.ModTime.Unix() != 0 {
			t.Errorf("entry %s carries environment data: %+v", h.Name, h)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{name: h.Name, typ: h.Typeflag, mode: h.Mode, body: string(body)})
	}
}

// makeTar writes entries as a tarball, gzip-compressed when gz is set.
func makeTar(t testing.TB, entries []entry, gz bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		size := int64(0)
		if typ == tar.TypeReg {
			size = int64(len(e.body))
			if e.size != 0 {
				size = e.size
			}
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: mode, Size: size, Linkname: e.linkname}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg && e.body != "" {
			if _, err := io.WriteString(tw, e.body); err != nil && e.size == 0 {
				t.Fatal(err)
			}
		}
	}
	// A header size larger than the body leaves the stream truncated, as intended by such tests.
	_ = tw.Flush()
	_ = tw.Close()
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// assertOnly fails when anything under parent other than the listed top-level names exists.
func assertOnly(t testing.TB, parent string, allowed ...string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		ok := false
		for _, a := range allowed {
			if e.Name() == a {
				ok = true
			}
		}
		if !ok {
			t.Errorf("unexpected %s in %s", e.Name(), parent)
		}
	}
}

// names returns the names of entries, joined for messages.
func names(entries []entry) string {
	var s []string
	for _, e := range entries {
		s = append(s, e.name)
	}
	return strings.Join(s, ",")
}
