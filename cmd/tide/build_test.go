/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testenv"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
	"github.com/tide-gitops/tide/kustomize-controller/preview"
)

// The Secret values of localApp's repository, which build and diff must never print.
const (
	secretValue        = "tide-secret-value-1"
	changedSecretValue = "tide-secret-value-2"
)

// localAppFiles is the repository of localApp: a ConfigMap whose greeting comes from a substituteFrom
// ConfigMap, a Secret, and two ConfigMaps that stay as they are ("stable") or are removed ("extra").
func localAppFiles() map[string]string {
	return map[string]string{
		"deploy/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n" +
			"  greeting: ${greeting}\n  mode: a\n  size: small\n",
		"deploy/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secret\nstringData:\n" +
			"  token: " + secretValue + "\n",
		"deploy/stable.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stable\ndata:\n  k: v\n",
		"deploy/extra.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  k: v\n",
	}
}

// localApp is a Kustomization "app" applied by the shared cluster's controllers from a Git repository, and a
// local directory holding the same files.
type localApp struct {
	*gitopsApp
	ks  *kustomizev1.Kustomization
	dir string
}

// newLocalApp sets localApp up in a fresh namespace and waits until the controller applied it.
func newLocalApp(t *testing.T) *localApp {
	t.Helper()
	env := sharedCluster(t)
	ctx := testenv.Context(t, 2*time.Minute)
	a := &localApp{gitopsApp: &gitopsApp{env: env, ns: testNamespace(t)}, dir: t.TempDir()}
	srv := gitserver.New(t)
	a.repo = srv.CreateRepo(t, "app")
	a.repo.CommitFiles(t, "main", localAppFiles())
	a.url = srv.StartHTTP(t, gitserver.HTTPOptions{}).RepoURL("app")
	writeFiles(t, a.dir, localAppFiles())
	vars := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "vars", Namespace: a.ns}, Data: map[string]string{"greeting": "hello"}}
	repo := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: a.ns},
		Spec: sourcev1.GitRepositorySpec{URL: a.url, Interval: metav1.Duration{Duration: 10 * time.Minute},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"}},
	}
	ks := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: a.ns},
		Spec: kustomizev1.KustomizationSpec{Path: "./deploy", Prune: true, TargetNamespace: a.ns,
			PostBuild: &kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{
				{Kind: "ConfigMap", Name: "vars"}, {Kind: "Secret", Name: "missing", Optional: true}}},
			Interval:  metav1.Duration{Duration: 10 * time.Minute},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "app"}},
	}
	for _, obj := range []client.Object{vars, repo, ks} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	a.ks = a.waitReady(t, "app")
	return a
}

