/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The seeds are the GitOps tutorials tide was created from; their Flux YAML must apply unchanged. Seeds whose
// text kept its indentation are read directly (their fenced ```yaml blocks). Seeds whose text lost it have a
// re-indented fixture in testdata/seeds/<seed>.yaml, and TestSeedFixturesMatchSeeds proves the fixture says
// nothing the seed does not.

var fluxAPIVersionLine = regexp.MustCompile(`(?m)^\s*-?\s*apiVersion:\s*\S*\.toolkit\.fluxcd\.io/`)

func seedsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TIDE_SEEDS_DIR")
	if dir == "" {
		dir = filepath.Join(env.RepoRoot, "..", "shared", "seeds")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("seed directory %s not found (set TIDE_SEEDS_DIR): %v", dir, err)
	}
	return dir
}

type seed struct {
	name    string // file name
	text    string // the seed's text
	fixture string // path of the re-indented fixture, or "" when the seed is read directly
}

func loadSeeds(t *testing.T) []seed {
	t.Helper()
	dir := seedsDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seeds in %s: %v", dir, err)
	}
	var seeds []seed
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := seed{name: filepath.Base(f), text: string(b)}
		fixture := filepath.Join("testdata", "seeds", strings.TrimSuffix(s.name, ".txt")+".yaml")
		if _, err := os.Stat(fixture); err == nil {
			s.fixture = fixture
		}
		seeds = append(seeds, s)
	}
	return seeds
}

// fencedYAML returns the contents of the ```yaml blocks of a Markdown text.
func fencedYAML(text string) string {
	var out strings.Builder
	in := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && (trimmed == "```yaml" || trimmed == "```yml"):
			in = true
			out.WriteString("---\n")
		case in && trimmed == "```":
			in = false
		case in:
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

// fluxDocuments decodes a multi-document YAML stream and keeps the objects of tide's (Flux's) API groups.
func fluxDocuments(t *testing.T, yamlText string) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewBufferString(yamlText), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := map[string]any{}
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decoding YAML: %v", err)
		}
		u := &unstructured.Unstructured{Object: obj}
		if strings.Contains(u.GetAPIVersion(), ".toolkit.fluxcd.io/") {
			objs = append(objs, u)
		}
	}
}

// seedObjects returns every Flux object of a seed, and checks none of the seed's Flux documents was missed.
func seedObjects(t *testing.T, s seed) []*unstructured.Unstructured {
	t.Helper()
	yamlText := fencedYAML(s.text)
	if s.fixture != "" {
		b, err := os.ReadFile(s.fixture)
		if err != nil {
			t.Fatal(err)
		}
		yamlText = string(b)
	}
	objs := fluxDocuments(t, yamlText)
	if want := len(fluxAPIVersionLine.FindAllString(s.text, -1)); len(objs) != want {
		t.Fatalf("%s: %d Flux documents extracted, but the seed has %d Flux apiVersion lines", s.name, len(objs), want)
	}
	return objs
}

// TestSeedFixturesMatchSeeds: every line of a re-indented fixture, stripped of its indentation, is a line of the
// seed, in the same order. Lines starting with "##" are the fixture's own notes, and "---" document separators
// are structure the seed's separate code blocks imply.
func TestSeedFixturesMatchSeeds(t *testing.T) {
	fixtures := 0
	for _, s := range loadSeeds(t) {
		if s.fixture == "" {
			continue
		}
		fixtures++
		b, err := os.ReadFile(s.fixture)
		if err != nil {
			t.Fatal(err)
		}
		seedLines := strings.Split(s.text, "\n")
		next := 0
		for n, line := range strings.Split(string(b), "\n") {
			want := strings.TrimSpace(line)
			if want == "" || strings.HasPrefix(want, "##") || strings.HasPrefix(want, "---") {
				continue
			}
			found := false
			for ; next < len(seedLines); next++ {
				if strings.TrimSpace(seedLines[next]) == want {
					found, next = true, next+1
					break
				}
			}
			if !found {
				t.Fatalf("%s:%d: %q does not follow in %s", s.fixture, n+1, want, s.name)
			}
		}
	}
	if fixtures == 0 {
		t.Fatal("no seed fixtures found in testdata/seeds")
	}
}

// TestSeedsApply: every Flux object in the seeds is accepted by server-side apply (strict field validation,
// dry run) against the real API server with tide's CRDs.
func TestSeedsApply(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	versions := map[string]int{}
	for _, s := range loadSeeds(t) {
		for _, obj := range seedObjects(t, s) {
			versions[obj.GetAPIVersion()+" "+obj.GetKind()]++
			if err := dryRunApply(ctx, obj); err != nil {
				t.Errorf("%s: %s %s/%s rejected: %v", s.name, obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
	// The seeds hold these kinds and versions; if a seed changes, this list tells what coverage moved.
	for _, want := range []string{
		"source.toolkit.fluxcd.io/v1 GitRepository", "source.toolkit.fluxcd.io/v1beta2 GitRepository",
		"kustomize.toolkit.fluxcd.io/v1 Kustomization", "kustomize.toolkit.fluxcd.io/v1beta2 Kustomization",
		"helm.toolkit.fluxcd.io/v2 HelmRelease",
		"image.toolkit.fluxcd.io/v1beta2 ImageRepository", "image.toolkit.fluxcd.io/v1beta2 ImagePolicy",
		"image.toolkit.fluxcd.io/v1beta2 ImageUpdateAutomation",
	} {
		if versions[want] == 0 {
			t.Errorf("no %s found in the seeds", want)
		}
	}
	t.Logf("applied from the seeds: %v", versions)
}
