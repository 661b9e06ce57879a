/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	"github.com/tide-gitops/tide/kustomize-controller/preview"
)

func newBuildCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build a Flux object from local files as its controller would",
		Long: `Build an object's manifests from a local directory, without pushing anything, and print what
its controller would apply.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBuildKustomizationCommand())
	return cmd
}

// buildOptions are the flags of `tide build kustomization`.
type buildOptions struct {
	local  localOptions
	dryRun bool
	output string
}

func newBuildKustomizationCommand() *cobra.Command {
	o := &buildOptions{}
	k, _ := kindByName(kustomizev1.KustomizationKind)
	cmd := &cobra.Command{
		Use:     "kustomization NAME --path DIR",
		Aliases: []string{"ks"},
		Short:   "Build a Kustomization from a local directory and print what it would apply",
		Long: `Build the local directory --path as the kustomize-controller builds the Kustomization NAME's
source: with the same kustomize settings, the spec's targetNamespace, namePrefix, patches,
images and components, post-build substitution (substituteFrom read from the cluster) and the
ownership labels and applied-digest annotation the controller applies with. Print the objects
as multi-document YAML (or a JSON List with -o json).

The Kustomization is read from the cluster (NAME in --namespace), or from --kustomization-file.
With --dry-run nothing is read from the cluster: --kustomization-file is required and
postBuild.substituteFrom is skipped (only postBuild.substitute is used).

--path is the local copy of the directory that spec.path names in the source. Bases elsewhere in
the same Git work tree resolve as in the source; paths leaving it are refused, as the controller
refuses paths leaving the artifact.