// writeFiles writes files (path: content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// live returns the object of the app's namespace as the cluster holds it.
func (a *localApp) live(t *testing.T, kind, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind(kind)
	if err := a.env.Client.Get(context.Background(), client.ObjectKey{Namespace: a.ns, Name: name}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// assertNoSecretValues fails when text holds a Secret value of localApp, plain or base64-encoded.
func assertNoSecretValues(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range []string{secretValue, changedSecretValue} {
		if strings.Contains(text, v) || strings.Contains(text, base64.StdEncoding.EncodeToString([]byte(v))) {
			t.Errorf("%s prints the Secret value %q:\n%s", what, v, text)
		}
	}
}

// splitYAML decodes multi-document YAML into objects.
func splitYAML(t *testing.T, text string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(text, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("invalid YAML document: %v\n%s", err, doc)
		}
		objs = append(objs, u)
	}
	return objs
}

// TestBuildKustomization builds the local copy of an applied Kustomization: every object printed is what the
// controller applied (same data, ownership labels and applied digest, substituteFrom read from the cluster),
// Secrets are masked, -o json holds the same objects, and --dry-run builds from a file without the cluster.
func TestBuildKustomization(t *testing.T) {
	a := newLocalApp(t)
	out := mustTide(t, "build", "kustomization", "app", "--path", filepath.Join(a.dir, "deploy"), "-n", a.ns)
	assertNoSecretValues(t, "tide build", out)
	built := splitYAML(t, out)
	var names []string
	for _, obj := range built {
		names = append(names, obj.GetKind()+"/"+obj.GetName())
		assertBuiltAsApplied(t, a, obj)
	}
	slices.Sort(names)
	if want := []string{"ConfigMap/app-config", "ConfigMap/extra", "ConfigMap/stable", "Secret/app-secret"}; !slices.Equal(names, want) {
		t.Errorf("built %v, want %v", names, want)
	}
	// The Secret's digest, masked in the output, is the one the controller applied too.
	ctx := testenv.Context(t, time.Minute)
	vars, err := preview.Vars(ctx, a.env.Client, a.ks)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := (&localOptions{path: filepath.Join(a.dir, "deploy")}).build(ctx, a.ks, vars)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if got, want := obj.GetAnnotations()[preview.DigestAnnotation], a.live(t, obj.GetKind(), obj.GetName()).GetAnnotations()[preview.DigestAnnotation]; got != want {
			t.Errorf("%s/%s: unmasked applied-digest %q, the controller applied %q", obj.GetKind(), obj.GetName(), got, want)
		}
	}
	if got := a.live(t, "ConfigMap", "app-config").Object["data"].(map[string]any)["greeting"]; got != "hello" {
		t.Fatalf("fixture: greeting %v, want hello from substituteFrom", got)
	}

	var list struct {
		Kind  string                   `json:"kind"`
		Items []map[string]interface{} `json:"items"`
	}
	jsonOut := mustTide(t, "build", "ks", "app", "--path", filepath.Join(a.dir, "deploy"), "-n", a.ns, "-o", "json")
	if err := json.Unmarshal([]byte(jsonOut), &list); err != nil || list.Kind != "List" || len(list.Items) != len(built) {
		t.Errorf("-o json: %v, kind %q, %d items, want a List of %d:\n%s", err, list.Kind, len(list.Items), len(built), jsonOut)
	}
	for i := range list.Items {
		if i < len(built) && !equalJSON(list.Items[i], built[i].Object) {
			t.Errorf("-o json item %d differs from the YAML output", i)
		}
	}

	dryRun := buildDryRun(t, a)
	if got := dryRun["app-config"].Object["data"].(map[string]any)["greeting"]; got != "${greeting}" {
		t.Errorf("--dry-run substituted greeting %q: substituteFrom must not be read without the cluster", got)
	}
	for _, obj := range built {
		if obj.GetName() != "app-config" && !equalJSON(dryRun[obj.GetName()].Object, obj.Object) {
			t.Errorf("--dry-run built %s differently:\n%v\n%v", obj.GetName(), dryRun[obj.GetName()].Object, obj.Object)
		}
	}
}

// assertBuiltAsApplied compares an object `tide build` printed with the live object the controller applied:
// ownership labels, applied digest (masked for a Secret), namespace and data (keys only for a Secret, whose
// values must be masked).
func assertBuiltAsApplied(t *testing.T, a *localApp, obj *unstructured.Unstructured) {
	t.Helper()
	live := a.live(t, obj.GetKind(), obj.GetName())
	digest, liveDigest := obj.GetAnnotations()[preview.DigestAnnotation], live.GetAnnotations()[preview.DigestAnnotation]
	if obj.GetKind() == "Secret" {
		liveDigest = secretMask // a digest of the values, masked with them
	}
	if digest == "" || digest != liveDigest {
		t.Errorf("%s: applied-digest %q, the controller applied %q", obj.GetName(), digest, liveDigest)
	}
	for _, l := range []string{kustomizev1.NameLabel, kustomizev1.NamespaceLabel} {
		if obj.GetLabels()[l] == "" || obj.GetLabels()[l] != live.GetLabels()[l] {
			t.Errorf("%s: label %s = %q, live %q", obj.GetName(), l, obj.GetLabels()[l], live.GetLabels()[l])
		}
	}
	if obj.GetNamespace() != a.ns {
		t.Errorf("%s: namespace %q, want the targetNamespace %q", obj.GetName(), obj.GetNamespace(), a.ns)
	}
	switch obj.GetKind() {
	case "ConfigMap":
		if got, want := obj.Object["data"], live.Object["data"]; !equalJSON(got, want) {
			t.Errorf("%s: data %v, the controller applied %v", obj.GetName(), got, want)
		}
	case "Secret":
		var keys []string
		for field, values := range map[string]any{"data": obj.Object["data"], "stringData": obj.Object["stringData"]} {
			m, _ := values.(map[string]any)
			for k, v := range m {
				keys = append(keys, k)
				if v != secretMask {
					t.Errorf("Secret %s.%s = %v, want masked", field, k, v)
				}
			}
		}
		if liveData, _ := live.Object["data"].(map[string]any); len(keys) != 1 || liveData[keys[0]] == nil {
			t.Errorf("Secret keys %v, the controller applied %v", keys, liveData)
		}
	}
}

