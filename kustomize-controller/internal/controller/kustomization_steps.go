/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/kustomize-controller/internal/apply"
	"github.com/tide-gitops/tide/kustomize-controller/internal/build"
)

// originRevisionKey is the artifact metadata key holding the revision the artifact was built from (set on
// OCI artifacts pushed by flux push artifact).
const originRevisionKey = "org.opencontainers.image.revision"

// defaultHTTPClient downloads artifacts when the reconciler has no client of its own.
var defaultHTTPClient = &http.Client{Timeout: 5 * time.Minute}

// reconcile runs the steps of one reconcile in order and returns the Ready message. A failed step returns a
// *stepError; nothing after it runs, so a failed build or apply never prunes and never replaces the inventory.
// times records how long each step took, and snap what the history snapshot of a built revision records.
func (r *KustomizationReconciler) reconcile(ctx context.Context, obj *kustomizev1.Kustomization, times *stepTimes, snap *snapshot) (string, error) {
	healthChecks, err := customHealthChecks(obj)
	if err != nil {
		return "", err
	}
	art, err := r.sourceArtifact(ctx, obj)
	if err != nil {
		return "", err
	}
	if err := r.checkDependencies(ctx, obj, art); err != nil {
		return "", err
	}
	obj.Status.LastAttemptedRevision = art.Revision
	// The target cluster's client comes first: a refused kubeConfig stops the reconcile before anything is built.
	m, err := r.applyManager(ctx, obj, healthChecks)
	if err != nil {
		return "", err
	}
	times.done("prepare")
	objs, err := r.buildArtifact(ctx, obj, art)
	times.done("build")
	if err != nil {
		return "", err
	}
	if err := snap.set(objs, art); err != nil {
		return "", failed(meta.BuildFailedReason, err)
	}
	err = r.applyAndPrune(ctx, obj, m, objs, art.Revision)
	times.done("apply")
	if err != nil {
		return "", err
	}
	err = r.checkHealth(ctx, obj, m)
	times.done("health")
	if err != nil {
		return "", err
	}
	obj.Status.LastAppliedRevision = art.Revision
	obj.Status.LastAppliedOriginRevision = art.Metadata[originRevisionKey]
	return fmt.Sprintf("Applied revision: %s", art.Revision), nil
}

// stepTimes records how long the steps of one reconcile took, for the log line that ends it.
type stepTimes struct {
	start, last time.Time
	// steps holds name, duration pairs, as logger key-values.
	steps []any
}

func newStepTimes() *stepTimes {
	now := time.Now()
	return &stepTimes{start: now, last: now}
}

// done records the time since the previous step ended as the duration of step.
func (t *stepTimes) done(step string) {
	now := time.Now()
	t.steps = append(t.steps, step, now.Sub(t.last).Round(time.Millisecond).String())
	t.last = now
}

// total is the time since the reconcile started.
func (t *stepTimes) total() time.Duration { return time.Since(t.start).Round(time.Millisecond) }

// customHealthChecks compiles spec.healthCheckExprs into the apply.Manager option that evaluates them. An
// expression that does not parse stalls the Kustomization, as in Flux: retrying cannot help until the spec
// changes.
func customHealthChecks(obj *kustomizev1.Kustomization) (apply.Option, error) {
	opt, err := apply.CustomHealthChecks(obj.Spec.HealthCheckExprs)
	if err != nil {
		return nil, stalledError(meta.InvalidCELExpressionReason, fmt.Errorf(
			"invalid spec.healthCheckExprs, fix the expression to reconcile again: %w", err))
	}
	return opt, nil
}

// driftIgnoreRules converts spec.driftIgnoreRules to ssa's rules. A target whose patterns do not compile
// stalls the Kustomization: retrying cannot help until the spec changes.
func driftIgnoreRules(obj *kustomizev1.Kustomization) ([]jsondiff.IgnoreRule, error) {
	rules, err := apply.IgnoreRules(obj.Spec.DriftIgnoreRules)
	if err != nil {
		return nil, stalledError(meta.ReconciliationFailedReason, fmt.Errorf("%w; fix it to reconcile again", err))
	}
	return rules, nil
}

// sourceArtifact returns the artifact of spec.sourceRef, refusing a cross-namespace reference when they are
// disabled. A missing source or a source without artifact is retried.
func (r *KustomizationReconciler) sourceArtifact(ctx context.Context, obj *kustomizev1.Kustomization) (*meta.Artifact, error) {
	ref := obj.Spec.SourceRef
	ns := ref.Namespace
	if ns == "" {
		ns = obj.Namespace
	}
	if r.NoCrossNamespaceRefs && ns != obj.Namespace {
		return nil, stalledError(kustomizev1.AccessDeniedReason, fmt.Errorf(
			"cannot access %s/%s/%s: cross-namespace references are disabled (--no-cross-namespace-refs)", ref.Kind, ns, ref.Name))
	}
	var src interface {
		client.Object
		GetArtifact() *meta.Artifact
	}
	switch ref.Kind {
	case sourcev1.GitRepositoryKind:
		src = &sourcev1.GitRepository{}
	case sourcev1.OCIRepositoryKind:
		src = &sourcev1.OCIRepository{}
	case sourcev1.BucketKind:
		src = &sourcev1.Bucket{}
	default:
		return nil, stalledError(meta.ArtifactFailedReason, fmt.Errorf(
			"spec.sourceRef.kind %q is not supported: use GitRepository, OCIRepository or Bucket", ref.Kind))
	}
	name := fmt.Sprintf("%s/%s/%s", ref.Kind, ns, ref.Name)
	if err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, src); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, failed(meta.ArtifactFailedReason, fmt.Errorf("source '%s' not found", name))
		}
		return nil, failed(meta.ArtifactFailedReason, fmt.Errorf("reading source '%s': %w", name, err))
	}
	art := src.GetArtifact()
	if art == nil || art.URL == "" {
		return nil, failed(meta.ArtifactFailedReason, fmt.Errorf("source '%s' is not ready: it has no artifact yet", name))
	}
	return art.DeepCopy(), nil
}

