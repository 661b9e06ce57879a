/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// serveBytes starts an HTTP server on 127.0.0.1 answering every request with body, or with the
// given status when it is not 200.
func serveBytes(t *testing.T, body []byte, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if status != http.StatusOK {
			http.Error(w, "nope", status)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/gitrepository/default/app/abc.tar.gz"
}

func TestFetch(t *testing.T) {
	src := t.TempDir()
	tree := map[string]file{"deploy/app.yaml": {content: "kind: Deployment"}, "run.sh": {content: "x", exec: true}}
	writeTree(t, src, tree)
	tgz, _ := archiveBytes(t, src, nil)
	url := serveBytes(t, tgz, http.StatusOK)

	parent := t.TempDir()
	dir := filepath.Join(parent, "artifact")
	// An older extraction in place is replaced as a whole.
	writeTree(t, dir, map[string]file{"stale.yaml": {content: "old"}})
	if err := Fetch(context.Background(), nil, url, DigestBytes(tgz), dir, FetchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !reflect.DeepEqual(got, tree) {
		t.Errorf("fetched %v, want %v", got, tree)
	}
	assertOnly(t, parent, "artifact")
}

func TestFetchFailuresLeaveNothing(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]file{"a.yaml": {content: "a"}})
	tgz, _ := archiveBytes(t, src, nil)
	evil := makeTar(t, []entry{{name: "ok", body: "ok"}, {name: "../evil", body: "x"}}, true)

	tests := []struct {
		name     string
		body     []byte
		status   int
		digest   string
		opts     FetchOptions
		mismatch bool
		errText  string
	}{
		{name: "digest mismatch", body: tgz, digest: DigestBytes([]byte("other")), mismatch: true},
		{name: "truncated download", body: tgz[:len(tgz)-10], digest: DigestBytes(tgz), mismatch: true},
		{name: "server error", status: http.StatusNotFound, digest: DigestBytes(tgz), errText: "404"},
		{name: "invalid digest", body: tgz, digest: "sha256:xyz", errText: "invalid expected digest"},
		{name: "no digest", body: tgz, digest: "", errText: "no digest"},
		{name: "too large", body: tgz, digest: DigestBytes(tgz), opts: FetchOptions{MaxDownloadBytes: 10}, errText: "too large"},
		{name: "escaping archive with matching digest", body: evil, digest: DigestBytes(evil), errText: "unsafe path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			url := serveBytes(t, tt.body, status)
			parent := t.TempDir()
			dir := filepath.Join(parent, "artifact")
			previous := map[string]file{"previous.yaml": {content: "kept"}}
			writeTree(t, dir, previous)

			err := Fetch(context.Background(), nil, url, tt.digest, dir, tt.opts)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			var mm *DigestMismatchError
			if tt.mismatch != errors.As(err, &mm) {
				t.Errorf("err = %v, digest mismatch expected: %v", err, tt.mismatch)
			}
			if tt.errText != "" && !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("err = %v, want it to mention %q", err, tt.errText)
			}
			if !strings.Contains(err.Error(), url) {
				t.Errorf("err = %v, want it to name the URL", err)
			}
			assertOnly(t, parent, "artifact")
			if got := readTree(t, dir); !reflect.DeepEqual(got, previous) {
				t.Errorf("directory changed to %v", got)
			}
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	url := serveBytes(t, []byte("x"), http.StatusOK)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	parent := t.TempDir()
	err := Fetch(ctx, nil, url, DigestBytes([]byte("x")), filepath.Join(parent, "a"), FetchOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertOnly(t, parent)
}