// buildDryRun runs `tide build --dry-run` with the app's Kustomization in a file and a kubeconfig that names
// no cluster, and returns the objects by name.
func buildDryRun(t *testing.T, a *localApp) map[string]*unstructured.Unstructured {
	t.Helper()
	ks := a.ks.DeepCopy()
	ks.TypeMeta = metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind}
	ks.ObjectMeta = metav1.ObjectMeta{Name: ks.Name, Namespace: ks.Namespace}
	ks.Status = kustomizev1.KustomizationStatus{}
	y, err := yaml.Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "app.yaml")
	other := "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: other\n"
	if err := os.WriteFile(file, []byte(other+"---\n"+string(y)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := execTide(t, "build", "ks", "app", "--path", filepath.Join(a.dir, "deploy"), "--kustomization-file", file,
		"--dry-run", "--kubeconfig", filepath.Join(t.TempDir(), "no-such-kubeconfig"))
	if err != nil {
		t.Fatalf("tide build --dry-run: %v\n%s", err, out)
	}
	assertNoSecretValues(t, "tide build --dry-run", out)
	byName := map[string]*unstructured.Unstructured{}
	for _, obj := range splitYAML(t, out) {
		byName[obj.GetName()] = obj
	}
	if _, err := execTide(t, "build", "ks", "nope", "--path", a.dir, "--kustomization-file", file, "--dry-run"); err == nil ||
		!strings.Contains(err.Error(), `holds no Kustomization named "nope", only other, app`) {
		t.Errorf("a name missing from the file: %v", err)
	}
	return byName
}

// TestBuildErrors checks that build's errors name the object or flag and say what to do.
func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
		"ks.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "ks", "app", "--path", dir, "--dry-run"}, "--dry-run needs --kustomization-file"},
		{[]string{"build", "ks", "app", "--path", filepath.Join(dir, "cm.yaml"), "--kustomization-file",
			filepath.Join(dir, "ks.yaml"), "--dry-run"}, "is not a directory"},
		{[]string{"build", "ks", "app", "--path", dir, "--kustomization-file", filepath.Join(dir, "absent.yaml"), "--dry-run"},
			"reading --kustomization-file"},
		{[]string{"build", "ks", "app", "--path", dir, "--kustomization-file", filepath.Join(dir, "cm.yaml"), "--dry-run"},
			"holds no Kustomization (apiVersion kustomize.toolkit.fluxcd.io/v1)"},
		{[]string{"build", "ks", "app", "--kustomization-file", "x", "--dry-run"}, `"path" not set`},
		{[]string{"build", "ks", "--path", dir}, "give the name of one Kustomization"},
		{[]string{"build", "ks", "app", "--path", dir, "-o", "table"}, `unknown output format "table"`},
	} {
		if _, err := execTide(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tide %s: error %v, want it to say %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	a := &gitopsApp{env: sharedCluster(t), ns: testNamespace(t)}
	msg := failTide(t, "build", "ks", "absent", "--path", dir, "-n", a.ns)
	assertContains(t, "the error for a missing Kustomization", msg,
		`Kustomization "absent" not found in namespace "`+a.ns+`"`, "--kustomization-file")
	writeFiles(t, dir, map[string]string{"vars.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n" +
		"metadata:\n  name: app\nspec:\n  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: absent\n"})
	msg = failTide(t, "build", "ks", "app", "--path", dir, "-n", a.ns, "--kustomization-file", filepath.Join(dir, "vars.yaml"))
	assertContains(t, "the error for a missing substituteFrom ConfigMap", msg,
		"Kustomization "+a.ns+"/app: postBuild.substituteFrom: reading ConfigMap '"+a.ns+"/absent'")
}

// TestLocalRoot checks that a build is confined to the Git work tree holding --path, or to --path outside one.
func TestLocalRoot(t *testing.T) {
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{".git/HEAD": "ref: refs/heads/main\n", "apps/prod/kustomization.yaml": ""})
	root, rel, err := localRoot(filepath.Join(repo, "apps", "prod"))
	if err != nil || root != repo || rel != filepath.Join("apps", "prod") {
		t.Errorf("in a work tree: %q, %q, %v; want %q, apps/prod", root, rel, err, repo)
	}
	plain := filepath.Join(t.TempDir(), "manifests")
	writeFiles(t, plain, map[string]string{"a.yaml": ""})
	if root, rel, err := localRoot(plain); err != nil || root != plain || rel != "." {
		t.Errorf("outside a work tree: %q, %q, %v; want %q, .", root, rel, err, plain)
	}
}

