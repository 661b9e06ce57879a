/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package kube

import (
	"fmt"
	"io/fs"
	"path"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// BuildFS runs kustomize on dir inside fsys (for example an embedded copy of manifests/) and returns the
// objects, as Build does for a directory on disk. fsys is copied into memory first: kustomize reads only that
// copy and never the local disk.
func BuildFS(fsys fs.FS, dir string) ([]*unstructured.Unstructured, error) {
	mem := filesys.MakeFsInMemory()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := path.Join("/", p)
		if d.IsDir() {
			return mem.MkdirAll(target)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return mem.WriteFile(target, data)
	})
	if err != nil {
		return nil, fmt.Errorf("reading the manifests to build: %w", err)
	}
	return build(mem, path.Join("/", dir))
}
