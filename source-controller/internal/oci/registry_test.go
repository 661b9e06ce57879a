/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/registry"
)

// allTags are the tags every integration test pushes.
var allTags = []string{"1.0.0", "1.1.0", "2.0.0-rc.1", "latest"}

// newOptions builds Options from a spec as the reconciler does, failing the test on error.
func newOptions(t *testing.T, spec sourcev1.OCIRepositorySpec, secrets Secrets) Options {
	t.Helper()
	opts, err := NewOptions(&spec, secrets)
	if err != nil {
		t.Fatalf("NewOptions: %v", err)
	}
	return opts
}

func TestResolve(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	arts := pushArtifacts(t, reg, "org/app", allTags...)
	url := reg.OCIURL("org/app")

	tests := []struct {
		name    string
		ref     *sourcev1.OCIRepositoryRef
		wantTag string
	}{
		{name: "no ref resolves latest", ref: nil, wantTag: "latest"},
		{name: "tag", ref: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}, wantTag: "1.0.0"},
		{name: "semver range", ref: &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0 <2.0.0"}, wantTag: "1.1.0"},
		{name: "semver skips prereleases", ref: &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0"}, wantTag: "1.1.0"},
		{name: "semver with prerelease range", ref: &sourcev1.OCIRepositoryRef{SemVer: ">=2.0.0-0"},
			wantTag: "2.0.0-rc.1"},
		{name: "semverFilter before semver",
			ref:     &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0", SemverFilter: `^1\.0\.`},
			wantTag: "1.0.0"},
		{name: "semverFilter keeps release candidates",
			ref:     &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0-0", SemverFilter: `-rc\.`},
			wantTag: "2.0.0-rc.1"},
		{name: "semver wins over tag", ref: &sourcev1.OCIRepositoryRef{SemVer: "~1.0", Tag: "latest"},
			wantTag: "1.0.0"},
		{name: "digest", ref: &sourcev1.OCIRepositoryRef{Digest: arts["1.1.0"].digest}},
		{name: "digest wins over semver and tag",
			ref: &sourcev1.OCIRepositoryRef{Digest: arts["1.1.0"].digest, SemVer: ">=1.0.0", Tag: "1.0.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: url, Reference: tc.ref}, Secrets{})
			rev, err := Resolve(context.Background(), opts)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			want := arts["1.1.0"].digest
			if tc.wantTag != "" {
				want = tc.wantTag + "@" + arts[tc.wantTag].digest
			}
			if rev.String() != want {
				t.Fatalf("revision %q, want %q", rev, want)
			}
			if rev.Tag != tc.wantTag {
				t.Fatalf("tag %q, want %q", rev.Tag, tc.wantTag)
			}
			if !strings.HasPrefix(rev.Reference, reg.Repo("org/app")) {
				t.Fatalf("reference %q does not name the repository", rev.Reference)
			}
		})
	}
}

func TestResolveSendsNoManifestGet(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	arts := pushArtifacts(t, reg, "org/app", allTags...)
	proxy := newRecordingProxy(t)

	opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"),
		Reference: &sourcev1.OCIRepositoryRef{SemVer: "1.x"}}, Secrets{})
	opts.ProxyURL = proxy.URL()
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatalf("Resolve through the proxy: %v", err)
	}
	if rev.String() != "1.1.0@"+arts["1.1.0"].digest {
		t.Fatalf("revision %s, want 1.1.0", rev)
	}
	for _, req := range proxy.take() {
		if strings.Contains(req, "/blobs/") || (strings.HasPrefix(req, "GET ") && strings.Contains(req, "/manifests/")) {
			t.Errorf("Resolve sent %q: it must only list tags and HEAD the manifest", req)
		}
	}

	// Pull then fetches the manifest by digest and the selected blob only.
	layer, err := Pull(context.Background(), opts, rev, LayerSelector{})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if _, err := io.Copy(io.Discard, layer); err != nil {
		t.Fatal(err)
	}
	layer.Close()
	var blobs []string
	for _, req := range proxy.take() {
		if strings.Contains(req, "/manifests/") && !strings.HasSuffix(req, rev.Digest) {
			t.Errorf("Pull fetched %q, want the manifest by digest %s", req, rev.Digest)
		}
		if strings.Contains(req, "/blobs/") {
			blobs = append(blobs, req)
		}
	}
	if want := []string{"GET /v2/org/app/blobs/" + sha256Digest(arts["1.1.0"].tgz)}; !reflect.DeepEqual(blobs, want) {
		t.Errorf("Pull fetched blobs %v, want only the selected layer %v", blobs, want)
	}
}

