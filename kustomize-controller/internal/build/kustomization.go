/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/internal/yamlguard"
)

// findKustomizationFile returns the path of the kustomization file in dir, or "" when there is none.
func findKustomizationFile(fsys *rootFS, dir string) string {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, name); fsys.Exists(p) && !fsys.IsDir(p) {
			return p
		}
	}
	return ""
}

// listPlainYAML lists, relative to dir, the YAML files below dir (hidden files and directories skipped) and
// the sub-directories that hold their own kustomization file (added as one resource, not descended into), as
// Flux does for a path without a kustomization file. The files are parsed once, by kustomize, whose error
// names a bad file.
func listPlainYAML(fsys *rootFS, dir string) ([]string, error) {
	var out []string
	err := fsys.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.HasPrefix(info.Name(), ".") {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			if findKustomizationFile(fsys, path) != "" {
				out = append(out, rel)
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// plan is the kustomization a build runs at dir: the user's file, or one generated for plain YAML, with the
// Kustomization's spec fields merged in.
type plan struct {
	kus kustypes.Kustomization
	// file is the kustomization file to shadow (the user's, or the one generated in its place).
	file string
	// generated is set when dir has no kustomization file and kus lists its plain YAML.
	generated bool
	// changed is false when the user's file can be used unmodified.
	changed bool
}

// planKustomization returns the kustomization that Flux would build at dir: the user's kustomization file
// (or one listing the plain YAML files) with the Kustomization's spec fields merged in.
func planKustomization(fsys *rootFS, dir string, spec *kustomizev1.KustomizationSpec) (*plan, error) {
	p := &plan{kus: kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{
		APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind}}}
	p.file = findKustomizationFile(fsys, dir)
	p.generated = p.file == ""
	var err error
	if p.generated {
		p.file = filepath.Join(dir, konfig.DefaultKustomizationFileName())
		if p.kus.Resources, err = listPlainYAML(fsys, dir); err != nil {
			return nil, err
		}
		p.changed = true
	} else if hasSpecFields(spec) {
		raw, err := fsys.ReadFile(p.file)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", fsys.rel(p.file), err)
		}
		if err := yaml.Unmarshal(raw, &p.kus); err != nil {
			return nil, fmt.Errorf("%s is not a valid kustomization: %w", fsys.rel(p.file), err)
		}
		p.changed = true
	}
	if !p.changed {
		return p, nil
	}
	for i, patch := range spec.Patches {
		if err := yamlguard.CheckAliases([]byte(patch.Patch)); err != nil {
			return nil, fmt.Errorf("spec.patches[%d]: %w", i, err)
		}
	}
	mergeSpec(fsys, dir, &p.kus, spec)
	if p.generated && len(p.kus.Resources) == 0 && len(p.kus.Components) == 0 {
		// Not empty for kustomize, which refuses an empty kustomization (Flux does the same).
		p.kus.BuildMetadata = []string{kustypes.OriginAnnotations}
	}
	return p, nil
}

// marshalKustomization writes kus as the YAML of a kustomization file; dir names it in the error.
func marshalKustomization(fsys *rootFS, dir string, kus *kustypes.Kustomization) ([]byte, error) {
	data, err := yaml.Marshal(kus)
	if err != nil {
		return nil, fmt.Errorf("writing the generated kustomization for %s: %w", fsys.rel(dir), err)
	}
	return data, nil
}

// hasSpecFields reports whether spec sets any field that changes the kustomization.
func hasSpecFields(spec *kustomizev1.KustomizationSpec) bool {
	return spec.TargetNamespace != "" || spec.NamePrefix != "" || spec.NameSuffix != "" ||
		len(spec.Patches) > 0 || len(spec.Images) > 0 || len(spec.Components) > 0
}

// mergeSpec sets the Kustomization's fields on kus the way Flux's generator does: targetNamespace, namePrefix
// and nameSuffix replace the file's values, patches and components are appended, and an image entry replaces
// the file's entry of the same name.
func mergeSpec(fsys *rootFS, dir string, kus *kustypes.Kustomization, spec *kustomizev1.KustomizationSpec) {
	if spec.TargetNamespace != "" {
		kus.Namespace = spec.TargetNamespace
	}
	if spec.NamePrefix != "" {
		kus.NamePrefix = spec.NamePrefix
	}
	if spec.NameSuffix != "" {
		kus.NameSuffix = spec.NameSuffix
	}
	for _, c := range spec.Components {
		if spec.IgnoreMissingComponents && !isRemote(c) && !fsys.Exists(filepath.Join(dir, c)) {
			continue
		}
		kus.Components = append(kus.Components, c)
	}
	for _, p := range spec.Patches {
		patch := kustypes.Patch{Patch: p.Patch}
		if t := p.Target; t != nil {
			patch.Target = &kustypes.Selector{
				ResId: resid.ResId{
					Gvk:       resid.Gvk{Group: t.Group, Version: t.Version, Kind: t.Kind},
					Name:      t.Name,
					Namespace: t.Namespace,
				},
				LabelSelector:      t.LabelSelector,
				AnnotationSelector: t.AnnotationSelector,
			}
		}
		kus.Patches = append(kus.Patches, patch)
	}
	for _, img := range spec.Images {
		ki := kustypes.Image{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest}
		replaced := false
		for i := range kus.Images {
			if kus.Images[i].Name == img.Name {
				kus.Images[i], replaced = ki, true
			}
		}
		if !replaced {
			kus.Images = append(kus.Images, ki)
		}
	}
}

// scpLike matches the user@host: form of a git URL that kustomize clones.
var scpLike = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@[^/:]+:`)

// isRemote reports whether a kustomization reference is fetched from the network by kustomize: an http(s),
// ssh, file or other URL, a git@host: address, or a github.com/ path.
func isRemote(ref string) bool {
	s := strings.TrimSpace(ref)
	lower := strings.ToLower(s)
	lower = strings.TrimPrefix(lower, "git::")
	switch {
	case strings.Contains(lower, "://"):
		return !strings.Contains(lower, "\n")
	case strings.HasPrefix(lower, "github.com/"), strings.HasPrefix(lower, "github.com:"),
		strings.HasPrefix(lower, "gh:"):
		return true
	}
	return scpLike.MatchString(strings.TrimPrefix(s, "git::"))
}

// scanResult is what checkReferences learned about the kustomization tree.
type scanResult struct {
	// customSchema is set when a kustomization declares an openapi field, which changes kyaml's global schema.
	customSchema bool
}

// checkReferences walks the local kustomization tree from dir and refuses remote references unless allowed.
// A kustomization that does not parse is reported with its file name.
func checkReferences(fsys *rootFS, dir string, allowRemote bool) (scanResult, error) {
	var res scanResult
	seen := map[string]bool{}
	var visit func(dir string) error
	visit = func(dir string) error {
		if seen[dir] {
			return nil
		}
		seen[dir] = true
		file := findKustomizationFile(fsys, dir)
		if file == "" {
			return nil
		}
		raw, err := fsys.ReadFile(file)
		if err != nil {
			return nil
		}
		var kus kustypes.Kustomization
		if err := yaml.Unmarshal(raw, &kus); err != nil {
			return fmt.Errorf("%s is not a valid kustomization: %w", fsys.rel(file), err)
		}
		if err := checkInlinePatches(&kus); err != nil {
			return fmt.Errorf("%s: %w", fsys.rel(file), err)
		}
		if len(kus.OpenAPI) > 0 {
			res.customSchema = true
		}
		for _, ref := range references(&kus) {
			if isRemote(ref) {
				if !allowRemote {
					return fmt.Errorf("%s refers to the remote resource %q: remote bases are disabled on this controller (--no-remote-bases)", fsys.rel(file), ref)
				}
				continue
			}
			if strings.Contains(ref, "\n") {
				continue
			}
			sub := filepath.Join(dir, ref)
			if fsys.IsDir(sub) {
				if err := visit(sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return res, visit(dir)
}

// checkInlinePatches refuses inline patches (which kustomize parses, and kyaml de-anchors) whose YAML aliases
// expand without bound; files are checked as they are read (rootFS.ReadFile).
func checkInlinePatches(k *kustypes.Kustomization) error {
	for i, p := range k.Patches {
		if err := yamlguard.CheckAliases([]byte(p.Patch)); err != nil {
			return fmt.Errorf("patches[%d]: %w", i, err)
		}
	}
	for i, p := range k.PatchesStrategicMerge { //nolint:staticcheck // deprecated field still loaded
		if err := yamlguard.CheckAliases([]byte(p)); err != nil {
			return fmt.Errorf("patchesStrategicMerge[%d]: %w", i, err)
		}
	}
	for i, p := range k.PatchesJson6902 { //nolint:staticcheck // deprecated field still loaded
		if err := yamlguard.CheckAliases([]byte(p.Patch)); err != nil {
			return fmt.Errorf("patchesJson6902[%d]: %w", i, err)
		}
	}
	return nil
}

// references lists every path or URL a kustomization loads.
func references(k *kustypes.Kustomization) []string {
	refs := make([]string, 0, len(k.Resources)+len(k.Bases)+len(k.Components))
	refs = append(refs, k.Resources...)
	refs = append(refs, k.Bases...) //nolint:staticcheck // deprecated field still loaded by kustomize
	refs = append(refs, k.Components...)
	refs = append(refs, k.Crds...)
	refs = append(refs, k.Configurations...)
	refs = append(refs, k.Generators...)
	refs = append(refs, k.Transformers...)
	refs = append(refs, k.Validators...)
	for _, p := range k.PatchesStrategicMerge { //nolint:staticcheck // deprecated field still loaded
		refs = append(refs, string(p))
	}
	for _, p := range k.Patches {
		refs = append(refs, p.Path)
	}
	for _, p := range k.PatchesJson6902 { //nolint:staticcheck // deprecated field still loaded
		refs = append(refs, p.Path)
	}
	for _, r := range k.Replacements {
		refs = append(refs, r.Path)
	}
	if p, ok := k.OpenAPI["path"]; ok {
		refs = append(refs, p)
	}
	for _, g := range k.ConfigMapGenerator {
		refs = append(append(append(refs, g.FileSources...), g.EnvSources...), g.EnvSource) //nolint:staticcheck
	}
	for _, g := range k.SecretGenerator {
		refs = append(append(append(refs, g.FileSources...), g.EnvSources...), g.EnvSource) //nolint:staticcheck
	}
	out := refs[:0]
	for _, r := range refs {
		if r != "" {
			// A file source may be "key=path".
			if i := strings.Index(r, "="); i > 0 && !strings.Contains(r[:i], "/") && !strings.Contains(r, "://") {
				r = r[i+1:]
			}
			out = append(out, r)
		}
	}
	return out
}
