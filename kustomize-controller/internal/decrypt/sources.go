/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// DecryptSources returns the plaintext of the SOPS-encrypted files that kustomize will read through the
// secretGenerator entries (files, envs) and the patches (path) of the kustomization in dir and of the local
// kustomizations it includes (resources, components, bases), keyed by their resolved path in fsys. The caller
// shadows the files with it for one build, so no plaintext is ever written. As in Flux, a file's format comes
// from its name (for a file source, from its key name), an env file that is neither YAML, JSON nor INI is
// dotenv, and a file without the SOPS marker of its format is left alone. root is removed from the paths
// named in errors. A kustomization or file that cannot be read is skipped: kustomize reports it.
func (d *Decryptor) DecryptSources(fsys filesys.FileSystem, root, dir string) (map[string][]byte, error) {
	w := &sourceWalker{d: d, fsys: fsys, root: root, out: map[string][]byte{}, seen: map[string]bool{}}
	if err := w.visit(dir); err != nil {
		return nil, err
	}
	return w.out, nil
}

// sourceWalker visits a kustomization tree once per directory and file.
type sourceWalker struct {
	d    *Decryptor
	fsys filesys.FileSystem
	root string
	out  map[string][]byte
	seen map[string]bool
}

// visit decrypts the sources of the kustomization in dir, then visits the directories it includes.
func (w *sourceWalker) visit(dir string) error {
	if w.seen[dir] {
		return nil
	}
	w.seen[dir] = true
	kus := w.load(dir)
	if kus == nil {
		return nil
	}
	for _, g := range kus.SecretGenerator {
		for _, src := range g.FileSources {
			key, file := path.Base(src), src
			if k, f, ok := strings.Cut(src, "="); ok {
				key, file = k, f
			}
			if err := w.file(dir, file, formatForPath(key)); err != nil {
				return err
			}
		}
		envs := g.EnvSources
		if g.EnvSource != "" { //nolint:staticcheck // deprecated field still read by kustomize
			envs = append(envs, g.EnvSource) //nolint:staticcheck
		}
		for _, env := range envs {
			f := formatForPath(env)
			if f == formats.Binary {
				f = formats.Dotenv
			}
			if err := w.file(dir, env, f); err != nil {
				return err
			}
		}
	}
	for _, p := range kus.Patches {
		if p.Path != "" {
			if err := w.file(dir, p.Path, formatForPath(p.Path)); err != nil {
				return err
			}
		}
	}
	refs := append(append(append([]string{}, kus.Resources...), kus.Components...), kus.Bases...) //nolint:staticcheck
	for _, ref := range refs {
		if remote(ref) {
			continue
		}
		if sub := w.join(dir, ref); w.fsys.IsDir(sub) {
			if err := w.visit(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// load reads the kustomization file of dir; nil when there is none or it does not parse.
func (w *sourceWalker) load(dir string) *kustypes.Kustomization {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, name)
		if !w.fsys.Exists(p) || w.fsys.IsDir(p) {
			continue
		}
		raw, err := w.fsys.ReadFile(p)
		if err != nil {
			return nil
		}
		var kus kustypes.Kustomization
		if err := yaml.Unmarshal(raw, &kus); err != nil {
			return nil
		}
		return &kus
	}
	return nil
}

// file decrypts the file ref (relative to dir) when it is SOPS-encrypted in format f.
func (w *sourceWalker) file(dir, ref string, f formats.Format) error {
	if ref == "" || remote(ref) {
		return nil
	}
	cdir, name, err := w.fsys.CleanedAbs(w.join(dir, ref))
	if err != nil || name == "" {
		// Missing, outside the artifact, or a directory: kustomize reports or reads it.
		return nil
	}
	p := filepath.Join(string(cdir), name)
	if w.seen[p] {
		return nil
	}
	w.seen[p] = true
	data, err := w.fsys.ReadFile(p)
	if err != nil || !isEncrypted(data, f) {
		return nil
	}
	if len(data) > maxFileSize {
		return fmt.Errorf("decrypting %s: the encrypted file has %d bytes, more than the limit of %d",
			w.rel(p), len(data), maxFileSize)
	}
	plain, err := w.d.decrypt(data, f, f, true)
	if err != nil {
		return fmt.Errorf("decrypting %s: %w", w.rel(p), err)
	}
	w.out[p] = plain
	return nil
}

// join resolves ref against dir; an absolute ref is kept.
func (w *sourceWalker) join(dir, ref string) string {
	if filepath.IsAbs(ref) {
		return filepath.Clean(ref)
	}
	return filepath.Join(dir, ref)
}

// rel names a path in messages, relative to the artifact root.
func (w *sourceWalker) rel(p string) string {
	if r, err := filepath.Rel(w.root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

// remote reports whether a reference is a URL or a remote base, which kustomize fetches itself.
func remote(ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "github.com/") || strings.HasPrefix(ref, "git@") {
		return true
	}
	u, err := url.Parse(ref)
	return err == nil && u.Scheme != "" && u.Host != ""
}
