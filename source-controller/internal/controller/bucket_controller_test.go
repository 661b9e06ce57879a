/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/s3"
)

// TestBucket: objects under a prefix of a real S3 server become an artifact, ignored keys are left out, and a
// changed object gives a new revision on the next reconcile.
func TestBucket(t *testing.T) {
	srv := s3.New(t, s3.Options{})
	srv.CreateBucket(t, "manifests")
	srv.PutObject(t, "manifests", "apps/app.yaml", []byte("version: 1\n"))
	srv.PutObject(t, "manifests", "apps/base/svc.yaml", []byte("kind: Service\n"))
	srv.PutObject(t, "manifests", "apps/README.md", []byte("ignored by spec.ignore\n"))
	srv.PutObject(t, "manifests", "other/elsewhere.yaml", []byte("outside the prefix\n"))

	ns := newNamespace(t)
	data := map[string][]byte{}
	for k, v := range srv.SecretData() {
		data[k] = v
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s3-keys", Namespace: ns}, Data: data}
	if err := env.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	obj := &sourcev1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Name: "manifests", Namespace: ns},
		Spec: sourcev1.BucketSpec{
			Provider: "generic", BucketName: "manifests", Endpoint: srv.Endpoint, Insecure: true, Prefix: "apps/",
			SecretRef: &meta.LocalObjectReference{Name: "s3-keys"},
			Interval:  metav1.Duration{Duration: time.Hour},
			Ignore:    ptr.To("*.md\n"),
		},
	}
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.Bucket) bool { return readyAt(o, o.Status.ObservedGeneration) })
	dir := fetchArtifact(t, obj.Status.Artifact)
	if got := readFile(t, dir, "apps/app.yaml"); got != "version: 1\n" {
		t.Errorf("apps/app.yaml = %q", got)
	}
	readFile(t, dir, "apps/base/svc.yaml")
	for _, absent := range []string{"apps/README.md", "other/elsewhere.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, absent)); !os.IsNotExist(err) {
			t.Errorf("%s is in the artifact (stat: %v)", absent, err)
		}
	}
	first := obj.Status.Artifact.Revision

	// Unchanged bucket: same revision. Changed object: a new one.
	token := requestReconcile(t, obj)
	waitFor(t, obj, waitTimeout, "request handled", func(o *sourcev1.Bucket) bool { return o.Status.LastHandledReconcileAt == token })
	if obj.Status.Artifact.Revision != first {
		t.Errorf("revision moved without a change: %s -> %s", first, obj.Status.Artifact.Revision)
	}
	srv.PutObject(t, "manifests", "apps/app.yaml", []byte("version: 2\n"))
	requestReconcile(t, obj)
	waitFor(t, obj, waitTimeout, "new revision", func(o *sourcev1.Bucket) bool {
		return o.Status.Artifact != nil && o.Status.Artifact.Revision != first
	})
	if got := readFile(t, fetchArtifact(t, obj.Status.Artifact), "apps/app.yaml"); got != "version: 2\n" {
		t.Errorf("apps/app.yaml after the change = %q", got)
	}
}
