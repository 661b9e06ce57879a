/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"

	"github.com/tide-gitops/tide/internal/artifact"
)

func newStorage(t *testing.T) *Storage {
	t.Helper()
	s, err := New(t.TempDir(), "source-controller.flux-system.svc.cluster.local.", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tempFiles lists the temporary files left in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if isTemp(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestNewArtifactFor(t *testing.T) {
	s := &Storage{BasePath: "/data", Hostname: "source-controller.flux-system.svc.cluster.local."}
	tests := []struct {
		kind, ns, name, rev, file string
		wantPath, wantURL         string
	}{
		{
			kind: "GitRepository", ns: "default", name: "podinfo", rev: "master@sha1:132f", file: "132f.tar.gz",
			wantPath: "gitrepository/default/podinfo/132f.tar.gz",
			wantURL:  "http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/132f.tar.gz",
		},
		{
			kind: "OCIRepository", ns: "apps", name: "manifests", rev: "v1.2.3@sha256:ab", file: "ab.tar.gz",
			wantPath: "ocirepository/apps/manifests/ab.tar.gz",
			wantURL:  "http://source-controller.flux-system.svc.cluster.local./ocirepository/apps/manifests/ab.tar.gz",
		},
		{
			kind: "HelmChart", ns: "x", name: "y", rev: "1.0.0+build", file: "y-1.0.0+build.tgz",
			wantPath: "helmchart/x/y/y-1.0.0+build.tgz",
			wantURL:  "http://source-controller.flux-system.svc.cluster.local./helmchart/x/y/y-1.0.0+build.tgz",
		},
	}
	for _, tt := range tests {
		art := s.NewArtifactFor(tt.kind, tt.ns, tt.name, tt.rev, tt.file)
		if art.Path != tt.wantPath || art.URL != tt.wantURL || art.Revision != tt.rev {
			t.Errorf("NewArtifactFor(%s) = %+v", tt.kind, art)
		}
		if got := s.LocalPath(art); got != filepath.Join("/data", tt.wantPath) {
			t.Errorf("LocalPath = %s", got)
		}
	}
	s.Hostname = "127.0.0.1:9090"
	art := s.NewArtifactFor("Bucket", "ns", "b", "sha256:1", "1.tar.gz")
	s.Hostname = "other:80"
	s.SetArtifactURL(&art)
	if art.URL != "http://other:80/bucket/ns/b/1.tar.gz" {
		t.Errorf("SetArtifactURL: %s", art.URL)
	}
}

func TestLocalPathRejectsEscapes(t *testing.T) {
	s := newStorage(t)
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "kind/ns/name/.hidden", "a/./b"} {
		art := meta.Artifact{Path: p}
		if lp := s.LocalPath(art); lp != "" {
			t.Errorf("LocalPath(%q) = %q, want it refused", p, lp)
		}
		if err := s.CopyFromReader(&art, strings.NewReader("x")); err == nil {
			t.Errorf("CopyFromReader(%q) succeeded", p)
		}
	}
}

func TestArchive(t *testing.T) {
	s := newStorage(t)
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "app.yaml"), []byte("kind: Deployment"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "skip.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	art := s.NewArtifactFor("GitRepository", "default", "app", "main@sha1:abc", "abc.tar.gz")
	st, err := s.ArchiveWithStats(&art, src, func(p string, _ bool) bool { return strings.HasSuffix(p, ".png") })
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 || st.Filtered != 1 {
		t.Errorf("stats = %+v", st)
	}
	d, n, err := artifact.DigestFile(s.LocalPath(art))
	if err != nil {
		t.Fatal(err)
	}
	if art.Digest != d || art.Size == nil || *art.Size != n || art.LastUpdateTime.IsZero() {
		t.Errorf("artifact = %+v, file digest %s size %d", art, d, n)
	}
	if !s.ArtifactExist(art) {
		t.Error("ArtifactExist = false")
	}
	if err := s.VerifyArtifact(art); err != nil {
		t.Error(err)
	}
	if fi, _ := os.Stat(s.LocalPath(art)); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	if left := tempFiles(t, filepath.Dir(s.LocalPath(art))); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// The same tree gives the same digest.
	again := s.NewArtifactFor("GitRepository", "default", "app", "main@sha1:abc", "again.tar.gz")
	if err := s.Archive(&again, src, func(p string, _ bool) bool { return strings.HasSuffix(p, ".png") }); err != nil {
		t.Fatal(err)
	}
	if again.Digest != art.Digest {
		t.Errorf("digest %s then %s for the same tree", art.Digest, again.Digest)
	}
	dst := t.TempDir()
	if err := s.ExtractArtifact(art, dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "app.yaml")); err != nil || string(b) != "kind: Deployment" {
		t.Errorf("extracted app.yaml = %q, %v", b, err)
	}
}

// failingReader yields some bytes, checks that the artifact is not visible at its final path
// while it is being written, then fails.
type failingReader struct {
	t        *testing.T
	final    string
	reads    int
	sawTemp  bool
	sawFinal bool
}

func (r *failingReader) Read(p []byte) (int, error) {
	r.reads++
	if _, err := os.Stat(r.final); err == nil {
		r.sawFinal = true
	}
	if len(tempFilesQuiet(filepath.Dir(r.final))) > 0 {
		r.sawTemp = true
	}
	if r.reads > 3 {
		return 0, errors.New("connection reset by peer")
	}
	return copy(p, bytes.Repeat([]byte("partial "), 1000)), nil
}

func tempFilesQuiet(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if isTemp(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	s := newStorage(t)
	t.Run("new artifact", func(t *testing.T) {
		art := s.NewArtifactFor("OCIRepository", "default", "app", "v1", "v1.tar.gz")
		r := &failingReader{t: t, final: s.LocalPath(art)}
		err := s.CopyFromReader(&art, r)
		if err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Fatalf("err = %v", err)
		}
		if r.sawFinal || !r.sawTemp {
			t.Errorf("during the write: final path visible %v, temporary file seen %v", r.sawFinal, r.sawTemp)
		}
		if _, err := os.Stat(s.LocalPath(art)); !os.IsNotExist(err) {
			t.Errorf("final path exists after a failed write: %v", err)
		}
		if left := tempFiles(t, filepath.Dir(s.LocalPath(art))); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		if art.Digest != "" || art.Size != nil {
			t.Errorf("artifact fields set after a failed write: %+v", art)
		}
	})
	t.Run("existing artifact stays intact", func(t *testing.T) {
		art := s.NewArtifactFor("OCIRepository", "default", "app", "v2", "v2.tar.gz")
		if err := s.CopyFromReader(&art, strings.NewReader("good content")); err != nil {
			t.Fatal(err)
		}
		good := art
		if err := s.CopyFromReader(&art, &failingReader{t: t, final: filepath.Join(t.TempDir(), "x")}); err == nil {
			t.Fatal("expected an error")
		}
		if err := s.VerifyArtifact(good); err != nil {
			t.Errorf("previous artifact damaged: %v", err)
		}
		if left := tempFiles(t, filepath.Dir(s.LocalPath(art))); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
	t.Run("archive of a missing directory", func(t *testing.T) {
		art := s.NewArtifactFor("GitRepository", "default", "gone", "x", "x.tar.gz")
		if err := s.Archive(&art, filepath.Join(t.TempDir(), "missing"), nil); err == nil {
			t.Fatal("expected an error")
		}
		if s.ArtifactExist(art) {
			t.Error("artifact exists")
		}
	})
}

func TestVerifyArtifactDetectsCorruption(t *testing.T) {
	s := newStorage(t)
	write := func(name string) meta.Artifact {
		art := s.NewArtifactFor("Bucket", "default", "b", name, name)
		if err := s.CopyFromReader(&art, strings.NewReader("the artifact content")); err != nil {
			t.Fatal(err)
		}
		return art
	}
	tests := []struct {
		name    string
		corrupt func(art meta.Artifact)
		check   func(err error) bool
	}{
		{name: "intact", corrupt: func(meta.Artifact) {}, check: func(err error) bool { return err == nil }},
		{
			name: "flipped byte",
			corrupt: func(art meta.Artifact) {
				b, _ := os.ReadFile(s.LocalPath(art))
				b[3] ^= 0xff
				os.WriteFile(s.LocalPath(art), b, 0o644)
			},
			check: func(err error) bool {
				var mm *artifact.DigestMismatchError
				return errors.As(err, &mm)
			},
		},
		{
			name:    "truncated",
			corrupt: func(art meta.Artifact) { os.Truncate(s.LocalPath(art), 5) },
			check:   func(err error) bool { return err != nil && strings.Contains(err.Error(), "size") },
		},
		{
			name:    "missing",
			corrupt: func(art meta.Artifact) { os.Remove(s.LocalPath(art)) },
			check:   func(err error) bool { return err != nil },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			art := write(fmt.Sprintf("a%d.tar.gz", i))
			tt.corrupt(art)
			if err := s.VerifyArtifact(art); !tt.check(err) {
				t.Errorf("VerifyArtifact = %v", err)
			}
		})
	}
	noDigest := meta.Artifact{Path: "bucket/default/b/a0.tar.gz"}
	if err := s.VerifyArtifact(noDigest); err == nil {
		t.Error("an artifact without digest verified")
	}
}

func TestSymlink(t *testing.T) {
	s := newStorage(t)
	var arts []meta.Artifact
	for _, name := range []string{"one.tar.gz", "two.tar.gz"} {
		art := s.NewArtifactFor("GitRepository", "default", "app", name, name)
		if err := s.CopyFromReader(&art, strings.NewReader(name)); err != nil {
			t.Fatal(err)
		}
		arts = append(arts, art)
		u, err := s.Symlink(art, "latest.tar.gz")
		if err != nil {
			t.Fatal(err)
		}
		if want := "http://" + s.Hostname + "/gitrepository/default/app/latest.tar.gz"; u != want {
			t.Errorf("symlink URL %s, want %s", u, want)
		}
		dir := filepath.Dir(s.LocalPath(art))
		if target, err := os.Readlink(filepath.Join(dir, "latest.tar.gz")); err != nil || target != name {
			t.Errorf("latest.tar.gz -> %q, %v; want %s", target, err, name)
		}
		if left := tempFiles(t, dir); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := s.Symlink(arts[0], bad); err == nil {
			t.Errorf("Symlink(%q) succeeded", bad)
		}
	}
}

func TestRemoveAll(t *testing.T) {
	s := newStorage(t)
	art := s.NewArtifactFor("GitRepository", "default", "app", "x", "x.tar.gz")
	if err := s.CopyFromReader(&art, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	other := s.NewArtifactFor("GitRepository", "default", "other", "x", "x.tar.gz")
	if err := s.CopyFromReader(&other, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAll(art); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(s.LocalPath(art))); !os.IsNotExist(err) {
		t.Errorf("object directory still there: %v", err)
	}
	if !s.ArtifactExist(other) {
		t.Error("another object's artifact was removed")
	}
	if err := s.RemoveAll(art); err != nil {
		t.Errorf("second RemoveAll: %v", err)
	}
}

// TestConcurrentWritesSerialised runs many writes of one object at once, through readers that
// record how many of them are being consumed at the same time: never more than one. Writes of
// another object proceed meanwhile (a reader of object B waits for a reader of object A to be
// under way, which a global lock would deadlock).
func TestConcurrentWritesSerialised(t *testing.T) {
	s := newStorage(t)
	var active, maxActive atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			art := s.NewArtifactFor("GitRepository", "default", "same", "r", fmt.Sprintf("r%d.tar.gz", i%3))
			r := &trackingReader{active: &active, max: &maxActive, left: 20}
			if err := s.CopyFromReader(&art, r); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if maxActive.Load() != 1 {
		t.Errorf("%d writes of one object overlapped", maxActive.Load())
	}
	// Archive calls of one object, concurrently: every result is complete and verifies.
	src := t.TempDir()
	for i := range 50 {
		os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d.yaml", i)), bytes.Repeat([]byte{byte(i)}, 10_000), 0o644)
	}
	arts := make([]meta.Artifact, 6)
	for i := range arts {
		wg.Go(func() {
			arts[i] = s.NewArtifactFor("GitRepository", "default", "same", "r", "shared.tar.gz")
			if err := s.Archive(&arts[i], src, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, a := range arts {
		if err := s.VerifyArtifact(a); err != nil {
			t.Error(err)
		}
	}

	started := make(chan struct{})
	release := make(chan struct{})
	wg.Go(func() {
		art := s.NewArtifactFor("GitRepository", "default", "a", "r", "a.tar.gz")
		s.CopyFromReader(&art, &gateReader{started: started, release: release})
	})
	<-started
	artB := s.NewArtifactFor("GitRepository", "default", "b", "r", "b.tar.gz")
	if err := s.CopyFromReader(&artB, strings.NewReader("b")); err != nil {
		t.Error(err)
	}
	close(release)
	wg.Wait()
}

type trackingReader struct {
	active, max *atomic.Int32
	left        int
	entered     bool
}

func (r *trackingReader) Read(p []byte) (int, error) {
	if !r.entered {
		r.entered = true
		n := r.active.Add(1)
		for {
			m := r.max.Load()
			if n <= m || r.max.CompareAndSwap(m, n) {
				break
			}
		}
	}
	if r.left == 0 {
		r.active.Add(-1)
		return 0, io.EOF
	}
	r.left--
	// Yield so that an unserialised writer would get to run meanwhile.
	time.Sleep(time.Millisecond)
	return copy(p, "some bytes of the artifact\n"), nil
}

// gateReader signals that it is being read, then blocks until released.
type gateReader struct {
	started, release chan struct{}
	done             bool
}

func (r *gateReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	close(r.started)
	<-r.release
	r.done = true
	return copy(p, "a"), nil
}
