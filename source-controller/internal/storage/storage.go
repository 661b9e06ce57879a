/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package storage keeps the source-controller's artifacts on disk: one tarball per revision in
// a directory per object, written atomically, verified by digest, garbage collected past a
// retention count and age, and served over HTTP.
//
// Layout: <BasePath>/<kind lowercased>/<namespace>/<name>/<file>, advertised as
// http://<Hostname>/<kind lowercased>/<namespace>/<name>/<file>.
package storage

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tide-gitops/tide/internal/artifact"
)

// DefaultRetentionRecords is the number of artifacts kept per object when
// Storage.RetentionRecords is zero.
const DefaultRetentionRecords = 2

const (
	dirMode  = 0o755
	fileMode = 0o644
	// tempMarker is part of the name of every temporary file, which also starts with a dot.
	tempMarker = ".tmp-"
	// staleTempAge is how long a temporary file may go unmodified before garbage collection
	// takes it for the leftover of a crashed write.
	staleTempAge = 10 * time.Minute
)

// Storage manages the artifacts under BasePath. Its zero value, with BasePath and Hostname
// set, is ready to use. Writes, symlink updates, garbage collection and removal of one object
// are serialised in process: concurrent calls for the same object never interleave.
type Storage struct {
	// BasePath is the directory holding all artifacts.
	BasePath string
	// Hostname is the advertised host[:port] of the artifact server, used in artifact URLs.
	Hostname string
	// RetentionRecords is how many artifacts of an object garbage collection keeps, the
	// current one included (DefaultRetentionRecords when zero).
	RetentionRecords int
	// RetentionTTL, when positive, also makes garbage collection delete every artifact but the
	// current one that is older than it, whatever RetentionRecords says.
	RetentionTTL time.Duration

	mu    sync.Mutex
	locks map[string]*objectLock
}

type objectLock struct {
	mu   sync.Mutex
	refs int
}

// New returns a Storage rooted at basePath (created when missing and made absolute) that
// advertises URLs on hostname.
func New(basePath, hostname string, retentionRecords int, retentionTTL time.Duration) (*Storage, error) {
	abs, err := filepath.Abs(basePath)
	if err != nil {
		return nil, fmt.Errorf("resolving storage path %s: %w", basePath, err)
	}
	if err := os.MkdirAll(abs, dirMode); err != nil {
		return nil, fmt.Errorf("creating storage directory %s: %w", abs, err)
	}
	return &Storage{BasePath: abs, Hostname: hostname, RetentionRecords: retentionRecords, RetentionTTL: retentionTTL}, nil
}

// ArtifactPath returns the storage path "<kind lowercased>/<namespace>/<name>/<fileName>".
func ArtifactPath(kind, namespace, name, fileName string) string {
	return path.Join(strings.ToLower(kind), namespace, name, fileName)
}

// NewArtifactFor returns the artifact of an object for a revision, with its storage path and
// URL set; Archive or CopyFromReader fill in its digest, size and update time.
func (s *Storage) NewArtifactFor(kind, namespace, name, revision, fileName string) meta.Artifact {
	p := ArtifactPath(kind, namespace, name, fileName)
	return meta.Artifact{Path: p, URL: s.URLFor(p), Revision: revision}
}

// URLFor returns the HTTP URL of a storage path on the advertised Hostname.
func (s *Storage) URLFor(storagePath string) string {
	u := url.URL{Scheme: "http", Host: s.Hostname, Path: "/" + strings.TrimPrefix(storagePath, "/")}
	return u.String()
}

// SetArtifactURL rewrites art.URL for the current Hostname, e.g. after the advertised address
// changed.
func (s *Storage) SetArtifactURL(art *meta.Artifact) {
	if art != nil && art.Path != "" {
		art.URL = s.URLFor(art.Path)
	}
}

// LocalPath returns the file of an artifact on disk, or "" when art.Path is not a valid storage
// path (empty, absolute, with a ".." element or an element starting with a dot).
func (s *Storage) LocalPath(art meta.Artifact) string {
	lp, err := s.localPath(art)
	if err != nil {
		return ""
	}
	return lp
}

func (s *Storage) localPath(art meta.Artifact) (string, error) {
	if err := checkStoragePath(art.Path); err != nil {
		return "", err
	}
	return filepath.Join(s.BasePath, filepath.FromSlash(art.Path)), nil
}

func checkStoragePath(p string) error {
	if p == "" || !filepath.IsLocal(filepath.FromSlash(p)) {
		return fmt.Errorf("invalid artifact path %q", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || strings.HasPrefix(part, ".") {
			return fmt.Errorf("invalid artifact path %q: element %q", p, part)
		}
	}
	return nil
}

// lock serialises the operations on the object directory dir and returns the unlock function.
func (s *Storage) lock(dir string) func() {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*objectLock{}
	}
	l := s.locks[dir]
	if l == nil {
		l = &objectLock{}
		s.locks[dir] = l
	}
	l.refs++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.locks, dir)
		}
		s.mu.Unlock()
	}
}

// Archive writes the deterministic tarball of dir, without what filter (may be nil) skips, to
// the artifact's path, then sets art.Digest, art.Size and art.LastUpdateTime. The file appears
// at its path only once complete and synced; on failure nothing is left behind.
func (s *Storage) Archive(art *meta.Artifact, dir string, filter artifact.Filter) error {
	_, err := s.ArchiveWithStats(art, dir, filter)
	return err
}

