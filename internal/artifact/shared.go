/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"container/list"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Shared keeps extracted artifacts on disk, keyed by digest, so that every object built from the same artifact
// (a fleet of Kustomizations of one GitRepository) reads one extracted copy instead of downloading and
// extracting its own. Readers must not write into a shared directory. Concurrent requests for a digest wait for
// one fetch. At most max directories are kept; the least recently used one no reader holds is removed first.
type Shared struct {
	root string
	max  int

	mu      sync.Mutex
	entries map[string]*sharedEntry
	lru     *list.List // of *sharedEntry, most recently used first
	seq     int
}

type sharedEntry struct {
	digest string
	dir    string
	refs   int
	done   chan struct{} // closed when the fetch ended
	err    error
	elem   *list.Element
}

// NewShared returns a Shared keeping up to max artifacts in directories under root (created if missing).
func NewShared(root string, max int) (*Shared, error) {
	if max < 1 {
		max = 1
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating the shared artifact directory: %w", err)
	}
	return &Shared{root: root, max: max, entries: map[string]*sharedEntry{}, lru: list.New()}, nil
}

// Acquire returns the directory holding the artifact of digest, calling fetch(dir) to fill a new directory
// when it is not kept yet. The directory stays in place until release is called. A failed fetch is returned to
// the caller and to those waiting on it, and nothing is kept, so the next Acquire fetches again.
func (s *Shared) Acquire(ctx context.Context, digest string, fetch func(dir string) error) (dir string, release func(), err error) {
	if err := ValidateDigest(digest); err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	e, found := s.entries[digest]
	if found {
		e.refs++
		s.lru.MoveToFront(e.elem)
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			s.release(e)
			return "", nil, ctx.Err()
		}
		if e.err != nil {
			s.release(e)
			return "", nil, e.err
		}
		return e.dir, func() { s.release(e) }, nil
	}
	s.seq++
	e = &sharedEntry{digest: digest, dir: filepath.Join(s.root, fmt.Sprintf("a%d", s.seq)), refs: 1, done: make(chan struct{})}
	e.elem = s.lru.PushFront(e)
	s.entries[digest] = e
	s.mu.Unlock()

	e.err = fetch(e.dir)
	if e.err != nil {
		s.mu.Lock()
		s.forget(e)
		s.mu.Unlock()
		_ = os.RemoveAll(e.dir)
	}
	close(e.done)
	if e.err != nil {
		s.release(e)
		return "", nil, e.err
	}
	s.mu.Lock()
	s.evict()
	s.mu.Unlock()
	return e.dir, func() { s.release(e) }, nil
}

// Len returns how many artifacts are kept.
func (s *Shared) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *Shared) release(e *sharedEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.refs--
	if e.refs == 0 && s.entries[e.digest] != e {
		_ = os.RemoveAll(e.dir) // evicted or failed while in use
		return
	}
	s.evict()
}

// forget drops e from the index; its directory is removed by the last release.
func (s *Shared) forget(e *sharedEntry) {
	if s.entries[e.digest] == e {
		delete(s.entries, e.digest)
		s.lru.Remove(e.elem)
	}
}

// evict removes the least recently used directories nobody holds while more than max are kept.
func (s *Shared) evict() {
	for el := s.lru.Back(); el != nil && len(s.entries) > s.max; {
		prev := el.Prev()
		if e := el.Value.(*sharedEntry); e.refs == 0 {
			s.forget(e)
			_ = os.RemoveAll(e.dir)
		}
		el = prev
	}
}