func TestPull(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	arts := pushArtifacts(t, reg, "org/app", allTags...)
	opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"),
		Reference: &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0 <2.0.0"}}, Secrets{})
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := arts["1.1.0"]

	tests := []struct {
		name     string
		selector *sourcev1.OCILayerSelector
		wantType string
		wantOp   string
		want     []byte
	}{
		{name: "default selects the first layer to extract", wantType: fluxContentType,
			wantOp: sourcev1.OCILayerExtract, want: want.tgz},
		{name: "extract by media type", selector: &sourcev1.OCILayerSelector{MediaType: fluxContentType},
			wantType: fluxContentType, wantOp: sourcev1.OCILayerExtract, want: want.tgz},
		{name: "copy the first layer", selector: &sourcev1.OCILayerSelector{Operation: sourcev1.OCILayerCopy},
			wantType: fluxContentType, wantOp: sourcev1.OCILayerCopy, want: want.tgz},
		{name: "copy another layer by media type",
			selector: &sourcev1.OCILayerSelector{MediaType: notesType, Operation: sourcev1.OCILayerCopy},
			wantType: notesType, wantOp: sourcev1.OCILayerCopy, want: []byte(want.notes)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := NewLayerSelector(tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			layer, err := Pull(context.Background(), opts, rev, sel)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			defer layer.Close()
			got, err := io.ReadAll(layer)
			if err != nil {
				t.Fatalf("reading layer: %v", err)
			}
			if layer.MediaType != tc.wantType || layer.Operation != tc.wantOp {
				t.Fatalf("layer %s/%s, want %s/%s", layer.MediaType, layer.Operation, tc.wantType, tc.wantOp)
			}
			if string(got) != string(tc.want) || layer.Digest != sha256Digest(tc.want) ||
				layer.Size != int64(len(tc.want)) {
				t.Fatalf("layer content/digest/size differ from what was pushed (digest %s, size %d)",
					layer.Digest, layer.Size)
			}
			if tc.wantOp == sourcev1.OCILayerExtract && !reflect.DeepEqual(readTarGz(t, got), want.files) {
				t.Fatalf("extracted files %v, want %v", readTarGz(t, got), want.files)
			}
			if layer.Source() != testSource || layer.SourceRevision() != "1.1.0@sha1:0123456789abcdef0123456789abcdef01234567" {
				t.Fatalf("manifest annotations %v", layer.ManifestAnnotations)
			}
		})
	}
}

func TestPullWithoutMatchingLayer(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	pushArtifacts(t, reg, "org/app", "1.0.0")
	opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"),
		Reference: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}}, Secrets{})
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Pull(context.Background(), opts, rev, LayerSelector{MediaType: "application/x-missing"})
	t.Logf("error: %v", err)
	if !errors.Is(err, ErrNoLayer) || !strings.Contains(err.Error(), "application/x-missing") ||
		!strings.Contains(err.Error(), notesType) {
		t.Fatalf("got %v, want ErrNoLayer naming the wanted and present media types", err)
	}
}

func TestPullDetectsTamperedBlob(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	arts := pushArtifacts(t, reg, "org/app", "1.0.0")
	hex := strings.TrimPrefix(sha256Digest(arts["1.0.0"].tgz), "sha256:")
	blob := filepath.Join(reg.Dir, "storage", "docker", "registry", "v2", "blobs", "sha256", hex[:2], hex, "data")
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatalf("reading the stored blob: %v", err)
	}
	data[len(data)/2] ^= 0xff // same size, other content
	if err := os.WriteFile(blob, data, 0o600); err != nil {
		t.Fatal(err)
	}

	opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"),
		Reference: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}}, Secrets{})
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := Pull(context.Background(), opts, rev, LayerSelector{})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	defer layer.Close()
	if _, err := io.Copy(io.Discard, layer); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("reading a tampered blob: got %v, want a digest mismatch", err)
	}
}

