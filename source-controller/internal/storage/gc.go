/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
)

// GarbageCollect deletes old artifacts from the directory of the current artifact's object and
// returns the storage paths it deleted. It keeps the current artifact and the newest
// RetentionRecords-1 other artifacts (by modification time), except that with a positive
// RetentionTTL any artifact but the current one older than the TTL goes too. Symlinks and
// directories are left alone, and so are temporary files of writes in progress; temporary files
// unmodified for ten minutes are leftovers of an interrupted write and are deleted.
func (s *Storage) GarbageCollect(ctx context.Context, current meta.Artifact) ([]string, error) {
	lp, err := s.localPath(current)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(lp)
	defer s.lock(dir)()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing artifacts of %s: %w", path.Dir(current.Path), err)
	}
	garbage, err := s.garbage(ctx, entries, filepath.Base(lp))
	if err != nil {
		return nil, err
	}
	var deleted, failed []string
	for _, name := range garbage {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			failed = append(failed, name)
			continue
		}
		deleted = append(deleted, path.Join(path.Dir(current.Path), name))
	}
	if len(failed) > 0 {
		return deleted, fmt.Errorf("garbage collecting artifacts of %s: could not delete %s",
			path.Dir(current.Path), strings.Join(failed, ", "))
	}
	return deleted, nil
}

type candidate struct {
	name    string
	modTime time.Time
}

// garbage returns the names of the entries to delete, given the current artifact's file name.
func (s *Storage) garbage(ctx context.Context, entries []fs.DirEntry, current string) ([]string, error) {
	now := time.Now()
	var garbage []string
	var others []candidate
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.Name() == current || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // deleted meanwhile
		}
		if isTemp(e.Name()) {
			if now.Sub(info.ModTime()) > staleTempAge {
				garbage = append(garbage, e.Name())
			}
			continue
		}
		if !info.Mode().IsRegular() {
			continue
		}
		others = append(others, candidate{name: e.Name(), modTime: info.ModTime()})
	}
	// Newest first; equal times by name, for a stable choice.
	slices.SortFunc(others, func(a, b candidate) int {
		if c := b.modTime.Compare(a.modTime); c != 0 {
			return c
		}
		return cmp.Compare(b.name, a.name)
	})
	keep := s.RetentionRecords
	if keep <= 0 {
		keep = DefaultRetentionRecords
	}
	keep-- // the current artifact is one of them
	for i, c := range others {
		expired := s.RetentionTTL > 0 && now.Sub(c.modTime) > s.RetentionTTL
		if i >= keep || expired {
			garbage = append(garbage, c.name)
		}
	}
	return garbage, nil
}

// isTemp tells whether name is a temporary file of Archive, CopyFromReader or Symlink.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}
