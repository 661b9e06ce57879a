/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
)

const (
	// DefaultMaxBytes is the default cap on the total uncompressed size of extracted files.
	DefaultMaxBytes int64 = 1 << 30
	// DefaultMaxFiles is the default cap on the number of entries of an extracted archive.
	DefaultMaxFiles = 100_000
)

var (
	// ErrUnsafePath marks an archive entry that would be written outside the target directory:
	// an absolute path, a path with "..", or a path through a symbolic link.
	ErrUnsafePath = errors.New("unsafe path in archive")
	// ErrTooLarge marks an archive whose files add up to more than ExtractOptions.MaxBytes.
	ErrTooLarge = errors.New("archive too large")
	// ErrTooManyFiles marks an archive with more entries than ExtractOptions.MaxFiles.
	ErrTooManyFiles = errors.New("archive has too many entries")
)

// ExtractOptions bounds what Extract writes. Zero values mean the defaults.
type ExtractOptions struct {
	// MaxBytes caps the total uncompressed size of the extracted files (default 1 GiB).
	MaxBytes int64
	// MaxFiles caps the number of archive entries, skipped ones included (default 100,000).
	MaxFiles int
}

func (o ExtractOptions) withDefaults() ExtractOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	return o
}

// Extract unpacks a gzip-compressed or plain tar stream into dir, creating dir when missing.
//
// It never writes outside dir: an entry with an absolute path, a ".." component, or a path
// through a symbolic link makes it fail with ErrUnsafePath. Symlink, hard link, device and named
// pipe entries are skipped. Files are created with mode 0644 (0755 when the entry had an execute
// bit) and directories with 0755. It fails with ErrTooLarge or ErrTooManyFiles past the limits
// of opts. On failure dir may hold part of the archive; Fetch extracts into a temporary
// directory to avoid that.
func Extract(r io.Reader, dir string, opts ExtractOptions) error {
	opts = opts.withDefaults()
	src, err := decompress(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("opening directory %s: %w", dir, err)
	}
	defer root.Close()
	x := &extractor{root: root, opts: opts, dirs: map[string]bool{}}
	if err := x.run(tar.NewReader(src)); err != nil {
		return fmt.Errorf("extracting archive into %s: %w", dir, err)
	}
	return nil
}

// decompress returns a reader of the tar stream: r itself when it does not start with the gzip
// magic bytes, a gzip reader otherwise.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading archive: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header of archive: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

type extractor struct {
	root    *os.Root
	opts    ExtractOptions
	dirs    map[string]bool // directories known to be real directories (not symlinks)
	entries int
	bytes   int64
}

func (x *extractor) run(tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		x.entries++
		if x.entries > x.opts.MaxFiles {
			return fmt.Errorf("%w: more than %d entries", ErrTooManyFiles, x.opts.MaxFiles)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // the archive root itself, e.g. "./"
		}
		switch hdr.Typeflag {
		case tar.TypeReg, '\x00':
			if strings.HasSuffix(hdr.Name, "/") {
				err = x.ensureDir(name)
			} else {
				err = x.writeFile(name, hdr, tr)
			}
		case tar.TypeDir:
			err = x.ensureDir(name)
		default:
			// Symlinks, hard links, devices, fifos and anything unknown are skipped.
		}
		if err != nil {
			return err
		}
	}
}

// entryName validates an archive entry name and returns it cleaned, slash-separated and
// relative; "" stands for the root.
func entryName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: entry with an empty name", ErrUnsafePath)
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", fmt.Errorf("%w: absolute path %q", ErrUnsafePath, name)
	}
	if strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%w: path %q contains a NUL byte", ErrUnsafePath, name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: path %q leaves the target directory", ErrUnsafePath, name)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", fmt.Errorf("%w: path %q is not local", ErrUnsafePath, name)
	}
	return clean, nil
}

// ensureDir creates the directory rel and its parents, refusing any existing component that is
// a symbolic link or not a directory.
func (x *extractor) ensureDir(rel string) error {
	if rel == "." || rel == "" || x.dirs[rel] {
		return nil
	}
	if err := x.ensureDir(path.Dir(rel)); err != nil {
		return err
	}
	fi, err := x.root.Lstat(rel)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %q is a symbolic link", ErrUnsafePath, rel)
	case err == nil && !fi.IsDir():
		return fmt.Errorf("archive entry %q needs a directory where a file already is", rel)
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if err := x.root.Mkdir(rel, dirMode); err != nil {
			return fmt.Errorf("creating directory %q: %w", rel, err)
		}
	default:
		return fmt.Errorf("inspecting %q: %w", rel, err)
	}
	x.dirs[rel] = true
	return nil
}

func (x *extractor) writeFile(rel string, hdr *tar.Header, r io.Reader) error {
	if hdr.Size > x.opts.MaxBytes-x.bytes {
		return fmt.Errorf("%w: files add up to more than %d bytes", ErrTooLarge, x.opts.MaxBytes)
	}
	if err := x.ensureDir(path.Dir(rel)); err != nil {
		return err
	}
	fi, err := x.root.Lstat(rel)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %q is a symbolic link", ErrUnsafePath, rel)
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("archive entry %q would replace a directory or special file", rel)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("inspecting %q: %w", rel, err)
	}
	mode := fs.FileMode(fileMode)
	if hdr.Mode&0o111 != 0 {
		mode = exeMode
	}
	f, err := x.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("creating %q: %w", rel, err)
	}
	n, err := io.Copy(f, io.LimitReader(r, hdr.Size))
	x.bytes += n
	if err == nil && n != hdr.Size {
		err = fmt.Errorf("archive ends inside %q", rel)
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %q: %w", rel, err)
	}
	return nil
}
