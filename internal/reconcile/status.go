/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package reconcile holds what every tide reconciler does the same way.
package reconcile

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Persist writes what a reconcile changed, as merge patches against base (the object as fetched): the finalizers
// when they changed, then the whole status change in one request, so a reader never sees Ready next to the
// artifact or inventory of another revision. Nothing is written when nothing changed. Each tide kind's status has
// a single writer, its controller, so the status patch needs no optimistic lock.
func Persist(ctx context.Context, c client.Client, obj, base client.Object, fieldOwner string) error {
	owner := client.FieldOwner(fieldOwner)
	if !slices.Equal(base.GetFinalizers(), obj.GetFinalizers()) {
		if err := c.Patch(ctx, obj.DeepCopyObject().(client.Object), client.MergeFrom(base), owner); err != nil {
			return fmt.Errorf("updating finalizers: %w", err)
		}
	}
	// Diff the status alone: the same object with the fetched metadata.
	statusOnly := obj.DeepCopyObject().(client.Object)
	statusOnly.SetFinalizers(base.GetFinalizers())
	data, err := client.MergeFrom(base).Data(statusOnly)
	if err != nil {
		return fmt.Errorf("computing status patch: %w", err)
	}
	if string(data) == "{}" {
		return nil
	}
	if err := c.Status().Patch(ctx, statusOnly, client.RawPatch(types.MergePatchType, data), owner); err != nil {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}