// ArchiveWithStats is Archive, also returning what the archiver wrote and skipped (symlinks
// leaving the tree, special files), for events and logs.
func (s *Storage) ArchiveWithStats(art *meta.Artifact, dir string, filter artifact.Filter) (artifact.Stats, error) {
	var stats artifact.Stats
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return stats, fmt.Errorf("archiving %s: not a directory", dir)
	}
	err := s.write(art, func(w io.Writer) error {
		var err error
		stats, err = artifact.Archive(context.Background(), dir, w, filter)
		return err
	})
	return stats, err
}

// CopyFromReader writes what r yields to the artifact's path with the same guarantees as
// Archive, for artifacts stored as they come (e.g. an OCI layer in copy mode).
func (s *Storage) CopyFromReader(art *meta.Artifact, r io.Reader) error {
	return s.write(art, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// write runs fill on a temporary file next to the artifact's path, syncs it, renames it into
// place and syncs the directory, then records digest, size and time on art.
func (s *Storage) write(art *meta.Artifact, fill func(io.Writer) error) (err error) {
	lp, err := s.localPath(*art)
	if err != nil {
		return err
	}
	dir := filepath.Dir(lp)
	defer s.lock(dir)()
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("creating artifact directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(lp)+tempMarker+"*")
	if err != nil {
		return fmt.Errorf("creating temporary file for artifact %s: %w", art.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	dw := artifact.NewDigestWriter()
	if err := fill(io.MultiWriter(tmp, dw)); err != nil {
		return fmt.Errorf("writing artifact %s: %w", art.Path, err)
	}
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("writing artifact %s: %w", art.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing artifact %s to disk: %w", art.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing artifact %s: %w", art.Path, err)
	}
	if err := os.Rename(tmp.Name(), lp); err != nil {
		return fmt.Errorf("moving artifact %s into place: %w", art.Path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("syncing directory of artifact %s: %w", art.Path, err)
	}
	size := dw.Size()
	art.Digest = dw.Digest()
	art.Size = &size
	art.LastUpdateTime = metav1.Now()
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ArtifactExist reports whether the artifact's file exists as a regular file.
func (s *Storage) ArtifactExist(art meta.Artifact) bool {
	lp, err := s.localPath(art)
	if err != nil {
		return false
	}
	fi, err := os.Lstat(lp)
	return err == nil && fi.Mode().IsRegular()
}

// VerifyArtifact re-hashes the artifact's file and compares it with art.Digest (and its size
// with art.Size when set). A mismatch wraps *artifact.DigestMismatchError.
func (s *Storage) VerifyArtifact(art meta.Artifact) error {
	lp, err := s.localPath(art)
	if err != nil {
		return err
	}
	if art.Digest == "" {
		return fmt.Errorf("artifact %s has no digest to verify", art.Path)
	}
	if art.Size != nil {
		fi, err := os.Stat(lp)
		if err != nil {
			return fmt.Errorf("verifying artifact %s: %w", art.Path, err)
		}
		if fi.Size() != *art.Size {
			return fmt.Errorf("verifying artifact %s: size is %d bytes, expected %d", art.Path, fi.Size(), *art.Size)
		}
	}
	if err := artifact.VerifyFile(lp, art.Digest); err != nil {
		return fmt.Errorf("verifying artifact %s: %w", art.Path, err)
	}
	return nil
}

// ExtractArtifact extracts the stored artifact into dir, verifying its digest first, e.g. to
// include one GitRepository's artifact in another.
func (s *Storage) ExtractArtifact(art meta.Artifact, dir string) error {
	if err := s.VerifyArtifact(art); err != nil {
		return err
	}
	lp := s.LocalPath(art)
	f, err := os.Open(lp)
	if err != nil {
		return fmt.Errorf("opening artifact %s: %w", art.Path, err)
	}
	defer f.Close()
	if err := artifact.Extract(f, dir, artifact.ExtractOptions{}); err != nil {
		return fmt.Errorf("extracting artifact %s: %w", art.Path, err)
	}
	return nil
}

// Symlink points linkName, in the artifact's directory, at the artifact, replacing any previous
// link atomically, and returns the link's URL: a stable address of the newest artifact.
func (s *Storage) Symlink(art meta.Artifact, linkName string) (string, error) {
	lp, err := s.localPath(art)
	if err != nil {
		return "", err
	}
	if linkName == "" || strings.ContainsAny(linkName, `/\`) || strings.HasPrefix(linkName, ".") {
		return "", fmt.Errorf("invalid symlink name %q", linkName)
	}
	dir := filepath.Dir(lp)
	defer s.lock(dir)()
	tmp, err := os.CreateTemp(dir, "."+linkName+tempMarker+"*")
	if err != nil {
		return "", fmt.Errorf("creating symlink %s: %w", linkName, err)
	}
	tmp.Close()
	// CreateTemp reserved a unique name; the symlink takes its place.
	if err := os.Remove(tmp.Name()); err != nil {
		return "", fmt.Errorf("creating symlink %s: %w", linkName, err)
	}
	if err := os.Symlink(filepath.Base(lp), tmp.Name()); err != nil {
		return "", fmt.Errorf("creating symlink %s: %w", linkName, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, linkName)); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("replacing symlink %s: %w", linkName, err)
	}
	return s.URLFor(path.Join(path.Dir(art.Path), linkName)), nil
}

// RemoveAll deletes the directory of the artifact's object with everything in it, for an object
// being deleted. A directory already gone is not an error.
func (s *Storage) RemoveAll(art meta.Artifact) error {
	lp, err := s.localPath(art)
	if err != nil {
		return err
	}
	dir := filepath.Dir(lp)
	defer s.lock(dir)()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing artifacts of %s: %w", path.Dir(art.Path), err)
	}
	return nil
}
