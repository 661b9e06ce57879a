/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tide-gitops/tide/internal/testserver/registry"
)

// Media types of Flux artifacts, as `flux push artifact` writes them.
const (
	fluxContentType = "application/vnd.cncf.flux.content.v1.tar+gzip"
	fluxConfigType  = "application/vnd.cncf.flux.config.v1+json"
	notesType       = "application/vnd.tide.test.notes.v1+text"
	testSource      = "https://example.com/org/app.git"
)

// artifact is what the tests push for one version.
type artifact struct {
	files  map[string]string // content of the tar.gz layer
	notes  string            // content of the second layer
	digest string            // manifest digest after pushing
	tgz    []byte
}

// pushed maps tags to the artifacts pushed under them.
type pushed map[string]*artifact

// pushArtifacts pushes a Flux-style artifact (tar.gz content layer with Flux's media types, then a notes
// layer, source annotations on the manifest) per tag to repo, each with different content.
func pushArtifacts(t *testing.T, reg *registry.Registry, repo string, tags ...string) pushed {
	t.Helper()
	out := pushed{}
	for _, tag := range tags {
		a := &artifact{
			files: map[string]string{
				"kustomization.yaml": "resources:\n- deploy/app.yaml\n",
				"deploy/app.yaml":    fmt.Sprintf("kind: ConfigMap\nmetadata:\n  name: app\ndata:\n  version: %q\n", tag),
			},
			notes: "release notes of " + tag,
		}
		a.tgz = makeTarGz(t, a.files)
		img := buildImage(t, a, tag)
		// name.Insecure lets the push use plain HTTP on any host (and still HTTPS when the registry has TLS).
		ref, err := name.NewTag(reg.Repo(repo)+":"+tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img, pushOptions(reg)...); err != nil {
			t.Fatalf("pushing %s: %v", ref, err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		a.digest = d.String()
		out[tag] = a
	}
	return out
}

// buildImage assembles the OCI manifest of an artifact.
func buildImage(t *testing.T, a *artifact, tag string) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, fluxConfigType)
	img, err := mutate.Append(img,
		mutate.Addendum{Layer: static.NewLayer(a.tgz, fluxContentType)},
		mutate.Addendum{Layer: static.NewLayer([]byte(a.notes), notesType)},
	)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.Annotations(img, map[string]string{
		AnnotationSource:   testSource,
		AnnotationRevision: tag + "@sha1:0123456789abcdef0123456789abcdef01234567",
	}).(v1.Image)
}

// pushOptions are the go-containerregistry options to push to reg with its credentials.
func pushOptions(reg *registry.Registry) []remote.Option {
	opts := []remote.Option{remote.WithTransport(reg.Transport()), remote.WithContext(context.Background())}
	if reg.Username != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: reg.Username, Password: reg.Password}))
	}
	return opts
}

// makeTarGz returns a gzipped tarball of files.
func makeTarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readTarGz returns the regular files of a gzipped tarball.
func readTarGz(t *testing.T, data []byte) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("layer is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = string(b)
	}
}

// sha256Digest returns "sha256:<hex>" of data.
func sha256Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// authSecret returns a kubernetes.io/dockerconfigjson Secret.
func authSecret(config []byte) corev1.Secret {
	return corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "registry-auth"},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: config},
	}
}

// certSecret returns a certSecretRef Secret with the given keys.
func certSecret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "registry-certs"}, Data: data}
}

// recordingProxy is a real forward HTTP proxy on 127.0.0.1 that records "METHOD path" of every request.
type recordingProxy struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

// newRecordingProxy starts a proxy that forwards to plain-HTTP registries.
func newRecordingProxy(t *testing.T) *recordingProxy {
	t.Helper()
	p := &recordingProxy{}
	upstream := &http.Transport{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := upstream.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(func() {
		p.Close()
		upstream.CloseIdleConnections()
	})
	return p
}

// URL returns the proxy's address.
func (p *recordingProxy) URL() *url.URL {
	u, _ := url.Parse(p.Server.URL)
	return u
}

// take returns and clears the recorded requests.
func (p *recordingProxy) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.seen
	p.seen = nil
	return out
}
