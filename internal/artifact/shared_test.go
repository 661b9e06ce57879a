/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func digestOf(s string) string { return DigestBytes([]byte(s)) }

// fill returns a fetch function writing one file, counting its calls.
func fill(calls *atomic.Int32, content string) func(string) error {
	return func(dir string) error {
		calls.Add(1)
		time.Sleep(10 * time.Millisecond) // let concurrent callers pile up on the same fetch
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "file"), []byte(content), 0o600)
	}
}

func TestSharedFetchesEachDigestOnceForConcurrentReaders(t *testing.T) {
	s, err := NewShared(t.TempDir(), 4)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var wg sync.WaitGroup
	dirs := make([]string, 20)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir, release, err := s.Acquire(context.Background(), digestOf("a"), fill(&calls, "a"))
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			if b, err := os.ReadFile(filepath.Join(dir, "file")); err != nil || string(b) != "a" {
				t.Errorf("read %q, %v", b, err)
			}
			dirs[i] = dir
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("fetched %d times, want 1", n)
	}
	for _, d := range dirs {
		if d != dirs[0] {
			t.Fatalf("readers got different directories: %q and %q", dirs[0], d)
		}
	}
}

func TestSharedFailedFetchIsNotKept(t *testing.T) {
	s, err := NewShared(t.TempDir(), 4)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("connection refused")
	if _, _, err := s.Acquire(context.Background(), digestOf("a"), func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the fetch error", err)
	}
	if s.Len() != 0 {
		t.Errorf("a failed fetch is kept")
	}
	var calls atomic.Int32
	_, release, err := s.Acquire(context.Background(), digestOf("a"), fill(&calls, "a"))
	if err != nil || calls.Load() != 1 {
		t.Fatalf("second acquire: err %v, fetches %d", err, calls.Load())
	}
	release()
}

func TestSharedEvictsLeastRecentlyUsedUnheldDirectories(t *testing.T) {
	s, err := NewShared(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	acquire := func(name string) (string, func()) {
		dir, release, err := s.Acquire(context.Background(), digestOf(name), fill(&calls, name))
		if err != nil {
			t.Fatal(err)
		}
		return dir, release
	}
	dirA, releaseA := acquire("a") // held throughout
	dirB, releaseB := acquire("b")
	releaseB()
	dirC, releaseC := acquire("c")
	if _, err := os.Stat(dirB); !os.IsNotExist(err) {
		t.Errorf("b (least recently used, not held) was kept over the limit: %v", err)
	}
	if _, err := os.Stat(dirA); err != nil {
		t.Errorf("a is held and must stay: %v", err)
	}
	_, releaseD := acquire("d") // over the limit with a, c, d all held
	if s.Len() != 3 {
		t.Errorf("kept %d, want 3 (held entries are never removed)", s.Len())
	}
	releaseA()
	if _, err := os.Stat(dirA); !os.IsNotExist(err) {
		t.Errorf("a was not removed once released over the limit: %v", err)
	}
	releaseC()
	releaseD()
	if _, err := os.Stat(dirC); err != nil {
		t.Errorf("c is within the limit and must stay: %v", err)
	}
	if _, _, err := s.Acquire(context.Background(), "sha256:nothex", nil); err == nil {
		t.Error("an invalid digest was accepted")
	}
}

func TestSharedWaiterHonoursContext(t *testing.T) {
	s, err := NewShared(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	started, unblock, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		_, release, err := s.Acquire(context.Background(), digestOf("a"), func(dir string) error {
			close(started)
			<-unblock
			return os.MkdirAll(dir, 0o700)
		})
		if err == nil {
			release()
		}
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Acquire(ctx, digestOf("a"), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	close(unblock)
	<-finished
}
