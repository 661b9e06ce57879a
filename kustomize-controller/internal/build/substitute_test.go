/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package build

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"name": "web", "empty": "", "img": "registry/app:1.2.3", "n": "3"}
	tests := []struct {
		in, want string
		strict   bool
		err      string
	}{
		{in: "plain text", want: "plain text"},
		{in: "${name}", want: "web"},
		{in: "a-${name}-b", want: "a-web-b"},
		{in: "${missing}", want: ""},
		{in: "${missing}", strict: true, err: `variable not set (strict mode): "missing"`},
		{in: "${missing:=dflt}", strict: true, want: "dflt"},
		{in: "${missing:-dflt}", want: "dflt"},
		{in: "${missing=dflt}", want: "dflt"},
		{in: "${missing-dflt}", want: "dflt"},
		{in: "${empty:=dflt}", want: "dflt"},
		{in: "${name:=dflt}", want: "web"},
		{in: "${missing:=${name}-x}", want: "web-x"},
		{in: "${missing:=${other}}", strict: true, err: `"other"`},
		{in: "$${name}", want: "${name}"},
		{in: "$$", want: "$"},
		{in: "$name and $ alone", want: "$name and $ alone"},
		{in: "${#name}", want: "3"},
		{in: "${name^}", want: "Web"},
		{in: "${name^^}", want: "WEB"},
		{in: "${name,}", want: "web"},
		{in: "${name:1}", want: "eb"},
		{in: "${name:0:2}", want: "we"},
		{in: "${img#*/}", want: "app:1.2.3"},
		{in: "${img##*.}", want: "3"},
		{in: "${img%:*}", want: "registry/app"},
		{in: "${img%%.*}", want: "registry/app:1"},
		{in: "${img/./-}", want: "registry/app:1-2.3"},
		{in: "${img//./-}", want: "registry/app:1-2-3"},
		{in: "${img/#registry/r}", want: "r/app:1.2.3"},
		{in: "${img/%3/9}", want: "registry/app:1.2.9"},
		{in: "${name", err: "missing closing brace"},
		{in: "${}", err: "bad substitution"},
		{in: "${na me}", err: "bad substitution"},
	}
	for _, tt := range tests {
		e := expander{strict: tt.strict, lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
		got, err := e.expand(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("expand(%q): want error %q, got %q, %v", tt.in, tt.err, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	obj := func(annotations map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "cm-${suffix}", "namespace": "default", "annotations": annotations},
			"data":     map[string]any{"greeting": "hello ${who:=world}", "script": "echo $${HOME} $$PATH $HOME"},
		}}
	}
	objs := []*unstructured.Unstructured{
		obj(nil),
		obj(map[string]any{kustomizev1.SubstituteAnnotation: kustomizev1.DisabledValue}),
	}
	if err := Substitute(objs, map[string]string{"suffix": "a"}, false); err != nil {
		t.Fatal(err)
	}
	if objs[0].GetName() != "cm-a" {
		t.Errorf("name %q", objs[0].GetName())
	}
	data := objs[0].Object["data"].(map[string]any)
	if data["greeting"] != "hello world" || data["script"] != "echo ${HOME} $PATH $HOME" {
		t.Errorf("data %v", data)
	}
	if objs[1].GetName() != "cm-${suffix}" {
		t.Errorf("opted-out object substituted: %q", objs[1].GetName())
	}

	strictObj := []*unstructured.Unstructured{obj(nil)}
	err := Substitute(strictObj, map[string]string{"other": "x"}, true)
	if !errors.Is(err, ErrVariableNotSet) || !strings.Contains(err.Error(), `"suffix"`) ||
		!strings.Contains(err.Error(), "ConfigMap/default/cm-${suffix}") {
		t.Fatalf("want an error naming the variable and the object, got %v", err)
	}
	if err := Substitute([]*unstructured.Unstructured{obj(nil)}, map[string]string{"bad-name": "x"}, false); err == nil {
		t.Fatal("an invalid variable name was accepted")
	}
	noVars := []*unstructured.Unstructured{obj(nil)}
	if err := Substitute(noVars, nil, true); err != nil || noVars[0].GetName() != "cm-${suffix}" {
		t.Fatalf("with no variables Flux substitutes nothing: %v %q", err, noVars[0].GetName())
	}
}

func TestMergeVars(t *testing.T) {
	cm := VarsFromConfigMap(&corev1.ConfigMap{Data: map[string]string{"a": "cm", "b": "cm", "c": "cm"}})
	sec := VarsFromSecret(&corev1.Secret{Data: map[string][]byte{"b": []byte("secret\n"), "c": []byte("secret")}})
	got := MergeVars([]map[string]string{cm, sec}, map[string]string{"c": "inline"})
	want := map[string]string{"a": "cm", "b": "secret", "c": "inline"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestBuildPostBuild(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"app/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    version: "${version}"
spec:
  replicas: ${replicas:=1}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:${version}
`,
		"app/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: raw
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  x: ${version}
`,
	})
	spec := &kustomizev1.KustomizationSpec{Path: "app", PostBuild: &kustomizev1.PostBuild{},
		CommonMetadata: &kustomizev1.CommonMetadata{Labels: map[string]string{"team": "${version}"}}}
	objs, err := Build(context.Background(), root, spec, Options{Vars: map[string]string{"version": "v1.2", "replicas": "4"}})
	if err != nil {
		t.Fatal(err)
	}
	d := mustFind(t, objs, "Deployment", "web")
	if got := nested(d, "spec", "replicas"); got != int64(4) {
		t.Errorf("replicas %v (%T): an unquoted variable becomes a number, as in Flux", got, got)
	}
	if got := d.GetLabels()["version"]; got != "v1.2" {
		t.Errorf("quoted label %q", got)
	}
	if got := image(d); got != "nginx:v1.2" {
		t.Errorf("image %q", got)
	}
	if got := d.GetLabels()["team"]; got != "${version}" {
		t.Errorf("commonMetadata is set after substitution in Flux, got %q", got)
	}
	if got := nested(mustFind(t, objs, "ConfigMap", "raw"), "data", "x"); got != "${version}" {
		t.Errorf("opted-out object substituted: %v", got)
	}
	if _, err := Build(context.Background(), root, spec, Options{Vars: map[string]string{"replicas": "2"}, StrictSubstitution: true}); !errors.Is(err, ErrVariableNotSet) ||
		!strings.Contains(err.Error(), `"version"`) || !strings.Contains(err.Error(), "Deployment/web") {
		t.Fatalf("strict: want an error naming version and Deployment/web, got %v", err)
	}
}