// buildArtifact reads the substitution variables and the decryption keys and builds spec.path of the artifact,
// which is downloaded and verified only when the build is not cached. A SOPS-encrypted Secret left in the
// build (no spec.decryption) fails it.
func (r *KustomizationReconciler) buildArtifact(ctx context.Context, obj *kustomizev1.Kustomization, art *meta.Artifact) ([]*unstructured.Unstructured, error) {
	fetch, fetchErr, cleanup := r.artifactSource(ctx, art)
	defer cleanup()
	vars, err := r.substitutionVars(ctx, obj)
	if err != nil {
		return nil, failed(meta.BuildFailedReason, err)
	}
	dec, err := r.decryptor(ctx, obj)
	if err != nil {
		return nil, err
	}
	objs, err := build.BuildFrom(ctx, fetch, &obj.Spec, build.Options{
		AllowRemoteBases:   r.AllowRemoteBases,
		ArtifactDigest:     art.Digest,
		Cache:              r.BuildCache,
		Vars:               vars,
		StrictSubstitution: r.StrictSubstitution,
		Decryptor:          dec,
	})
	if err != nil {
		if *fetchErr != nil {
			return nil, *fetchErr
		}
		return nil, failed(meta.BuildFailedReason, err)
	}
	return objs, refuseEncrypted(objs)
}

// artifactSource returns the build.Source of the artifact, where the failed download's step error is kept, and
// a cleanup to call once the build is done. With r.Artifacts, Kustomizations of the same artifact share one
// extracted copy (read-only); otherwise it is extracted into a temporary directory of this build.
func (r *KustomizationReconciler) artifactSource(ctx context.Context, art *meta.Artifact) (build.Source, *error, func()) {
	hc := r.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	var fetchErr error
	var cleanups []func()
	download := func(dir string) error {
		if err := artifact.Fetch(ctx, hc, art.URL, art.Digest, dir, artifact.FetchOptions{}); err != nil {
			fetchErr = artifactError(art, err)
			return fetchErr
		}
		return nil
	}
	fetch := func() (string, error) {
		if r.Artifacts == nil {
			tmp, err := os.MkdirTemp("", "kustomization-")
			if err != nil {
				fetchErr = failed(meta.ArtifactFailedReason, fmt.Errorf("creating a temporary directory: %w", err))
				return "", fetchErr
			}
			cleanups = append(cleanups, func() { _ = os.RemoveAll(tmp) })
			dir := filepath.Join(tmp, "source")
			return dir, download(dir)
		}
		dir, release, err := r.Artifacts.Acquire(ctx, art.Digest, download)
		if err != nil {
			if fetchErr == nil { // another reconcile's download of the same artifact failed, or ctx ended
				var se *stepError
				if !errors.As(err, &se) {
					se = artifactError(art, err)
				}
				fetchErr = se
			}
			return "", fetchErr
		}
		cleanups = append(cleanups, release)
		return dir, nil
	}
	return fetch, &fetchErr, func() {
		for _, c := range cleanups {
			c()
		}
	}
}

// artifactError explains a failed download, naming a digest mismatch as such.
func artifactError(art *meta.Artifact, err error) *stepError {
	var mismatch *artifact.DigestMismatchError
	if errors.As(err, &mismatch) {
		return failed(meta.ArtifactFailedReason, fmt.Errorf(
			"artifact of revision '%s' refused: its digest %s does not match %s from the source's status",
			art.Revision, mismatch.Got, mismatch.Want))
	}
	return failed(meta.ArtifactFailedReason, fmt.Errorf("fetching the artifact of revision '%s': %w", art.Revision, err))
}

// substitutionVars reads spec.postBuild.substituteFrom (optional sources may be missing) without the cache and
// merges them with spec.postBuild.substitute.
func (r *KustomizationReconciler) substitutionVars(ctx context.Context, obj *kustomizev1.Kustomization) (map[string]string, error) {
	return build.ReadVars(ctx, r.APIReader, obj.Namespace, obj.Spec.PostBuild)
}

