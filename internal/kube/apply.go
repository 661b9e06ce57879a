/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package kube holds the cluster-side helpers that the tide CLI, the tests and the dev mode share: building a
// kustomize directory and applying the result with server-side apply in stages.
package kube

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// FieldManager is the server-side apply field manager of objects the tide CLI applies.
const FieldManager = "tide"

// Build runs kustomize on dir, as `kubectl kustomize dir` would, and returns the objects.
func Build(dir string) ([]*unstructured.Unstructured, error) {
	return build(filesys.MakeFsOnDisk(), dir)
}

// build runs kustomize on dir of fsys and returns the objects.
func build(fsys filesys.FileSystem, dir string) ([]*unstructured.Unstructured, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("building %s with kustomize: %w", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range resMap.Resources() {
		// Through JSON: kyaml's maps hold Go ints, which unstructured objects cannot deep-copy.
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("reading %s from the build of %s: %w", r.CurId(), dir, err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("decoding %s from the build of %s: %w", r.CurId(), dir, err)
		}
		objs = append(objs, u)
	}
	return objs, nil
}

// NewResourceManager returns a server-side apply manager for the client with kstatus polling for waits.
func NewResourceManager(c client.Client) *ssa.ResourceManager {
	poller := polling.NewStatusPoller(c, c.RESTMapper(), polling.Options{})
	return ssa.NewResourceManager(c, poller, ssa.Owner{Field: FieldManager, Group: "tide.toolkit"})
}

// ApplyStaged applies objects with server-side apply: CRDs, namespaces and cluster roles first, waiting until
// they are established, then everything else. It returns what changed.
func ApplyStaged(ctx context.Context, rm *ssa.ResourceManager, objs []*unstructured.Unstructured, timeout time.Duration) (*ssa.ChangeSet, error) {
	opts := ssa.DefaultApplyOptions()
	opts.WaitInterval = 200 * time.Millisecond
	opts.WaitTimeout = timeout
	cs, err := rm.ApplyAllStaged(ctx, objs, opts)
	if err != nil {
		return cs, fmt.Errorf("applying %d objects: %w", len(objs), err)
	}
	return cs, nil
}
