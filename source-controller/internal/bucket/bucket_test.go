/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/s3"
)

// clientFor builds a client for bucket on srv the way the reconciler does: from a Bucket spec and Secrets.
func clientFor(t *testing.T, srv *s3.Server, spec sourcev1.BucketSpec) *Client {
	t.Helper()
	spec.Endpoint = srv.Endpoint
	spec.Insecure = !srv.Secure()
	secrets := Secrets{Auth: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds"}, Data: srv.SecretData()}}
	if srv.Secure() {
		secrets.TLS = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"}, Data: map[string][]byte{CACertKey: srv.CACert}}
	}
	opts, err := OptionsFromSpec(&spec, secrets)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tree returns every regular file under dir (slash-separated, relative) with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestListAndDownloadUnderPrefix proves objects under the prefix become files (full keys as paths), while
// other prefixes, ignored keys, directory markers and the root .sourceignore are left out.
func TestListAndDownloadUnderPrefix(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	want := map[string]string{
		"deploy/app.yaml":           "kind: Deployment\n",
		"deploy/overlays/prod.yaml": "kind: Kustomization\n",
	}
	etags := Index{}
	for k, v := range want {
		etags[k] = srv.PutObject(t, "podinfo", k, []byte(v))
	}
	srv.PutObject(t, "podinfo", "deploy/README.md", []byte("# ignored by the caller's rules\n"))
	srv.PutObject(t, "podinfo", "deploy/empty-dir/", nil)
	srv.PutObject(t, "podinfo", "other/app.yaml", []byte("outside the prefix\n"))
	srv.PutObject(t, "podinfo", ".sourceignore", []byte("*.md\n"))

	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo", Prefix: "deploy/"})
	var asked []string
	idx, err := c.List(context.Background(), func(key string) bool {
		asked = append(asked, key)
		return strings.HasSuffix(key, ".md")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(idx, etags) {
		t.Fatalf("index %v, want %v", idx, etags)
	}
	if !slices.Contains(asked, "deploy/README.md") || slices.Contains(asked, "other/app.yaml") {
		t.Fatalf("ignore asked about %v", asked)
	}

	dir := t.TempDir()
	fetched, err := c.Download(context.Background(), idx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(fetched, idx) {
		t.Fatalf("fetched index %v, want %v", fetched, idx)
	}
	if got := tree(t, dir); !maps.Equal(got, want) {
		t.Fatalf("downloaded %v, want %v", got, want)
	}
}

// TestReadObject reads the bucket's .sourceignore, reports a missing one as not found, and refuses an
// object over the limit.
func TestReadObject(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo"})
	ctx := context.Background()

	if data, found, err := c.ReadObject(ctx, SourceIgnoreKey, 1024); err != nil || found || data != nil {
		t.Fatalf("missing object: data %q found %v err %v", data, found, err)
	}
	srv.PutObject(t, "podinfo", SourceIgnoreKey, []byte("*.md\n"))
	data, found, err := c.ReadObject(ctx, SourceIgnoreKey, 1024)
	if err != nil || !found || string(data) != "*.md\n" {
		t.Fatalf("data %q found %v err %v", data, found, err)
	}
	if _, _, err := c.ReadObject(ctx, SourceIgnoreKey, 3); err == nil || !strings.Contains(err.Error(), "larger than 3 bytes") {
		t.Fatalf("want a size error, got %v", err)
	}
}

// TestRevisionFollowsObjects proves the revision changes when an object's content changes, is added or
// removed, and stays the same when nothing changed or the same bytes are written again.
func TestRevisionFollowsObjects(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	srv.PutObject(t, "podinfo", "app.yaml", []byte("replicas: 1\n"))
	srv.PutObject(t, "podinfo", "svc.yaml", []byte("port: 80\n"))
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo"})
	revision := func() string {
		t.Helper()
		idx, err := c.List(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return Revision(idx)
	}

	first := revision()
	if !strings.HasPrefix(first, "sha256:") || len(first) != len("sha256:")+64 {
		t.Fatalf("revision %q is not sha256:<hex>", first)
	}
	if again := revision(); again != first {
		t.Fatalf("unchanged bucket: revision %s then %s", first, again)
	}
	srv.PutObject(t, "podinfo", "app.yaml", []byte("replicas: 1\n"))
	if same := revision(); same != first {
		t.Fatalf("same bytes rewritten: revision %s then %s", first, same)
	}
	srv.PutObject(t, "podinfo", "app.yaml", []byte("replicas: 2\n"))
	changed := revision()
	if changed == first {
		t.Fatal("changed object: revision did not change")
	}
	srv.PutObject(t, "podinfo", "new.yaml", []byte("kind: ConfigMap\n"))
	added := revision()
	if added == changed {
		t.Fatal("added object: revision did not change")
	}
	srv.RemoveObject(t, "podinfo", "new.yaml")
	if removed := revision(); removed != changed {
		t.Fatalf("removing the added object: revision %s, want %s", removed, changed)
	}
}

// TestDownloadReturnsIndexAsFetched proves an object deleted between List and Download is left out of the
// returned index and the directory, and a changed one is fetched with its new ETag.
func TestDownloadReturnsIndexAsFetched(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	srv.PutObject(t, "podinfo", "keep.yaml", []byte("a\n"))
	srv.PutObject(t, "podinfo", "gone.yaml", []byte("b\n"))
	srv.PutObject(t, "podinfo", "changed.yaml", []byte("c\n"))
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo"})
	idx, err := c.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.RemoveObject(t, "podinfo", "gone.yaml")
	newTag := srv.PutObject(t, "podinfo", "changed.yaml", []byte("c2\n"))

	dir := t.TempDir()
	fetched, err := c.Download(context.Background(), idx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Index{"keep.yaml": idx["keep.yaml"], "changed.yaml": newTag}
	if !maps.Equal(fetched, want) {
		t.Fatalf("fetched index %v, want %v", fetched, want)
	}
	if got := tree(t, dir); !maps.Equal(got, map[string]string{"keep.yaml": "a\n", "changed.yaml": "c2\n"}) {
		t.Fatalf("downloaded %v", got)
	}
}

// TestDownloadManyObjectsBounded downloads more objects than the concurrency limit.
func TestDownloadManyObjectsBounded(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "many")
	want := map[string]string{}
	for i := range 60 {
		k := fmt.Sprintf("dir%d/file%02d.yaml", i%5, i)
		want[k] = fmt.Sprintf("n: %d\n", i)
		srv.PutObject(t, "many", k, []byte(want[k]))
	}
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "many"})
	c.opts.Concurrency = 4
	idx, err := c.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := c.Download(context.Background(), idx, dir); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); !maps.Equal(got, want) {
		t.Fatalf("downloaded %d files, want %d", len(got), len(want))
	}
}

// TestDownloadRefusesUnsafeKeys proves an index with a key escaping the directory (as S3 servers other
// than MinIO accept) is refused before anything is fetched, and nothing is written in or beside dir.
func TestDownloadRefusesUnsafeKeys(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	etag := srv.PutObject(t, "podinfo", "deploy/app.yaml", []byte("kind: Deployment\n"))
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo"})

	for _, key := range []string{"../evil.yaml", "deploy/../../evil.yaml", "/etc/evil.yaml", `..\evil.yaml`} {
		t.Run(key, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "artifact")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := c.Download(context.Background(), Index{"deploy/app.yaml": etag, key: etag}, dir)
			var unsafe *UnsafeKeyError
			if !errors.As(err, &unsafe) || unsafe.Key != key {
				t.Fatalf("want an UnsafeKeyError for %q, got %v", key, err)
			}
			if !strings.Contains(err.Error(), "spec.ignore") {
				t.Fatalf("message does not say how to get past it: %v", err)
			}
			if got := tree(t, parent); len(got) != 0 {
				t.Fatalf("files written: %v", got)
			}
		})
	}
}

// TestDownloadStaysInsideThroughSymlink proves a symbolic link already in dir cannot lead a download out.
func TestDownloadStaysInsideThroughSymlink(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	etag := srv.PutObject(t, "podinfo", "link/app.yaml", []byte("x\n"))
	c := clientFor(t, srv, sourcev1.BucketSpec{BucketName: "podinfo"})
	outside, dir := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(context.Background(), Index{"link/app.yaml": etag}, dir); err == nil {
		t.Fatal("download through a symlink to outside succeeded")
	}
	if got := tree(t, outside); len(got) != 0 {
		t.Fatalf("written outside: %v", got)
	}
}

// TestErrors proves wrong credentials, a missing bucket, an unreachable endpoint and TLS mistakes give
// errors that say what is wrong and match the sentinels the reconciler maps to reasons.
func TestErrors(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	tlsSrv := s3.New(t, s3.Options{TLS: true})
	closed := closedPort(t)
	silent := silentPort(t)

	for _, tc := range []struct {
		name     string
		opts     Options
		sentinel error
		contains string
	}{
		{"wrong secret key", Options{Endpoint: srv.Endpoint, Insecure: true, BucketName: "podinfo",
			AccessKey: srv.AccessKey, SecretKey: "wrong-secret"}, ErrAuthentication, "spec.secretRef"},
		{"unknown access key", Options{Endpoint: srv.Endpoint, Insecure: true, BucketName: "podinfo",
			AccessKey: "nobody", SecretKey: srv.SecretKey}, ErrAuthentication, "InvalidAccessKeyId"},
		{"anonymous on a private bucket", Options{Endpoint: srv.Endpoint, Insecure: true, BucketName: "podinfo"},
			ErrAuthentication, "AccessDenied"},
		{"missing bucket", Options{Endpoint: srv.Endpoint, Insecure: true, BucketName: "nope",
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, ErrBucketNotFound, "bucket 'nope' does not exist"},
		{"unreachable endpoint", Options{Endpoint: closed, Insecure: true, BucketName: "podinfo"},
			ErrUnreachable, "cannot reach " + closed},
		{"endpoint that never answers", Options{Endpoint: silent, Insecure: true, BucketName: "podinfo",
			Timeout: 300 * time.Millisecond}, ErrUnreachable, "timed out after 300ms (spec.timeout)"},
		{"TLS without the CA", Options{Endpoint: tlsSrv.Endpoint, BucketName: "podinfo",
			AccessKey: tlsSrv.AccessKey, SecretKey: tlsSrv.SecretKey}, ErrUnreachable, "spec.certSecretRef"},
		{"HTTPS client to an HTTP server", Options{Endpoint: srv.Endpoint, BucketName: "podinfo",
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, ErrUnreachable, "spec.insecure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.List(context.Background(), nil)
			t.Log(err)
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("want %v containing %q, got %v", tc.sentinel, tc.contains, err)
			}
			if strings.Contains(err.Error(), srv.SecretKey) {
				t.Fatalf("message leaks the secret key: %v", err)
			}
		})
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// silentPort returns a 127.0.0.1 address that accepts connections (the kernel completes the handshake)
// but never answers.
func silentPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String()
}

// TestTLSWithCertSecret proves an HTTPS endpoint signed by a private CA works with the CA from
// spec.certSecretRef, as https:// URL or host:port.
func TestTLSWithCertSecret(t *testing.T) {
	srv := s3.New(t, s3.Options{TLS: true})
	srv.CreateBucket(t, "secure")
	etag := srv.PutObject(t, "secure", "app.yaml", []byte("x\n"))
	for _, endpoint := range []string{srv.Endpoint, "https://" + srv.Endpoint} {
		spec := sourcev1.BucketSpec{BucketName: "secure", Endpoint: endpoint}
		opts, err := OptionsFromSpec(&spec, Secrets{
			Auth: &corev1.Secret{Data: srv.SecretData()},
			TLS:  &corev1.Secret{Data: map[string][]byte{CACertKey: srv.CACert}},
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := c.List(context.Background(), nil)
		if err != nil {
			t.Fatalf("%s: %v", endpoint, err)
		}
		if !maps.Equal(idx, Index{"app.yaml": etag}) {
			t.Fatalf("%s: index %v", endpoint, idx)
		}
	}
}

// TestAnonymousPublicBucket proves the generic provider without spec.secretRef reads a public bucket.
func TestAnonymousPublicBucket(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "public")
	etag := srv.PutObject(t, "public", "app.yaml", []byte("x\n"))
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},` +
		`"Action":["s3:GetBucketLocation","s3:ListBucket","s3:GetObject"],` +
		`"Resource":["arn:aws:s3:::public","arn:aws:s3:::public/*"]}]}`
	if err := srv.Client().SetBucketPolicy(context.Background(), "public", policy); err != nil {
		t.Fatal(err)
	}
	spec := sourcev1.BucketSpec{BucketName: "public", Endpoint: srv.Endpoint, Insecure: true}
	opts, err := OptionsFromSpec(&spec, Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := c.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(context.Background(), idx, t.TempDir()); err != nil || !maps.Equal(idx, Index{"app.yaml": etag}) {
		t.Fatalf("index %v, download error %v", idx, err)
	}
}

// TestProxyFromSecret proves requests go through the proxy of spec.proxySecretRef.
func TestProxyFromSecret(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "podinfo")
	srv.PutObject(t, "podinfo", "app.yaml", []byte("x\n"))
	var proxied atomic.Int32
	direct := &http.Transport{Proxy: nil}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") == "" {
			http.Error(w, "proxy auth required", http.StatusProxyAuthRequired)
			return
		}
		proxied.Add(1)
		r.RequestURI = ""
		r.Header.Del("Proxy-Authorization")
		resp, err := direct.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		maps.Copy(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	t.Cleanup(direct.CloseIdleConnections)

	spec := sourcev1.BucketSpec{BucketName: "podinfo", Endpoint: srv.Endpoint, Insecure: true,
		ProxySecretRef: &meta.LocalObjectReference{Name: "proxy"}}
	opts, err := OptionsFromSpec(&spec, Secrets{
		Auth:  &corev1.Secret{Data: srv.SecretData()},
		Proxy: &corev1.Secret{Data: map[string][]byte{"address": []byte(proxy.URL), "username": []byte("u"), "password": []byte("p")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := c.List(context.Background(), nil)
	if err != nil || len(idx) != 1 {
		t.Fatalf("index %v, error %v", idx, err)
	}
	if proxied.Load() == 0 {
		t.Fatal("no request went through the proxy")
	}
	if u, _ := url.Parse(proxy.URL); opts.Proxy.Host != u.Host {
		t.Fatalf("proxy %v, want %s", opts.Proxy, u.Host)
	}
}