The values of Secrets are masked ("***"): the output never holds their plaintext. SOPS-encrypted
values are not decrypted.`,
		Example: `  # Build the local manifests as the cluster's Kustomization "apps" would
  tide build kustomization apps --path ./clusters/prod/apps

  # Build with a local Kustomization file, without connecting to the cluster
  tide build ks apps --path ./apps --kustomization-file ./clusters/prod/apps.yaml --dry-run

  # Leave out files, in .gitignore format
  tide build ks apps --path ./apps --ignore-paths "/apps/**/test-*.yaml,*.md"`,
		Args:              exactlyOneName(k),
		ValidArgsFunction: completeObjectNames(k),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, o, args[0])
		},
	}
	o.local.bind(cmd.Flags())
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false,
		"Build without connecting to the cluster (needs --kustomization-file; substituteFrom is skipped).")
	cmd.Flags().StringVarP(&o.output, "output", "o", "yaml", "Output format: yaml (multi-document) or json (a List).")
	_ = cmd.MarkFlagRequired("path")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runBuild(cmd *cobra.Command, o *buildOptions, name string) error {
	if o.output != "yaml" && o.output != outputJSON {
		return fmt.Errorf("unknown output format %q: use yaml or json", o.output)
	}
	if o.dryRun && o.local.kustomizationFile == "" {
		return errors.New("--dry-run needs --kustomization-file: without the cluster, the Kustomization is read from a file")
	}
	ctx, cancel := commandContext(cmd)
	defer cancel()
	var c client.Client
	if !o.dryRun {
		var err error
		if c, err = global.newClient(); err != nil {
			return err
		}
	}
	ks, err := o.local.kustomization(ctx, c, name)
	if err != nil {
		return err
	}
	vars := preview.InlineVars(ks)
	if !o.dryRun {
		if vars, err = preview.Vars(ctx, c, ks); err != nil {
			return fmt.Errorf("%s %s/%s: %w", kustomizev1.KustomizationKind, ks.Namespace, ks.Name, explainConnection(err))
		}
	}
	objs, err := o.local.build(ctx, ks, vars)
	if err != nil {
		return err
	}
	return writeObjects(cmd.OutOrStdout(), o.output, maskSecrets(objs))
}

// explainConnection turns an error that means the cluster could not be reached into advice, and returns other
// errors as they are.
func explainConnection(err error) error {
	if e := describeConnectionError(err); e != nil {
		return e
	}
	return err
}

// localOptions are the flags that `tide build kustomization` and `tide diff kustomization` share: where the
// local files and the Kustomization come from.
type localOptions struct {
	path              string
	kustomizationFile string
	ignorePaths       []string
}

func (o *localOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.path, "path", "", "Local directory holding what the Kustomization's spec.path holds in its source.")
	fs.StringVar(&o.kustomizationFile, "kustomization-file", "",
		"YAML file holding the Kustomization NAME, used instead of the cluster's.")
	fs.StringSliceVar(&o.ignorePaths, "ignore-paths", nil,
		"Files to leave out, in .gitignore format, relative to the Git work tree holding --path (comma-separated).")
}

// kustomization returns the Kustomization name: from --kustomization-file when it is set, otherwise from the
// cluster through c.
func (o *localOptions) kustomization(ctx context.Context, c client.Reader, name string) (*kustomizev1.Kustomization, error) {
	if o.kustomizationFile != "" {
		return readKustomizationFile(o.kustomizationFile, name, global.namespace)
	}
	k, _ := kindByName(kustomizev1.KustomizationKind)
	key := types.NamespacedName{Namespace: global.namespace, Name: name}
	ks := &kustomizev1.Kustomization{}
	if err := c.Get(ctx, key, ks); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s %q not found in namespace %q: list them with `tide get kustomizations -n %s`, "+
				"or give its YAML with --kustomization-file", k.Kind, name, key.Namespace, key.Namespace)
		}
		return nil, describeError(err, k, key)
	}
	return ks, nil
}

// readKustomizationFile returns the Kustomization name from a YAML file that may hold several documents. Its
// namespace is the document's, or namespace when the document has none.
func readKustomizationFile(path, name, namespace string) (*kustomizev1.Kustomization, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading --kustomization-file: %w", err)
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	var found []string
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("--kustomization-file %s is not valid YAML: %w", path, err)
		}
		gvk := u.GroupVersionKind()
		if gvk.Group != kustomizev1.GroupVersion.Group || gvk.Kind != kustomizev1.KustomizationKind {
			continue
		}
		if u.GetName() != name {
			found = append(found, u.GetName())
			continue
		}
		ks := &kustomizev1.Kustomization{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, ks); err != nil {
			return nil, fmt.Errorf("--kustomization-file %s: Kustomization %s: %w", path, name, err)
		}
		if ks.Namespace == "" {
			ks.Namespace = namespace
		}
		return ks, nil
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("--kustomization-file %s holds no Kustomization (apiVersion %s): give the file of "+
			"Kustomization %s", path, kustomizev1.GroupVersion, name)
	}
	return nil, fmt.Errorf("--kustomization-file %s holds no Kustomization named %q, only %s: check the name",
		path, name, strings.Join(found, ", "))
}

// build builds --path for ks with the post-build variables vars, as the controller would build ks's source.
func (o *localOptions) build(ctx context.Context, ks *kustomizev1.Kustomization, vars map[string]string) ([]*unstructured.Unstructured, error) {
	root, rel, err := localRoot(o.path)
	if err != nil {
		return nil, err
	}
	if len(o.ignorePaths) > 0 {
		tmp, err := os.MkdirTemp("", "tide-build-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if err := copyTree(root, tmp, o.ignorePaths); err != nil {
			return nil, fmt.Errorf("copying %s without --ignore-paths: %w", root, err)
		}
		root = tmp
	}
	local := ks.DeepCopy()
	local.Spec.Path = rel
	objs, err := preview.Build(ctx, root, local, preview.BuildOptions{Vars: vars})
	if err != nil {
		return nil, fmt.Errorf("building %s for %s %s/%s: %w", o.path, kustomizev1.KustomizationKind, ks.Namespace, ks.Name, err)
	}
	return objs, nil
}

// localRoot returns the directory a build of dir is confined to, and dir relative to it: the Git work tree
// holding dir, as the source's artifact holds the repository, or dir itself outside a Git work tree.
func localRoot(dir string) (root, rel string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", "", fmt.Errorf("--path %s is not a directory: give the local copy of the Kustomization's spec.path", dir)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			rel, err := filepath.Rel(d, abs)
			return d, rel, err
		}
		if filepath.Dir(d) == d {
			return abs, ".", nil
		}
	}
}

// writeObjects prints objs as multi-document YAML, or with format json as a List.
func writeObjects(w io.Writer, format string, objs []*unstructured.Unstructured) error {
	if format == outputJSON {
		items := make([]any, len(objs))
		for i, o := range objs {
			items[i] = o.Object
		}
		return printStructured(w, outputJSON, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	}
	var b strings.Builder
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", objectRef(o), err)
		}
		b.Write(y)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// objectRef names an object as Kind/namespace/name, or Kind/name when it is cluster-scoped.
func objectRef(o *unstructured.Unstructured) string {
	return objectLabel(o.GetKind(), o.GetNamespace(), o.GetName())
}

// secretMask replaces the values of Secrets in what tide prints.
const secretMask = "***"

// ssaMasks are the masks ssa's diff writes into a Secret's data; they are kept, as they tell whether a value
// changes.
var ssaMasks = map[string]bool{"***": true, "*** (before)": true, "*** (after)": true}

// lastAppliedAnnotation is where `kubectl apply` copies a whole object, Secret values included.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// maskSecrets returns objs with the values of every Secret masked (copies; other objects as they are).
func maskSecrets(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = maskSecret(o)
	}
	return out
}

// maskSecret returns a copy of a Secret with the values of data and stringData, kubectl's last-applied
// annotation and the applied-digest annotation replaced by secretMask. Values already masked by ssa ("*** (before)") are kept. Other objects
// are returned as they are.
func maskSecret(o *unstructured.Unstructured) *unstructured.Unstructured {
	if o == nil || o.GetKind() != "Secret" || o.GroupVersionKind().Group != "" {
		return o
	}
	c := o.DeepCopy()
	for _, field := range []string{"data", "stringData"} {
		m, ok := c.Object[field].(map[string]any)
		if !ok {
			continue
		}
		for k, v := range m {
			if s, isString := v.(string); !isString || !ssaMasks[s] {
				m[k] = secretMask
			}
		}
	}
	// kubectl's annotation holds the values; the controller's digest is of them, and a digest of a short
	// value can be guessed offline.
	if a := c.GetAnnotations(); a[lastAppliedAnnotation] != "" || a[preview.DigestAnnotation] != "" {
		for _, k := range []string{lastAppliedAnnotation, preview.DigestAnnotation} {
			if _, ok := a[k]; ok {
				a[k] = secretMask
			}
		}
		c.SetAnnotations(a)
	}
	if _, ok := c.Object["sops"]; ok {
		c.Object["sops"] = secretMask
	}
	return c
}

// copyTree copies the regular files, directories and symbolic links of src into dst, except .git and what the
// .gitignore-format patterns match (relative to src).
func copyTree(src, dst string, patterns []string) error {
	var ps []gitignore.Pattern
	for _, p := range patterns {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, gitignore.ParsePattern(p, nil))
		}
	}
	matcher := gitignore.NewMatcher(ps)
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if d.Name() == ".git" || matcher.Match(strings.Split(filepath.ToSlash(rel), "/"), d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
