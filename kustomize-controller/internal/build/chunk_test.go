/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/kustomize"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

// chunkCorpus is plain YAML that exercises what the namespace transformer and name references do across
// documents: cluster-scoped kinds, bindings whose subjects follow a moved ServiceAccount, a Deployment
// referring to a ConfigMap, a webhook's service, a local-config object, empty and comment-only
// documents, "---" lines with comments and CRLF line endings.
var chunkCorpus = strings.Join([]string{
	"# leading comment\n",
	"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n",
	"--- # with a comment\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n",
	"---\n---\n# only a comment\n",
	"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: runner\n" +
		"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n" +
		"- kind: ServiceAccount\n  name: runner\n  namespace: default\n- kind: ServiceAccount\n  name: runner\n",
	"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: runner\n" +
		"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: edit\nsubjects:\n" +
		"- kind: ServiceAccount\n  name: runner\n  namespace: default\n",
	"---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: settings\r\ndata:\r\n  text: |\r\n    ---\r\n    not a marker\r\n",
	"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n" +
		"  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: runner\n" +
		"      containers:\n      - name: web\n        image: nginx:1.0\n        envFrom:\n        - configMapRef:\n            name: settings\n",
	"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: hook\nspec:\n  ports:\n  - port: 443\n",
	"---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hook\n" +
		"webhooks:\n- name: hook.example.com\n  clientConfig:\n    service:\n      name: hook\n      namespace: default\n" +
		"  admissionReviewVersions: [v1]\n  sideEffects: None\n",
	"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
	"---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n" +
		"spec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n" +
		"  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object}\n",
	"---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: elsewhere\n",
}, "")

// chunkListFile is a file with a List, which kustomize expands after the file's other documents.
const chunkListFile = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: before\n---\napiVersion: v1\nkind: List\nitems:\n" +
	"- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: listed\n  stringData: {a: b}\n---\napiVersion: v1\n" +
	"kind: Secret\nmetadata:\n  name: after\n"

// buildBothWays builds spec at root whole and with chunks of two documents, and returns both outcomes as
// JSON (or the error message). It fails when chunking does not happen, so a comparison cannot pass vacuously.
func buildBothWays(t testing.TB, root string, spec *kustomizev1.KustomizationSpec, wantChunks bool) (whole, chunked string) {
	t.Helper()
	outcome := func() string {
		objs, err := buildObjects(root, spec, false)
		if err != nil {
			return "error: " + err.Error()
		}
		data, err := json.Marshal(objs)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	saved := chunkDocs
	defer func() { chunkDocs = saved }()
	chunkDocs = 1 << 30
	whole = outcome()
	chunkDocs = 2
	if wantChunks {
		fsys, err := newRootFS(root, false)
		if err != nil {
			t.Fatal(err)
		}
		dir, _ := kustomizationDir(fsys, spec.Path)
		if c, err := shadowKustomization(fsys, dir, spec); err != nil || c == nil {
			t.Fatalf("the build was not chunked (err %v)", err)
		}
	}
	return whole, outcome()
}

func TestChunkedBuildSameAsWhole(t *testing.T) {
	named := func(prefix string, n int, ns string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%d\n%sdata:\n  i: %q\n", prefix, i, ns, fmt.Sprint(i))
		}
		return b.String()
	}
	many := func(n int, ns string) string { return named("cm", n, ns) }
	tests := []struct {
		name       string
		files      map[string]string
		spec       kustomizev1.KustomizationSpec
		wantChunks bool
		wantErr    string
	}{
		{name: "corpus", files: map[string]string{"app/all.yaml": chunkCorpus, "app/list.yaml": chunkListFile},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"}, wantChunks: true},
		{name: "corpus with prefix, suffix and images", files: map[string]string{"app/all.yaml": chunkCorpus, "app/list.yaml": chunkListFile},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target", NamePrefix: "p-", NameSuffix: "-s",
				Images: []kustomize.Image{{Name: "nginx", NewTag: "2.0"}}}, wantChunks: true},
		{name: "files and a kustomization directory", files: map[string]string{
			"app/a.yaml": many(3, ""), "app/b.yml": named("kept", 1, "  namespace: kept\n"), "app/.hidden.yaml": "x",
			"app/sub/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: sub-\n", "app/sub/cm.yaml": named("sub", 2, ""),
			"app/z/deeper.yaml": chunkCorpus},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"}, wantChunks: true},
		{name: "same id in two chunks", files: map[string]string{"app/a.yaml": many(3, ""), "app/b.yaml": many(1, "")},
			spec:       kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"},
			wantChunks: true, wantErr: "already registered id"},
		{name: "ids that conflict once namespaced", files: map[string]string{
			"app/a.yaml": many(3, "  namespace: one\n"), "app/b.yaml": many(3, "  namespace: two\n")},
			spec:       kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"},
			wantChunks: true, wantErr: "conflict"},
		{name: "invalid document", files: map[string]string{"app/a.yaml": many(3, "") + "---\nmetadata: [\n"},
			spec:       kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"},
			wantChunks: true, wantErr: "a.yaml"},
		{name: "directives and end markers", files: map[string]string{
			"app/a.yaml": "%YAML 1.1\n---\n" + strings.TrimPrefix(many(3, ""), "---\n"),
			"app/b.yaml": strings.ReplaceAll(named("b", 3, ""), "---\n", "...\n---\n"),
			"app/c.yaml": named("c", 3, "")},
			// kyaml refuses directives and end markers (it splits streams itself): the same refusal either way.
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"}, wantChunks: true,
			wantErr: "did not find expected <document start>"},
		{name: "end markers", files: map[string]string{
			"app/b.yaml": strings.ReplaceAll(named("b", 3, ""), "---\n", "...\n---\n"),
			"app/c.yaml": named("c", 3, "")},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target"}, wantChunks: true,
			wantErr: "did not find expected node content"},
		{name: "no targetNamespace", files: map[string]string{"app/a.yaml": many(5, "")},
			spec: kustomizev1.KustomizationSpec{Path: "app"}},
		{name: "patches", files: map[string]string{"app/a.yaml": many(5, "")},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "t", Patches: []kustomize.Patch{{
				Patch: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-1\ndata:\n  patched: \"yes\"\n"}}}},
		{name: "user kustomization", files: map[string]string{
			"app/a.yaml": many(5, ""), "app/kustomization.yaml": "resources: [a.yaml]\n"},
			spec: kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			whole, chunked := buildBothWays(t, root, &tt.spec, tt.wantChunks)
			if whole != chunked {
				t.Fatalf("chunked build differs from the whole one:\nwhole:   %s\nchunked: %s", whole, chunked)
			}
			if isErr := strings.HasPrefix(whole, "error: "); isErr != (tt.wantErr != "") || !strings.Contains(whole, tt.wantErr) {
				t.Fatalf("outcome %s, want error %q", whole, tt.wantErr)
			}
			if strings.Contains(chunked, chunkDirPrefix) {
				t.Fatalf("the chunk directories show in the outcome: %s", chunked)
			}
		})
	}
}

