/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package artifact writes, reads, digests and downloads the tar.gz artifacts that the
// source-controller serves and the other controllers consume.
//
// Archive produces a deterministic tarball of a directory: the same tree always yields the same
// bytes and so the same digest. Extract unpacks an archive without ever writing outside its target
// directory. Fetch downloads an artifact, verifies its digest while streaming and extracts it
// atomically.
package artifact

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
)

const (
	// dirMode is the mode of every directory entry in an archive and of extracted directories.
	dirMode = 0o755
	// fileMode is the mode of non-executable files in an archive and of extracted files.
	fileMode = 0o644
	// exeMode is the mode of files that had any execute bit set.
	exeMode = 0o755

	copyBufferSize = 256 << 10
)

// epoch is the modification time stored for every entry, so the archive does not depend on when
// the files were written.
var epoch = time.Unix(0, 0).UTC()

// Filter decides whether an entry is left out of an archive. relPath is slash-separated and
// relative to the archived directory; isDir tells whether the entry is a directory. Returning
// true for a directory leaves out the directory and everything below it.
type Filter func(relPath string, isDir bool) (skip bool)

// Stats counts what Archive wrote and what it left out.
type Stats struct {
	// Files is the number of regular files written, including symlinks stored as files.
	Files int
	// Dirs is the number of directory entries written.
	Dirs int
	// Bytes is the total uncompressed size of the files written.
	Bytes int64
	// Filtered is the number of entries the filter left out (a directory counts once).
	Filtered int
	// SymlinksStored is the number of symlinks stored as the regular file they resolve to.
	SymlinksStored int
	// SymlinksSkipped is the number of symlinks left out because they resolve to a directory,
	// point outside the archived directory, are absolute, dangle or loop.
	SymlinksSkipped int
	// SpecialSkipped is the number of devices, sockets and named pipes left out.
	SpecialSkipped int
}

// Archive writes a gzip-compressed tarball of dir to w, leaving out the entries filter (which
// may be nil) skips. The result is deterministic: entries are sorted by name, times, owners and
// names of owners are zeroed, directories get mode 0755 and files 0644 (0755 when any execute
// bit was set). Directories appear only when they contain a written file.
//
// A symlink that resolves, possibly through other symlinks, to a regular file inside dir is
// stored as a regular file with that content. Any other symlink (to a directory, outside dir,
// absolute, dangling or looping) is left out and counted in Stats; nothing outside dir is ever
// read. Devices, sockets and named pipes are left out too.
func Archive(ctx context.Context, dir string, w io.Writer, filter Filter) (Stats, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Stats{}, fmt.Errorf("opening directory %s to archive: %w", dir, err)
	}
	defer root.Close()

	bw := bufio.NewWriterSize(w, copyBufferSize)
	gz, err := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if err != nil {
		return Stats{}, fmt.Errorf("creating gzip writer: %w", err)
	}
	a := &archiver{
		ctx:     ctx,
		root:    root,
		filter:  filter,
		tw:      tar.NewWriter(gz),
		written: map[string]bool{},
		buf:     make([]byte, copyBufferSize),
	}
	if err := a.walk(""); err != nil {
		return a.stats, fmt.Errorf("archiving %s: %w", dir, err)
	}
	if err := a.tw.Close(); err != nil {
		return a.stats, fmt.Errorf("finishing tar stream of %s: %w", dir, err)
	}
	if err := gz.Close(); err != nil {
		return a.stats, fmt.Errorf("finishing gzip stream of %s: %w", dir, err)
	}
	if err := bw.Flush(); err != nil {
		return a.stats, fmt.Errorf("writing archive of %s: %w", dir, err)
	}
	return a.stats, nil
}

type archiver struct {
	ctx     context.Context
	root    *os.Root
	filter  Filter
	tw      *tar.Writer
	stats   Stats
	written map[string]bool // directory entries already written
	buf     []byte
}

func (a *archiver) skip(rel string, isDir bool) bool {
	if a.filter != nil && a.filter(rel, isDir) {
		a.stats.Filtered++
		return true
	}
	return false
}

// walk archives the directory rel ("" is the root) and everything below it.
func (a *archiver) walk(rel string) error {
	entries, err := a.readDir(rel)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := a.ctx.Err(); err != nil {
			return err
		}
		child := path.Join(rel, e.Name())
		mode := e.Type()
		switch {
		case mode.IsDir():
			if a.skip(child, true) {
				continue
			}
			if err := a.walk(child); err != nil {
				return err
			}
		case mode.IsRegular():
			if a.skip(child, false) {
				continue
			}
			if err := a.addFile(child, false); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			if a.skip(child, false) {
				continue
			}
			if err := a.addSymlink(child); err != nil {
				return err
			}
		default:
			a.stats.SpecialSkipped++
		}
	}
	return nil
}

func (a *archiver) readDir(rel string) ([]fs.DirEntry, error) {
	name := rel
	if name == "" {
		name = "."
	}
	d, err := a.root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening directory %q: %w", name, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("reading directory %q: %w", name, err)
	}
	slices.SortFunc(entries, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
	return entries, nil
}

// addSymlink stores the regular file a symlink resolves to inside the root, or counts the link
// as skipped. os.Root refuses links that leave the root or are absolute.
func (a *archiver) addSymlink(rel string) error {
	fi, err := a.root.Stat(rel)
	if err != nil || !fi.Mode().IsRegular() {
		a.stats.SymlinksSkipped++
		return nil
	}
	return a.addFile(rel, true)
}

// addFile writes the regular file rel. O_NONBLOCK keeps a file swapped for a named pipe after
// the directory was read from blocking the open; such entries are skipped after fstat.
func (a *archiver) addFile(rel string, viaLink bool) error {
	f, err := a.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if viaLink || errors.Is(err, fs.ErrNotExist) {
			a.countSkipped(viaLink)
			return nil
		}
		return fmt.Errorf("opening %q: %w", rel, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading attributes of %q: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		a.countSkipped(viaLink)
		return nil
	}
	if err := a.writeParents(rel); err != nil {
		return err
	}
	mode := int64(fileMode)
	if fi.Mode().Perm()&0o111 != 0 {
		mode = exeMode
	}
	size := fi.Size()
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     rel,
		Size:     size,
		Mode:     mode,
		ModTime:  epoch,
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing header of %q: %w", rel, err)
	}
	n, err := io.CopyBuffer(a.tw, io.LimitReader(f, size), a.buf)
	if err != nil {
		return fmt.Errorf("writing content of %q: %w", rel, err)
	}
	if n != size {
		return fmt.Errorf("file %q shrank from %d to %d bytes while it was archived", rel, size, n)
	}
	a.stats.Files++
	a.stats.Bytes += size
	if viaLink {
		a.stats.SymlinksStored++
	}
	return nil
}

func (a *archiver) countSkipped(viaLink bool) {
	if viaLink {
		a.stats.SymlinksSkipped++
	} else {
		a.stats.SpecialSkipped++
	}
}

// writeParents writes the directory entries above rel that are not written yet, outermost first.
func (a *archiver) writeParents(rel string) error {
	parent := path.Dir(rel)
	if parent == "." || a.written[parent] {
		return nil
	}
	if err := a.writeParents(parent); err != nil {
		return err
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeDir,
		Name:     parent + "/",
		Mode:     dirMode,
		ModTime:  epoch,
	}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing directory entry %q: %w", parent, err)
	}
	a.written[parent] = true
	a.stats.Dirs++
	return nil
}
