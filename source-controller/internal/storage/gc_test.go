/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
)

// writeAged stores artifact name of object app with its modification time age in the past.
func writeAged(t *testing.T, s *Storage, name string, age time.Duration) meta.Artifact {
	t.Helper()
	art := s.NewArtifactFor("GitRepository", "default", "app", name, name)
	if err := s.CopyFromReader(&art, strings.NewReader(name)); err != nil {
		t.Fatal(err)
	}
	when := time.Now().Add(-age)
	if err := os.Chtimes(s.LocalPath(art), when, when); err != nil {
		t.Fatal(err)
	}
	return art
}

func TestGarbageCollect(t *testing.T) {
	tests := []struct {
		name        string
		records     int
		ttl         time.Duration
		current     string
		wantDeleted []string
	}{
		{
			name: "default keeps the current and the newest other", current: "a5.tar.gz",
			wantDeleted: []string{"a1.tar.gz", "a2.tar.gz", "a3.tar.gz"},
		},
		{
			name: "current is never deleted even when oldest", records: 2, current: "a1.tar.gz",
			wantDeleted: []string{"a2.tar.gz", "a3.tar.gz", "a4.tar.gz"},
		},
		{
			name: "three records", records: 3, current: "a3.tar.gz",
			wantDeleted: []string{"a1.tar.gz", "a2.tar.gz"},
		},
		{
			name: "one record keeps only the current", records: 1, current: "a5.tar.gz",
			wantDeleted: []string{"a1.tar.gz", "a2.tar.gz", "a3.tar.gz", "a4.tar.gz"},
		},
		{
			name: "ttl deletes older artifacts within the count", records: 10, ttl: 150 * time.Minute, current: "a1.tar.gz",
			wantDeleted: []string{"a2.tar.gz", "a3.tar.gz"},
		},
		{
			name: "more records than artifacts", records: 10, current: "a5.tar.gz",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStorage(t)
			s.RetentionRecords, s.RetentionTTL = tt.records, tt.ttl
			arts, fresh := fillObject(t, s)
			deleted, err := s.GarbageCollect(context.Background(), arts[tt.current])
			if err != nil {
				t.Fatal(err)
			}
			var wantDeleted []string
			for _, n := range append(slices.Clone(tt.wantDeleted), ".a0.tar.gz"+tempMarker+"456") {
				wantDeleted = append(wantDeleted, "gitrepository/default/app/"+n)
			}
			slices.Sort(deleted)
			slices.Sort(wantDeleted)
			if !slices.Equal(deleted, wantDeleted) {
				t.Errorf("deleted %v, want %v", deleted, wantDeleted)
			}
			for name, art := range arts {
				if want := !slices.Contains(tt.wantDeleted, name); s.ArtifactExist(art) != want {
					t.Errorf("%s exists: %v, want %v", name, !want, want)
				}
			}
			for _, p := range []string{fresh, filepath.Join(filepath.Dir(fresh), "latest.tar.gz")} {
				if _, err := os.Lstat(p); err != nil {
					t.Errorf("%s was removed: %v", filepath.Base(p), err)
				}
			}
		})
	}
}

// fillObject stores artifacts a1 (5h old) to a5 (1h old) of one object, a latest.tar.gz
// symlink to a5, a fresh temporary file (a write in progress, of another process: its path is
// returned) and a temporary file unmodified for an hour (the leftover of a crash).
func fillObject(t *testing.T, s *Storage) (map[string]meta.Artifact, string) {
	t.Helper()
	arts := map[string]meta.Artifact{}
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("a%d.tar.gz", i)
		arts[name] = writeAged(t, s, name, time.Duration(6-i)*time.Hour)
	}
	dir := filepath.Dir(s.LocalPath(arts["a1.tar.gz"]))
	if _, err := s.Symlink(arts["a5.tar.gz"], "latest.tar.gz"); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, ".a6.tar.gz"+tempMarker+"123")
	stale := filepath.Join(dir, ".a0.tar.gz"+tempMarker+"456")
	for _, p := range []string{fresh, stale} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	return arts, fresh
}

func TestGarbageCollectMissingDir(t *testing.T) {
	s := newStorage(t)
	art := s.NewArtifactFor("GitRepository", "default", "none", "x", "x.tar.gz")
	deleted, err := s.GarbageCollect(context.Background(), art)
	if err != nil || len(deleted) != 0 {
		t.Fatalf("GarbageCollect = %v, %v", deleted, err)
	}
}
