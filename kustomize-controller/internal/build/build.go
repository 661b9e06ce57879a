/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package build turns an extracted artifact plus a Kustomization's spec into the objects to apply, the way
// Flux's kustomize-controller does: a kustomization file is generated for plain YAML, the spec's kustomize
// fields (targetNamespace, namePrefix, nameSuffix, patches, images, components) are merged into it, kustomize
// builds it, post-build variables are substituted and commonMetadata is set on every object.
//
// It differs from Flux in what it costs, not in what it produces: the artifact is never copied or written
// (generated files live in an in-memory overlay of a read-only, root-confined filesystem), kyaml's OpenAPI
// schema is parsed once per process, builds run concurrently, large plain-YAML paths with a targetNamespace
// are built in chunks that avoid kustomize's quadratic id checks (chunk.go), and an optional Cache keyed by
// artifact digest, path and spec skips kustomize for a Kustomization that has not changed.
package build

import (
	"context"

	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// Options are the settings of one Build.
type Options struct {
	// AllowRemoteBases lets kustomize fetch remote bases and resources (--no-remote-bases=false).
	AllowRemoteBases bool
	// ArtifactDigest is the digest of the artifact at root; with Cache, it keys the cached build.
	ArtifactDigest string
	// Cache, when set, keeps builds so that an unchanged Kustomization skips kustomize.
	Cache *Cache
	// Vars are the post-build substitution variables (see MergeVars); used when spec.postBuild is set.
	Vars map[string]string
	// StrictSubstitution fails on a variable with no value and no default instead of substituting "".
	StrictSubstitution bool
	// Decryptor, when set (spec.decryption), decrypts SOPS-encrypted generator sources and patches before
	// kustomize runs, and encrypted objects after the cache. A build that read decrypted sources holds
	// plaintext and is never cached; encrypted objects are cached encrypted.
	Decryptor Decryptor
}

// Decryptor decrypts the SOPS-encrypted input of a build (implemented by the decrypt package).
type Decryptor interface {
	// DecryptSources returns the plaintext of the encrypted files that the kustomizations from dir read
	// through generators and patches, keyed by resolved path in fsys; root is cut from paths in messages.
	DecryptSources(fsys filesys.FileSystem, root, dir string) (map[string][]byte, error)
	// DecryptObject returns a decrypted copy of obj, or nil when it holds nothing encrypted. It never
	// modifies obj.
	DecryptObject(obj *unstructured.Unstructured) (*unstructured.Unstructured, error)
	// Fingerprint identifies the keys (a hash, never the keys) in cache keys.
	Fingerprint() string
}

// Build returns the objects that the Kustomization spec makes of the artifact extracted at root: kustomize's
// output with spec.path relative to root, the spec's kustomize fields applied, post-build variables
// substituted (when spec.postBuild is set) and spec.commonMetadata set. The objects are the caller's to
// modify. A path leaving root, a symlink out of root, a remote base (unless allowed), invalid YAML and
// kustomize errors are returned as errors naming the file or object.
func Build(ctx context.Context, root string, spec *kustomizev1.KustomizationSpec, opts Options) ([]*unstructured.Unstructured, error) {
	return BuildFrom(ctx, func() (string, error) { return root, nil }, spec, opts)
}

// Source provides the directory of the extracted artifact. BuildFrom calls it only when the build is not in
// the cache, so an unchanged Kustomization is built without downloading its artifact again.
type Source func() (root string, err error)

// BuildFrom is Build with the artifact directory provided on demand; an error of src is returned as it is.
func BuildFrom(ctx context.Context, src Source, spec *kustomizev1.KustomizationSpec, opts Options) ([]*unstructured.Unstructured, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := ""
	if opts.Cache != nil {
		key = cacheKey(opts, spec)
	}
	var built []*unstructured.Unstructured
	cached, plaintext := false, false
	if key != "" {
		built, cached = opts.Cache.get(key)
	}
	if !cached {
		root, err := src()
		if err != nil {
			return nil, err
		}
		if built, plaintext, err = buildDecrypting(root, spec, opts.AllowRemoteBases, opts.Decryptor); err != nil {
			return nil, err
		}
		if key != "" && !plaintext {
			opts.Cache.put(key, built)
		}
	}
	return finish(built, spec, opts, plaintext)
}

// finish copies the built objects and applies the post-build steps: decryption, substitution, then
// commonMetadata (in Flux, commonMetadata is set at apply time, after substitution). plaintext says the build
// read decrypted sources.
func finish(built []*unstructured.Unstructured, spec *kustomizev1.KustomizationSpec, opts Options, plaintext bool) ([]*unstructured.Unstructured, error) {
	substitute := spec.PostBuild != nil && len(opts.Vars) > 0
	if substitute {
		if err := validateVars(opts.Vars); err != nil {
			return nil, err
		}
	}
	objs := make([]*unstructured.Unstructured, 0, len(built))
	for _, b := range built {
		obj, decrypted, err := decryptObject(b, opts.Decryptor)
		if err != nil {
			return nil, err
		}
		if substitute && !substitutionDisabled(obj) {
			u, err := substituteObject(obj, opts.Vars, opts.StrictSubstitution)
			if err != nil && (decrypted || plaintext) {
				// The message could quote a decrypted value.
				return nil, fmt.Errorf("post-build substitution of %s failed; the details are withheld because "+
					"the build holds decrypted values", objectRef(obj))
			}
			if err != nil {
				return nil, err
			}
			objs = append(objs, u)
			continue
		}
		if !decrypted {
			obj = obj.DeepCopy()
		}
		objs = append(objs, obj)
	}
	if cm := spec.CommonMetadata; cm != nil {
		SetCommonMetadata(objs, cm.Labels, cm.Annotations)
	}
	return objs, nil
}

// SetCommonMetadata adds labels and annotations to the metadata of every object, replacing values of the same
// keys, as Flux does for spec.commonMetadata.
func SetCommonMetadata(objs []*unstructured.Unstructured, labels, annotations map[string]string) {
	for _, obj := range objs {
		if len(labels) > 0 {
			l := obj.GetLabels()
			if l == nil {
				l = make(map[string]string, len(labels))
			}
			for k, v := range labels {
				l[k] = v
			}
			obj.SetLabels(l)
		}
		if len(annotations) > 0 {
			a := obj.GetAnnotations()
			if a == nil {
				a = make(map[string]string, len(annotations))
			}
			for k, v := range annotations {
				a[k] = v
			}
			obj.SetAnnotations(a)
		}
	}
}

// buildObjects runs the uncached part of a build without decryption.
func buildObjects(root string, spec *kustomizev1.KustomizationSpec, allowRemote bool) ([]*unstructured.Unstructured, error) {
	objs, _, err := buildDecrypting(root, spec, allowRemote, nil)
	return objs, err
}

// buildDecrypting runs the uncached part of a build: path checks, kustomization generation, decryption of the
// generator sources (with dec), kustomize. plaintext reports that decrypted sources were read.
func buildDecrypting(root string, spec *kustomizev1.KustomizationSpec, allowRemote bool, dec Decryptor) (
	objs []*unstructured.Unstructured, plaintext bool, err error) {
	fsys, err := newRootFS(root, allowRemote)
	if err != nil {
		return nil, false, err
	}
	dir, err := kustomizationDir(fsys, spec.Path)
	if err != nil {
		return nil, false, err
	}
	chunks, err := shadowKustomization(fsys, dir, spec)
	if err != nil {
		return nil, false, err
	}
	scan, err := checkReferences(fsys, dir, allowRemote)
	if err != nil {
		return nil, false, err
	}
	decrypted, err := decryptSources(fsys, dir, dec)
	if err != nil {
		return nil, false, err
	}
	m, err := runKustomize(fsys, dir, scan.customSchema)
	if err != nil && chunks != nil {
		// The unchunked build gives kustomize's usual message (and stays the reference if they ever differ).
		chunks.undo()
		m, err = runKustomize(fsys, dir, scan.customSchema)
	}
	if err != nil {
		return nil, false, kustomizeError(fsys, dir, spec, scan.customSchema, decrypted, err)
	}
	objs, err = toObjects(m)
	return objs, len(decrypted) > 0, err
}

// shadowKustomization puts the kustomization to build at dir into fsys (when it differs from the user's
// file), in chunks when that is equivalent and faster (see chunk.go).
func shadowKustomization(fsys *rootFS, dir string, spec *kustomizev1.KustomizationSpec) (*chunking, error) {
	p, err := planKustomization(fsys, dir, spec)
	if err != nil || !p.changed {
		return nil, err
	}
	data, err := marshalKustomization(fsys, dir, &p.kus)
	if err != nil {
		return nil, err
	}
	fsys.overrides[p.file] = data
	return chunkResources(fsys, dir, p, data)
}

// decryptSources shadows the encrypted generator sources and patches with their plaintext, in memory only.
func decryptSources(fsys *rootFS, dir string, dec Decryptor) ([]string, error) {
	if dec == nil {
		return nil, nil
	}
	files, err := dec.DecryptSources(fsys, fsys.root, dir)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for p, data := range files {
		fsys.overrides[p] = data
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}

// kustomizeError names spec.path and kustomize's message. When the build read decrypted files, the message
// could quote them: it is then the message of the same build with the files encrypted, or withheld when
// that build succeeds (the decrypted content is what kustomize refused).
func kustomizeError(fsys *rootFS, dir string, spec *kustomizev1.KustomizationSpec, customSchema bool, decrypted []string, err error) error {
	if len(decrypted) > 0 {
		names := make([]string, len(decrypted))
		for i, p := range decrypted {
			delete(fsys.overrides, p)
			names[i] = fsys.rel(p)
		}
		if _, err = runKustomize(fsys, dir, customSchema); err == nil {
			return fmt.Errorf("kustomize build of %q failed on the decrypted content of %s; kustomize's message is "+
				"withheld as it may quote secret values", displayPath(spec.Path), strings.Join(names, ", "))
		}
	}
	msg := strings.ReplaceAll(err.Error(), fsys.root+string(filepath.Separator), "")
	return fmt.Errorf("kustomize build of %q failed: %s", displayPath(spec.Path), msg)
}

// decryptObject returns b decrypted (a copy) when dec finds something encrypted in it, else b itself.
func decryptObject(b *unstructured.Unstructured, dec Decryptor) (*unstructured.Unstructured, bool, error) {
	if dec == nil {
		return b, false, nil
	}
	d, err := dec.DecryptObject(b)
	if err != nil || d == nil {
		return b, false, err
	}
	return d, true, nil
}

// displayPath names spec.path in messages.
func displayPath(p string) string {
	if p == "" {
		return "./"
	}
	return p
}

// kustomizationDir resolves spec.path inside the artifact. A leading "/" is relative to the artifact root (as
// in Flux); a path that climbs out of it, or that resolves out of it through a symlink, is refused.
func kustomizationDir(fsys *rootFS, specPath string) (string, error) {
	rel := filepath.Clean(strings.TrimLeft(filepath.FromSlash(specPath), string(filepath.Separator)))
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("spec.path %q points outside the artifact: refused", specPath)
	}
	dir, err := fsys.resolve(filepath.Join(fsys.root, rel))
	if err != nil {
		return "", fmt.Errorf("spec.path %q: %w", specPath, err)
	}
	if !fsys.IsDir(dir) {
		return "", fmt.Errorf("spec.path %q is not a directory in the artifact", displayPath(specPath))
	}
	return dir, nil
}

// schemaMu lets builds share kyaml's global schema (read lock) while a build with a custom openapi schema,
// which replaces that global, runs alone (write lock) and restores it after. kyaml parses its built-in
// schema under its own lock on first use: only builds that need it (strategic merge patches, kinds it does
// not know the scope of) pay its ~5 MiB, and a fleet of plain manifests never does.
var schemaMu sync.RWMutex

// runKustomize runs kustomize with built-in plugins only and no load restrictions inside the confined
// filesystem (Flux's settings). A panic inside kustomize is returned as an error.
func runKustomize(fsys *rootFS, dir string, customSchema bool) (m resmap.ResMap, err error) {
	if customSchema {
		schemaMu.Lock()
		defer func() {
			openapi.ResetOpenAPI()
			schemaMu.Unlock()
		}()
	} else {
		schemaMu.RLock()
		defer schemaMu.RUnlock()
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize panicked: %v", r)
		}
	}()
	k := krusty.MakeKustomizer(&krusty.Options{
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	})
	return k.Run(fsys, dir)
}

// toObjects converts kustomize's resources into unstructured objects.
func toObjects(m resmap.ResMap) ([]*unstructured.Unstructured, error) {
	res := m.Resources()
	out := make([]*unstructured.Unstructured, 0, len(res))
	for _, r := range res {
		// Through JSON: kyaml's maps hold Go ints, which unstructured objects cannot deep-copy.
		j, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("encoding %s from the build: %w", r.CurId(), err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("decoding %s from the build: %w", r.CurId(), err)
		}
		out = append(out, u)
	}
	return out, nil
}
