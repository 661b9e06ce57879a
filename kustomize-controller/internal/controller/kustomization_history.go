/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// snapshot is what status.history records of a reconcile that built its revision, as Flux does: the digest of
// the built objects, the outcome (the Ready reason: ReconciliationSucceeded, HealthCheckFailed, ...), and the
// source revision. Reconciles that stop before the build (a missing source, a dependency) are not recorded.
type snapshot struct {
	digest   string
	metadata map[string]string
}

// set computes the digest of the built objects (sha256 of their JSON, in build order) and keeps the revision.
func (s *snapshot) set(objs []*unstructured.Unstructured, art *meta.Artifact) error {
	h := sha256.New()
	for _, o := range objs {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("encoding %s/%s for the history digest: %w", o.GetKind(), o.GetName(), err)
		}
		h.Write(data)
		h.Write([]byte{'\n'})
	}
	s.digest = fmt.Sprintf("sha256:%x", h.Sum(nil))
	s.metadata = map[string]string{"revision": art.Revision}
	if origin := art.Metadata[originRevisionKey]; origin != "" {
		s.metadata["originRevision"] = origin
	}
	return nil
}

// record adds the reconcile to obj's history (the last meta.HistoryMaxSize distinct digest and outcome pairs,
// most recent first), once its Ready condition is set.
func (s *snapshot) record(obj *kustomizev1.Kustomization, took time.Duration) {
	if s.digest == "" {
		return
	}
	obj.Status.History.Upsert(s.digest, time.Now(), took, conditions.GetReason(obj, meta.ReadyCondition), s.metadata)
}