// TestChunkedBuildKeepsNameReferences checks the cross-document effects in the corpus, so the comparison above
// compares builds that have them: the binding subjects follow the ServiceAccount and the Deployment's
// reference follows the ConfigMap's prefixed name.
func TestChunkedBuildKeepsNameReferences(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"app/all.yaml": chunkCorpus})
	saved := chunkDocs
	defer func() { chunkDocs = saved }()
	chunkDocs = 2
	objs, err := buildObjects(root, &kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target", NamePrefix: "p-"}, false)
	if err != nil {
		t.Fatal(err)
	}
	crb := mustFind(t, objs, "ClusterRoleBinding", "p-runner")
	if got := fmt.Sprint(nested(crb, "subjects")); !strings.Contains(got, "namespace:target") {
		t.Errorf("ClusterRoleBinding subjects %s, want the ServiceAccount's new namespace", got)
	}
	web := mustFind(t, objs, "Deployment", "p-web")
	if got := fmt.Sprint(nested(web, "spec", "template", "spec", "containers")); !strings.Contains(got, "name:p-settings") {
		t.Errorf("Deployment containers %s, want the ConfigMap's prefixed name", got)
	}
	if find(objs, "ConfigMap", "p-local") != nil {
		t.Error("the local-config object is in the output")
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a: 1\n", []string{"a: 1\n"}},
		{"a: 1\n---\nb: 2\n", []string{"a: 1\n", "---\nb: 2\n"}},
		{"---\na: 1\n---\n", []string{"---\na: 1\n", "---\n"}},
		{"# c\n---\na: 1\n--- # x\n\n--- |\n  text\n", []string{"# c\n", "---\na: 1\n", "--- # x\n\n", "--- |\n  text\n"}},
		{"a: |\n  ---\n----\nb: 1\n", []string{"a: |\n  ---\n----\nb: 1\n"}},
		{"a: 1\r\n---\r\nb: 2", []string{"a: 1\r\n", "---\r\nb: 2"}},
		{"%YAML 1.2\n---\na: 1\n---\nb: 2\n", []string{"%YAML 1.2\n---\na: 1\n---\nb: 2\n"}},
		{"a: 1\n...\nb: 2\n", []string{"a: 1\n...\nb: 2\n"}},
		{"---\n\n# only\n", []string{"---\n\n# only\n"}},
		{"\t", []string{"\t"}},
		{"a: 1\n---\nkind: List\n", []string{"a: 1\n---\nkind: List\n"}},
		{"a: 1\n---\nkind: \"Li\\x73t\"\n", []string{"a: 1\n---\nkind: \"Li\\x73t\"\n"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range splitDocuments([]byte(tt.in)) {
			got = append(got, string(d))
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("splitDocuments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzChunkedBuildSameAsWhole builds arbitrary plain YAML with a targetNamespace whole and in chunks of two
// documents: both must fail with the same message, or produce the same objects.
func FuzzChunkedBuildSameAsWhole(f *testing.F) {
	f.Add(chunkCorpus, "")
	f.Add("", "")
	f.Add("a: 1\n---\nb: 2\n---\n", "p-")
	f.Add("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", "")
	f.Add("\ufeff---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\t\n--- !!map\napiVersion: v1\nkind: Secret\nmetadata: {name: t}\n", "")
	f.Add("---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: *m\n", "")
	f.Fuzz(func(t *testing.T, content, prefix string) {
		root := t.TempDir()
		writeTree(t, root, map[string]string{"app/a.yaml": content, "app/b.yaml": chunkCorpus, "app/c.yaml": chunkListFile})
		spec := &kustomizev1.KustomizationSpec{Path: "app", TargetNamespace: "target", NamePrefix: prefix}
		whole, chunked := buildBothWays(t, root, spec, false)
		if whole != chunked {
			t.Fatalf("whole and chunked builds of %q differ:\nwhole:   %s\nchunked: %s", content, whole, chunked)
		}
	})
}
