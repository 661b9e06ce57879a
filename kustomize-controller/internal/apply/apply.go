/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package apply applies a built set of objects for one Kustomization with server-side apply, records the
// inventory in Flux's format, prunes objects that left the set and waits for the applied objects to become
// healthy. It wraps fluxcd/pkg/ssa, honouring the per-object kustomize.toolkit.fluxcd.io annotations as
// Flux's kustomize-controller does, and adds an optional fast path that detects unchanged objects without
// a dry-run per object.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/engine"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/jsondiff"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// FieldManager is the server-side apply field manager of every object the kustomize-controller applies.
const FieldManager = "kustomize-controller"

// DefaultConcurrency is how many objects are read and dry-run at once when no other value is set.
const DefaultConcurrency = 16

// Manager applies, prunes and health-checks the objects of one Kustomization.
type Manager struct {
	client      client.Client
	rm          *ssa.ResourceManager
	poller      *polling.StatusPoller
	owner       types.NamespacedName
	concurrency int
}

// New returns a Manager that talks to the cluster through c (which may impersonate the Kustomization's
// service account) on behalf of the Kustomization named owner. Options add to it, e.g. the custom health
// checks of CustomHealthChecks; nil options are ignored.
func New(c client.Client, owner types.NamespacedName, opts ...Option) *Manager {
	var o managerOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	readers := make([]engine.StatusReader, 0, len(o.statusReaders))
	for _, newReader := range o.statusReaders {
		readers = append(readers, newReader(c.RESTMapper()))
	}
	poller := polling.NewStatusPoller(c, c.RESTMapper(), polling.Options{CustomStatusReaders: readers})
	rm := ssa.NewResourceManager(c, poller, ssa.Owner{Field: FieldManager, Group: kustomizev1.GroupVersion.Group})
	rm.SetConcurrency(DefaultConcurrency)
	return &Manager{client: c, rm: rm, poller: poller, owner: owner, concurrency: DefaultConcurrency}
}

// SetConcurrency sets how many objects are read and dry-run at once (at least 1).
func (m *Manager) SetConcurrency(n int) {
	if n < 1 {
		n = 1
	}
	m.concurrency = n
	m.rm.SetConcurrency(n)
}

// OwnerLabels returns the labels that mark an object as managed by this Manager's Kustomization.
func (m *Manager) OwnerLabels() map[string]string {
	return map[string]string{
		kustomizev1.NameLabel:      m.owner.Name,
		kustomizev1.NamespaceLabel: m.owner.Namespace,
	}
}

// ApplyOptions change how Apply treats the whole set.
type ApplyOptions struct {
	// Force recreates objects whose immutable fields changed (spec.force). Objects annotated
	// kustomize.toolkit.fluxcd.io/force: enabled are recreated whatever Force says.
	Force bool

	// WaitTimeout bounds the wait for CRDs and Namespaces to become established before the rest of the
	// set is applied. Zero means one minute.
	WaitTimeout time.Duration

	// WaitInterval is how often the established state is polled. Zero means one second.
	WaitInterval time.Duration

	// SkipUnchanged enables the fast path: every object carries DigestAnnotation, a digest of the
	// configuration applied to it, and the live objects of the Kustomization are listed once per kind and
	// namespace. An object whose live copy carries the same digest and whose every applied field still has
	// the applied value is reported unchanged without a GET or a dry-run; an existing object changed in Git
	// or with a managed field edited in the cluster takes the dry-run path, so drift is still corrected and
	// reported; an object that does not exist is created concurrently with the other new ones. Turning it on
	// or off changes the annotation, so the next apply reports every object configured once.
	SkipUnchanged bool

	// Inventory is the inventory of the previous successful apply. With SkipUnchanged, only the kinds and
	// namespaces it holds are listed; nil lists every kind and namespace of the set. Objects the lists do not
	// show are applied with a dry-run, concurrently; those it shows absent from the cluster are then created
	// concurrently, without ssa's GET and diff.
	Inventory *kustomizev1.ResourceInventory

	// DriftIgnoreRules name JSON pointer paths (RFC 6901) of selected objects that drift detection and
	// correction leave alone (spec.driftIgnoreRules): a difference there alone leaves an existing object
	// unchanged, and an object applied for another difference keeps the live values of those paths. New
	// objects are created in full. A rule without selector matches every object.
	DriftIgnoreRules []jsondiff.IgnoreRule
}