// TestCopyTreeIgnorePaths checks --ignore-paths' .gitignore patterns.
func TestCopyTreeIgnorePaths(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	writeFiles(t, src, map[string]string{".git/HEAD": "x", "apps/a.yaml": "a", "apps/test-b.yaml": "b",
		"apps/docs/README.md": "r", "base/c.yaml": "c", "README.md": "r"})
	if err := copyTree(src, dst, []string{"/apps/**/test-*.yaml", "*.md", " "}); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = filepath.WalkDir(dst, func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(got)
	if want := []string{"apps/a.yaml", "base/c.yaml"}; !slices.Equal(got, want) {
		t.Errorf("copied %v, want %v", got, want)
	}
}

// TestMaskSecret checks that no value of a Secret survives, whatever field holds it, and that other objects
// are left alone.
func TestMaskSecret(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "s", "annotations": map[string]any{lastAppliedAnnotation: `{"data":{"a":"c2VjcmV0"}}`,
			preview.DigestAnnotation: "sha256:secret"}},
		"data":       map[string]any{"a": "c2VjcmV0", "b": "*** (before)", "c": "***secret"},
		"stringData": map[string]any{"d": "secret"}, "sops": map[string]any{"mac": "secret"}}}
	masked := maskSecret(secret)
	y, _ := yaml.Marshal(masked.Object)
	if strings.Contains(string(y), "secret") || strings.Contains(string(y), "c2VjcmV0") {
		t.Errorf("masked Secret still holds a value:\n%s", y)
	}
	if masked.Object["data"].(map[string]any)["b"] != "*** (before)" {
		t.Error("ssa's before/after mask was replaced")
	}
	if secret.Object["stringData"].(map[string]any)["d"] != "secret" {
		t.Error("maskSecret changed its input")
	}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"data": map[string]any{"a": "plain"}}}
	if maskSecret(cm) != cm {
		t.Error("a ConfigMap was masked")
	}
}

// TestLocalCommandsHelp checks that build, diff and logs read like kubectl's help and fit 100 columns.
func TestLocalCommandsHelp(t *testing.T) {
	root := newRootCommand()
	for _, path := range [][]string{{"build"}, {"build", "kustomization"}, {"diff"}, {"diff", "kustomization"}, {"logs"}} {
		cmd, _, err := root.Find(path)
		if err != nil || cmd.Name() != path[len(path)-1] {
			t.Fatalf("tide %s is not registered: %v", strings.Join(path, " "), err)
		}
		if cmd.Short == "" || (cmd.Runnable() && cmd.Example == "") {
			t.Errorf("tide %s lacks a short description or examples", strings.Join(path, " "))
		}
		var out bytes.Buffer
		cmd.SetOut(&out)
		if err := cmd.Help(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if utf8.RuneCountInString(line) > screenWidth {
				t.Errorf("tide %s --help has a line of %d columns:\n%s", strings.Join(path, " "), utf8.RuneCountInString(line), line)
			}
		}
	}
}

// execTide runs tide in-process with exactly args (no cluster is started or added) and returns its output.
func execTide(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return execTideContext(testenv.Context(t, 3*time.Minute), newRootCommand(), args...)
}

func execTideContext(ctx context.Context, cmd *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// equalJSON compares two values as JSON documents (map keys sorted, numbers as JSON numbers).
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
