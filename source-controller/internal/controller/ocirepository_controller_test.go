/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/internal/testserver/registry"
)

const fluxContentMediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"

// pushManifests pushes an OCI artifact holding one file, app.yaml, with the given content, and returns its
// manifest digest.
func pushManifests(t *testing.T, reg *registry.Registry, repo, tag, content string) string {
	t.Helper()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "app.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	if _, err := artifact.Archive(context.Background(), src, &layer, nil); err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: static.NewLayer(layer.Bytes(), fluxContentMediaType)})
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, "application/vnd.cncf.flux.config.v1+json")
	ref, err := name.NewTag(reg.Repo(repo)+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	auth := remote.WithAuth(&authn.Basic{Username: reg.Username, Password: reg.Password})
	if err := remote.Write(ref, img, auth); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestOCIRepository: artifacts pushed to a real registry (with auth) are pulled by tag, semver and digest;
// copy mode stores the layer as it is; spec.verify is refused rather than ignored.
func TestOCIRepository(t *testing.T) {
	reg := registry.New(t, registry.Options{Auth: true})
	ns := newNamespace(t)
	digests := map[string]string{}
	for _, tag := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		digests[tag] = pushManifests(t, reg, "org/app", tag, "version: "+tag+"\n")
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "registry-auth", Namespace: ns},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: reg.DockerConfigJSON()},
	}
	if err := env.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		ref          *sourcev1.OCIRepositoryRef
		layer        *sourcev1.OCILayerSelector
		wantRevision string
		wantVersion  string
	}{
		{"tag", &sourcev1.OCIRepositoryRef{Tag: "1.0.0"}, nil, "1.0.0@" + digests["1.0.0"], "1.0.0"},
		{"semver", &sourcev1.OCIRepositoryRef{SemVer: ">=1.0.0 <2.0.0"}, nil, "1.1.0@" + digests["1.1.0"], "1.1.0"},
		{"digest", &sourcev1.OCIRepositoryRef{Digest: digests["2.0.0"]}, nil, digests["2.0.0"], "2.0.0"},
		{"copy", &sourcev1.OCIRepositoryRef{Tag: "1.0.0"},
			&sourcev1.OCILayerSelector{MediaType: fluxContentMediaType, Operation: sourcev1.OCILayerCopy}, "1.0.0@" + digests["1.0.0"], "1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &sourcev1.OCIRepository{
				ObjectMeta: metav1.ObjectMeta{Name: tt.name, Namespace: ns},
				Spec: sourcev1.OCIRepositorySpec{
					URL: reg.OCIURL("org/app"), Reference: tt.ref, LayerSelector: tt.layer, Insecure: true,
					SecretRef: &meta.LocalObjectReference{Name: "registry-auth"},
					Interval:  metav1.Duration{Duration: time.Hour},
				},
			}
			if err := env.Client.Create(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
			waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.OCIRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
			if got := obj.Status.Artifact.Revision; got != tt.wantRevision {
				t.Errorf("revision = %s, want %s", got, tt.wantRevision)
			}
			if got := readFile(t, fetchArtifact(t, obj.Status.Artifact), "app.yaml"); got != "version: "+tt.wantVersion+"\n" {
				t.Errorf("app.yaml = %q", got)
			}
			if obj.Status.URL == "" {
				t.Error("status.url is empty")
			}
		})
	}

	t.Run("verify is not silently skipped", func(t *testing.T) {
		obj := &sourcev1.OCIRepository{
			ObjectMeta: metav1.ObjectMeta{Name: "verify", Namespace: ns},
			Spec: sourcev1.OCIRepositorySpec{
				URL: reg.OCIURL("org/app"), Insecure: true, Interval: metav1.Duration{Duration: time.Hour},
				Reference: &sourcev1.OCIRepositoryRef{Tag: "1.0.0"},
				Verify:    &sourcev1.OCIRepositoryVerification{Provider: "cosign"},
			},
		}
		if err := env.Client.Create(context.Background(), obj); err != nil {
			t.Fatal(err)
		}
		waitFor(t, obj, waitTimeout, "Stalled", func(o *sourcev1.OCIRepository) bool {
			return conditions.IsStalled(o) && failedWith(o, VerificationNotSupportedReason)
		})
		if obj.Status.Artifact != nil {
			t.Errorf("an unverified artifact was stored: %+v", obj.Status.Artifact)
		}
	})
}