// applyAndPrune applies the objects, prunes what left the inventory (spec.prune), records the new inventory
// and emits one event listing what changed.
func (r *KustomizationReconciler) applyAndPrune(ctx context.Context, obj *kustomizev1.Kustomization, m *apply.Manager,
	objs []*unstructured.Unstructured, revision string) error {
	previous := obj.Status.Inventory
	if previous == nil {
		previous = &kustomizev1.ResourceInventory{}
	}
	rules, err := driftIgnoreRules(obj)
	if err != nil {
		return err
	}
	cs, err := m.Apply(ctx, objs, apply.ApplyOptions{
		Force:            obj.Spec.Force,
		SkipUnchanged:    true,
		WaitTimeout:      r.healthTimeout(obj),
		Inventory:        previous,
		DriftIgnoreRules: rules,
	})
	if err != nil {
		// Objects written before the failure join the inventory, so a later prune can still remove them.
		if cs != nil && len(cs.Entries) > 0 {
			obj.Status.Inventory = mergeInventories(apply.InventoryFromChangeSet(cs), previous)
		}
		return failed(meta.ReconciliationFailedReason, err)
	}
	inv := apply.InventoryFromChangeSet(cs)
	if obj.Spec.Prune {
		pruned, err := m.Prune(ctx, apply.Diff(obj.Status.Inventory, inv), pruneOptions())
		if err != nil {
			// The applied objects are in place: keep them in the inventory with those not yet pruned.
			obj.Status.Inventory = mergeInventories(inv, obj.Status.Inventory)
			return failed(meta.PruneFailedReason, err)
		}
		cs.Append(pruned.Entries)
	}
	obj.Status.Inventory = inv
	if msg := changeSummary(cs); msg != "" {
		r.EventRecorder.AnnotatedEventf(obj, map[string]string{kustomizev1.GroupVersion.Group + "/revision": revision},
			corev1.EventTypeNormal, meta.ReconciliationSucceededReason, "%s", msg)
	}
	return nil
}

// mergeInventories returns the entries of a followed by those of b not in a.
func mergeInventories(a, b *kustomizev1.ResourceInventory) *kustomizev1.ResourceInventory {
	out := &kustomizev1.ResourceInventory{Entries: append([]kustomizev1.ResourceRef{}, a.Entries...)}
	out.Entries = append(out.Entries, apply.Diff(b, a)...)
	return out
}

// pruneOptions are the options of every prune.
func pruneOptions() apply.PruneOptions { return apply.PruneOptions{} }

// changeSummary lists the entries that changed something, one per line ("ConfigMap/ns/x configured"), or ""
// when nothing changed.
func changeSummary(cs *ssa.ChangeSet) string {
	if cs == nil {
		return ""
	}
	var lines []string
	for _, e := range cs.Entries {
		switch e.Action {
		case ssa.CreatedAction, ssa.ConfiguredAction, ssa.DeletedAction:
			lines = append(lines, e.String())
		}
	}
	return strings.Join(lines, "\n")
}

// healthTimeout is spec.timeout, or the interval when it is not set.
func (r *KustomizationReconciler) healthTimeout(obj *kustomizev1.Kustomization) time.Duration {
	if obj.Spec.Timeout != nil && obj.Spec.Timeout.Duration > 0 {
		return obj.Spec.Timeout.Duration
	}
	return obj.Spec.Interval.Duration
}

// checkHealth waits for every object of the inventory (spec.wait) or for spec.healthChecks, and records the
// Healthy condition. Without either, Healthy is removed.
func (r *KustomizationReconciler) checkHealth(ctx context.Context, obj *kustomizev1.Kustomization, m *apply.Manager) error {
	var set object.ObjMetadataSet
	switch {
	case obj.Spec.Wait:
		s, err := apply.ToObjMetadataSet(obj.Status.Inventory)
		if err != nil {
			return failed(meta.HealthCheckFailedReason, err)
		}
		set = s
	case len(obj.Spec.HealthChecks) > 0:
		set = healthCheckSet(obj.Spec.HealthChecks)
	default:
		conditions.Delete(obj, meta.HealthyCondition)
		return nil
	}
	unhealthy, err := m.WaitForHealthy(ctx, set, r.healthTimeout(obj))
	if err == nil {
		err = apply.HealthError(unhealthy)
	}
	if err != nil {
		msg := fmt.Sprintf("health check failed after %s: %s", r.healthTimeout(obj), err)
		conditions.MarkFalse(obj, meta.HealthyCondition, meta.HealthCheckFailedReason, "%s", truncate(msg))
		return failed(meta.HealthCheckFailedReason, errors.New(msg))
	}
	conditions.MarkTrue(obj, meta.HealthyCondition, meta.SucceededReason, "Health check passed")
	return nil
}

// healthCheckSet converts spec.healthChecks to object identities.
func healthCheckSet(checks []meta.NamespacedObjectKindReference) object.ObjMetadataSet {
	set := make(object.ObjMetadataSet, 0, len(checks))
	for _, c := range checks {
		gv, _ := schema.ParseGroupVersion(c.APIVersion)
		set = append(set, object.ObjMetadata{Namespace: c.Namespace, Name: c.Name,
			GroupKind: schema.GroupKind{Group: gv.Group, Kind: c.Kind}})
	}
	return set
}
