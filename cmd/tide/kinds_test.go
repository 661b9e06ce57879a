/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestKindsServed lists every kind of the table on a control plane with tide's CRDs: each API version the CLI
// uses is served, and the typed scheme of the CLI's client knows it.
func TestKindsServed(t *testing.T) {
	c, err := (&kubeOptions{kubeconfig: sharedCluster(t).KubeconfigPath}).newClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if err := c.List(context.Background(), k.newList(), client.InNamespace("default")); err != nil {
			t.Errorf("%s (%s): %v", k.Kind, k.GroupVersion, err)
		}
		if !newScheme().Recognizes(k.GVK()) {
			t.Errorf("the CLI's scheme does not know %s", k.GVK())
		}
	}
}

// TestKindWords checks that no command-line word names two kinds, and that every kind is found by each of its
// words and by its API kind.
func TestKindWords(t *testing.T) {
	owner := map[string]string{}
	for _, k := range kinds {
		for _, w := range k.words() {
			if other, taken := owner[w]; taken && other != k.Kind {
				t.Errorf("%q names both %s and %s", w, other, k.Kind)
			}
			owner[w] = k.Kind
			if got, ok := kindByWord(w); !ok || got != k {
				t.Errorf("kindByWord(%q) does not find %s", w, k.Kind)
			}
		}
		if got, ok := kindByName(k.Kind); !ok || got != k {
			t.Errorf("kindByName(%q) does not find it", k.Kind)
		}
		if (k.Column == "") != (k.value == nil) {
			t.Errorf("%s: a column needs both a header and a value", k.Kind)
		}
	}
}

func TestParseKindName(t *testing.T) {
	for _, c := range []struct {
		in, kind, name string
		ok             bool
	}{
		{"Kustomization/apps", "Kustomization", "apps", true},
		{"ks/apps", "Kustomization", "apps", true},
		{"gitrepository/flux-system", "GitRepository", "flux-system", true},
		{"apps", "", "", false},
		{"Kustomization/", "", "", false},
		{"Deployment/web", "", "", false},
	} {
		k, name, err := parseKindName(c.in)
		if (err == nil) != c.ok || (c.ok && (k.Kind != c.kind || name != c.name)) {
			t.Errorf("parseKindName(%q) = %v, %q, %v", c.in, k, name, err)
		}
	}
}