func TestNotFound(t *testing.T) {
	reg := registry.New(t, registry.Options{})
	pushArtifacts(t, reg, "org/app", allTags...)
	unknownDigest := sha256Digest([]byte("nothing"))

	tests := []struct {
		name string
		url  string
		ref  *sourcev1.OCIRepositoryRef
		want []string
	}{
		{name: "unknown tag", url: reg.OCIURL("org/app"), ref: &sourcev1.OCIRepositoryRef{Tag: "9.9.9"},
			want: []string{"tag '9.9.9'", "not found in the registry", "404"}},
		{name: "unknown digest", url: reg.OCIURL("org/app"), ref: &sourcev1.OCIRepositoryRef{Digest: unknownDigest},
			want: []string{unknownDigest, "not found in the registry"}},
		{name: "no tag in semver range", url: reg.OCIURL("org/app"), ref: &sourcev1.OCIRepositoryRef{SemVer: ">=3.0.0"},
			want: []string{"no tag matches semver '>=3.0.0'", "4 tags listed"}},
		{name: "semverFilter excludes all", url: reg.OCIURL("org/app"),
			ref:  &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0", SemverFilter: "^release-"},
			want: []string{"semverFilter '^release-'"}},
		{name: "unknown repository with semver", url: reg.OCIURL("org/none"), ref: &sourcev1.OCIRepositoryRef{SemVer: "*"},
			want: []string{"listing tags of " + reg.Repo("org/none"), "not found in the registry"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := newOptions(t, sourcev1.OCIRepositorySpec{URL: tc.url, Reference: tc.ref}, Secrets{})
			_, err := Resolve(context.Background(), opts)
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestAuth(t *testing.T) {
	reg := registry.New(t, registry.Options{Auth: true})
	arts := pushArtifacts(t, reg, "org/app", allTags...)
	spec := sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"),
		Reference: &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0 <2.0.0"}}

	t.Run("without credentials", func(t *testing.T) {
		_, err := Resolve(context.Background(), newOptions(t, spec, Secrets{}))
		t.Logf("error: %v", err)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "requires credentials") {
			t.Fatalf("got %v, want ErrAuth saying credentials are required", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		secrets := Secrets{Auth: []corev1.Secret{authSecret(reg.DockerConfigJSON(reg.Username, "wrong"))}}
		_, err := Resolve(context.Background(), newOptions(t, spec, secrets))
		t.Logf("error: %v", err)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "rejected the credentials") {
			t.Fatalf("got %v, want ErrAuth saying the credentials were rejected", err)
		}
	})
	t.Run("credentials for another registry only", func(t *testing.T) {
		other := authSecret([]byte(`{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}`))
		_, err := Resolve(context.Background(), newOptions(t, spec, Secrets{Auth: []corev1.Secret{other}}))
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("got %v, want ErrAuth", err)
		}
	})
	t.Run("valid credentials", func(t *testing.T) {
		secrets := Secrets{Auth: []corev1.Secret{authSecret(reg.DockerConfigJSON())}}
		opts := newOptions(t, spec, secrets)
		rev, err := Resolve(context.Background(), opts)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if rev.String() != "1.1.0@"+arts["1.1.0"].digest {
			t.Fatalf("revision %s", rev)
		}
		assertPullsTarGz(t, opts, rev, arts["1.1.0"])
	})
}

// assertPullsTarGz pulls the first layer and checks it unpacks to the artifact's files.
func assertPullsTarGz(t *testing.T, opts Options, rev Revision, want *artifact) {
	t.Helper()
	layer, err := Pull(context.Background(), opts, rev, LayerSelector{})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	defer layer.Close()
	data, err := io.ReadAll(layer)
	if err != nil {
		t.Fatalf("reading layer: %v", err)
	}
	if got := readTarGz(t, data); !reflect.DeepEqual(got, want.files) {
		t.Fatalf("pulled files %v, want %v", got, want.files)
	}
}

func TestInsecurePlainHTTP(t *testing.T) {
	// go-containerregistry reaches 127.0.0.1 over plain HTTP on its own; 127.0.0.2 is treated like any other
	// host, so this shows what spec.insecure changes.
	reg := registry.New(t, registry.Options{Host: "127.0.0.2"})
	arts := pushArtifacts(t, reg, "org/app", "1.0.0")
	spec := sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"), Reference: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}}

	_, err := Resolve(context.Background(), newOptions(t, spec, Secrets{}))
	t.Logf("error: %v", err)
	if err == nil || !strings.Contains(err.Error(), "set spec.insecure to true") {
		t.Fatalf("plain-HTTP registry without insecure: got %v, want a hint to set spec.insecure", err)
	}
	spec.Insecure = true
	opts := newOptions(t, spec, Secrets{})
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatalf("Resolve with insecure: %v", err)
	}
	if rev.String() != "1.0.0@"+arts["1.0.0"].digest {
		t.Fatalf("revision %s", rev)
	}
	assertPullsTarGz(t, opts, rev, arts["1.0.0"])
}

func TestTLSWithCertSecret(t *testing.T) {
	reg := registry.New(t, registry.Options{Auth: true, ClientCerts: true})
	arts := pushArtifacts(t, reg, "org/app", allTags...)
	spec := sourcev1.OCIRepositorySpec{URL: reg.OCIURL("org/app"), Reference: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}}
	auth := []corev1.Secret{authSecret(reg.DockerConfigJSON())}

	_, err := Resolve(context.Background(), newOptions(t, spec, Secrets{Auth: auth}))
	t.Logf("error: %v", err)
	if err == nil || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "ca.crt") {
		t.Fatalf("without the CA: got %v, want an unknown-authority error pointing at ca.crt", err)
	}
	caOnly := certSecret(map[string][]byte{CACertKey: reg.CACert})
	_, err = Resolve(context.Background(), newOptions(t, spec, Secrets{Auth: auth, Cert: caOnly}))
	t.Logf("error: %v", err)
	// With TLS 1.3 the refusal arrives after the handshake, so the wording depends on timing (usually a hint at
	// tls.crt and tls.key, sometimes HTTP/2's "client conn could not be established"): only the failure is certain.
	if err == nil {
		t.Fatal("without a client certificate the registry must refuse the connection")
	}
	full := certSecret(map[string][]byte{CACertKey: reg.CACert, ClientCertKey: reg.ClientCert, ClientKeyKey: reg.ClientKey})
	opts := newOptions(t, spec, Secrets{Auth: auth, Cert: full})
	rev, err := Resolve(context.Background(), opts)
	if err != nil {
		t.Fatalf("Resolve over TLS with certSecretRef: %v", err)
	}
	if rev.String() != "1.0.0@"+arts["1.0.0"].digest {
		t.Fatalf("revision %s", rev)
	}
	assertPullsTarGz(t, opts, rev, arts["1.0.0"])
}