// Apply sets the ownership labels on copies of objs and applies them with server-side apply in stages:
// CRDs, Namespaces and ClusterRoles first (waiting until they are established), then class definitions,
// then everything else. Objects whose dry-run shows no difference are not written. The result lists every
// object with its action (created, configured, unchanged or skipped); its entries print as
// "Deployment/prod/web configured". On error the change set holds the objects handled before the failure,
// and the caller must not prune.
//
// Per-object annotations, in the manifest or (for reconcile and force) on the live object:
// kustomize.toolkit.fluxcd.io/reconcile: disabled and kustomize.toolkit.fluxcd.io/ssa: Ignore skip the
// object; ssa: IfNotPresent creates it only when missing; ssa: Merge keeps fields that kubectl manages,
// while the default (Override) takes them over; force: enabled recreates it on immutable field changes.
func (m *Manager) Apply(ctx context.Context, objs []*unstructured.Unstructured, opts ApplyOptions) (*ssa.ChangeSet, error) {
	set := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		if o == nil || o.GetName() == "" || o.GetKind() == "" || o.GetAPIVersion() == "" {
			return nil, errors.New("applying: an object of the build has no apiVersion, kind or name")
		}
		set = append(set, o.DeepCopy())
	}
	m.rm.SetOwnerLabels(set, m.owner.Name, m.owner.Namespace)

	order := make(map[string]int, len(set))
	for i, o := range set {
		order[FormatID(object.UnstructuredToObjMetadata(o))] = i
	}
	result := ssa.NewChangeSet()
	defer sortEntries(result, order)
	if !opts.SkipUnchanged {
		return result, m.applySSA(ctx, set, result, opts, true)
	}
	rules, err := jsondiff.CompileIgnoreRules(opts.DriftIgnoreRules)
	if err != nil {
		return nil, fmt.Errorf("invalid drift ignore rules: %w", err)
	}
	if err := setDigests(set); err != nil {
		return nil, err
	}
	changed, unknown := m.fastPath(ctx, set, opts.Inventory, rules, result)
	defs, changed := splitDefinitions(changed)
	newDefs, unknown := splitDefinitions(unknown)
	// Definitions first, waiting until they are established, as ssa's staged apply does.
	if err := m.applySSA(ctx, append(defs, newDefs...), result, opts, true); err != nil {
		return result, err
	}
	absent, rest := m.splitNew(ctx, unknown, result)
	// ssa dry-runs all of rest before it writes any, so an invalid object there also keeps the new ones out.
	if err := m.applySSA(ctx, append(changed, rest...), result, opts, false); err != nil {
		return result, err
	}
	if err := m.createAll(ctx, absent, result); err != nil {
		return result, fmt.Errorf("creating %d objects: %w", len(absent), err)
	}
	return result, nil
}

// applySSA applies objs with ssa (staged: definitions first, waiting until they are established) and adds
// the entries to result.
func (m *Manager) applySSA(ctx context.Context, objs []*unstructured.Unstructured, result *ssa.ChangeSet, opts ApplyOptions, staged bool) error {
	if len(objs) == 0 {
		return nil
	}
	apply := m.rm.ApplyAll
	if staged {
		apply = m.rm.ApplyAllStaged
	}
	cs, err := apply(ctx, objs, m.ssaApplyOptions(opts))
	if cs != nil {
		result.Append(cs.Entries)
	}
	if err != nil {
		return fmt.Errorf("applying %d objects: %w", len(objs), err)
	}
	return nil
}

// sortEntries puts the entries in the order of the objects in the build, so the inventory does not change
// order between reconciles whichever path decided each object. Entries of unknown objects go last.
func sortEntries(cs *ssa.ChangeSet, order map[string]int) {
	pos := func(e ssa.ChangeSetEntry) int {
		if i, ok := order[FormatID(e.ObjMetadata)]; ok {
			return i
		}
		return len(order)
	}
	sort.SliceStable(cs.Entries, func(i, j int) bool { return pos(cs.Entries[i]) < pos(cs.Entries[j]) })
}

// ssaApplyOptions maps ApplyOptions and the per-object annotations onto ssa's selectors, as Flux does.
func (m *Manager) ssaApplyOptions(opts ApplyOptions) ssa.ApplyOptions {
	o := ssa.DefaultApplyOptions()
	o.Force = opts.Force
	o.DriftIgnoreRules = opts.DriftIgnoreRules
	o.WaitTimeout = time.Minute
	if opts.WaitTimeout > 0 {
		o.WaitTimeout = opts.WaitTimeout
	}
	o.WaitInterval = time.Second
	if opts.WaitInterval > 0 {
		o.WaitInterval = opts.WaitInterval
	}
	o.ExclusionSelector = exclusionSelector()
	o.IfNotPresentSelector = map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue}
	o.ForceSelector = map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue}
	o.Cleanup = ssa.ApplyCleanupOptions{
		Annotations: cleanupAnnotations,
		FieldManagers: []ssa.FieldManager{
			// Undo 'kubectl apply --server-side' and 'kubectl apply'.
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
			// Fields the controller itself wrote with an update go back to its apply manager.
			{Name: FieldManager, OperationType: metav1.ManagedFieldsOperationUpdate},
		},
		Exclusions: map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue},
	}
	return o
}

// cleanupAnnotations are removed from live objects on apply, unless the object is ssa: Merge.
var cleanupAnnotations = []string{corev1.LastAppliedConfigAnnotation}

// exclusionSelector matches objects that are never applied.
func exclusionSelector() map[string]string {
	return map[string]string{
		kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue,
		kustomizev1.SSAAnnotation:       kustomizev1.IgnoreValue,
	}
}
