/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

var (
	tideOnce sync.Once
	tidePath string
	tideErr  error
)

// tideBinary builds the tide CLI once per test run.
func tideBinary(t *testing.T) string {
	t.Helper()
	tideOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tide-cli-")
		if err != nil {
			tideErr = err
			return
		}
		tidePath = filepath.Join(dir, "tide")
		cmd := exec.Command("go", "build", "-o", tidePath, "./cmd/tide")
		cmd.Dir = env.RepoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			tideErr = fmt.Errorf("building the tide CLI: %v\n%s", err, out)
		}
	})
	if tideErr != nil {
		t.Fatal(tideErr)
	}
	return tidePath
}

// bootstrapRun runs `tide bootstrap git` with the password (if any) in TIDE_GIT_PASSWORD and returns its
// output.
func bootstrapRun(t *testing.T, password string, args ...string) (string, error) {
	t.Helper()
	args = append([]string{"bootstrap", "git", "--kubeconfig", env.KubeconfigPath, "--timeout", "2m", "--silent"}, args...)
	cmd := exec.Command(tideBinary(t), args...)
	cmd.Env = append(os.Environ(), "TIDE_GIT_PASSWORD="+password, "KUBECONFIG=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s $ tide %s (error: %v, %s)\n%s", start.Format("15:04:05.000"), strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond), out.String())
	if password != "" && strings.Contains(out.String(), password) {
		t.Errorf("the output shows the password")
	}
	return out.String(), err
}

// selfPatch is what a user commits to make tide change one of its own controllers: the kustomization.yaml that
// bootstrap wrote, with a patch adding an annotation to the controller's Deployment.
func selfPatch(deployment, annotation string) string {
	return fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- gotk-components.yaml
- gotk-sync.yaml
patches:
- target:
    kind: Deployment
    name: %s
  patch: |
    - op: add
      path: /metadata/annotations
      value:
        %s: "yes"
`, deployment, annotation)
}

// httpsSelfPatch changes the kustomize-controller Deployment (the HTTPS subtest).
var httpsSelfPatch = selfPatch("kustomize-controller", "e2e.tide.dev/patched-from-git")

// TestBootstrapGit runs `tide bootstrap git` against real Git servers, over HTTPS and over SSH, with one set
// of the real source-controller and kustomize-controller binaries. The subtests run one after the other on the
// same flux-system namespace: each removes its GitRepository and Kustomization (orphaning what they applied)
// before the next starts.
func TestBootstrapGit(t *testing.T) {
	runController(t, "source-controller", "--storage-path", t.TempDir(), "--storage-addr", "ADDR", "--storage-adv-addr", "ADDR")
	runController(t, "kustomize-controller")
	t.Run("https", testBootstrapGitHTTPS)
	t.Run("ssh", testBootstrapGitSSH)
}

// testBootstrapGitHTTPS: over HTTPS (its own CA, basic auth) bootstrap creates the branch of an empty
// repository, installs tide and waits until tide applies the bootstrap path from Git. A patch to tide's own
// Deployment committed to that path is then applied by tide's kustomize-controller. A second bootstrap
// commits nothing and keeps the patch; a wrong password fails with a clear message.
func testBootstrapGitHTTPS(t *testing.T) {
	ctx := testContext(t, 6*time.Minute)
	srv := gitserver.New(t)
	repo := srv.CreateRepo(t, "fleet")
	git := srv.StartHTTP(t, gitserver.HTTPOptions{Username: "tide", Password: "b00tstrap-s3cret", TLS: true})
	flags := []string{"--url", git.RepoURL("fleet"), "--username", "tide", "--ca-file", git.CAFile, "--path", "clusters/dev"}

	out, err := bootstrapRun(t, "wrong-password", flags...)
	if err == nil || !strings.Contains(out, "the server rejected the credentials: check --username and --password") {
		t.Fatalf("a wrong password: error %v", err)
	}

	t.Cleanup(func() { removeBootstrapObjects(t) })
	out, err = bootstrapRun(t, "b00tstrap-s3cret", flags...)
	if err != nil {
		t.Fatal(err)
	}
	first := repo.Head(t, "main")
	for _, want := range []string{"does not exist yet", "committed component manifests", "installing components",
		"Kustomization reconciled successfully", "bootstrap finished"} {
		if !strings.Contains(out, want) {
			t.Errorf("bootstrap output lacks %q", want)
		}
	}
	if sync := repo.ReadFile(t, "main", "clusters/dev/flux-system/gotk-sync.yaml"); !strings.Contains(sync, "path: ./clusters/dev") {
		t.Errorf("gotk-sync.yaml:\n%s", sync)
	}
	checkBootstrapSecret(ctx, t)

	// Self-management: a patch committed to the bootstrap path reaches tide's own Deployment through tide.
	repo.CommitFiles(t, "main", map[string]string{"clusters/dev/flux-system/kustomization.yaml": httpsSelfPatch})
	requestReconcileOf(t, "source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system")
	dep := &appsv1.Deployment{}
	waitUntil(t, "the patch from Git on Deployment kustomize-controller", func() bool {
		err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "kustomize-controller"}, dep)
		return err == nil && dep.Annotations["e2e.tide.dev/patched-from-git"] == "yes"
	})
	if manager := annotationManager(t, dep, "e2e.tide.dev/patched-from-git"); manager != "kustomize-controller" {
		t.Errorf("the annotation was applied by %q, want kustomize-controller", manager)
	}

	// A second bootstrap changes nothing in Git and keeps the patch.
	patched := repo.Head(t, "main")
	out, err = bootstrapRun(t, "b00tstrap-s3cret", flags...)
	if err != nil {
		t.Fatal(err)
	}
	if head := repo.Head(t, "main"); head != patched || head == first {
		t.Errorf("re-running bootstrap moved main from %s to %s (first bootstrap %s)", patched, head, first)
	}
	if !strings.Contains(out, "component manifests are up to date") || !strings.Contains(out, "bootstrap finished") {
		t.Errorf("second bootstrap output unexpected")
	}
	if k := repo.ReadFile(t, "main", "clusters/dev/flux-system/kustomization.yaml"); k != strings.TrimSpace(httpsSelfPatch) {
		t.Errorf("the second bootstrap rewrote kustomization.yaml:\n%s", k)
	}
}

// checkBootstrapSecret: the Secret holds the HTTPS credentials and the CA, as source-controller reads them.
func checkBootstrapSecret(ctx context.Context, t *testing.T) {
	t.Helper()
	var secret corev1.Secret
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "flux-system"}, &secret); err != nil {
		t.Fatal(err)
	}
	if string(secret.Data["username"]) != "tide" || string(secret.Data["password"]) != "b00tstrap-s3cret" || len(secret.Data["ca.crt"]) == 0 {
		t.Errorf("Secret flux-system holds keys %v", keysOf(secret.Data))
	}
}

func keysOf(m map[string][]byte) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// annotationManager returns the field manager that owns a metadata annotation of obj.
func annotationManager(t *testing.T, obj client.Object, key string) string {
	t.Helper()
	for _, mf := range obj.GetManagedFields() {
		if mf.FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal(mf.FieldsV1.Raw, &fields); err != nil {
			t.Fatal(err)
		}
		metadata, _ := fields["f:metadata"].(map[string]any)
		annotations, _ := metadata["f:annotations"].(map[string]any)
		if _, ok := annotations["f:"+key]; ok {
			return mf.Manager
		}
	}
	return ""
}

// removeBootstrapObjects deletes the Kustomization and GitRepository flux-system and waits until they are gone.
// Whether or not the controllers still run, nothing is pruned from the control plane the tests share: the
// finalizers are removed, and should kustomize-controller add its finalizer back before the delete, the
// Kustomization no longer prunes.
func removeBootstrapObjects(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range []client.Object{&kustomizev1.Kustomization{}, &sourcev1.GitRepository{}} {
		obj.SetNamespace("flux-system")
		obj.SetName("flux-system")
		patch := `{"metadata":{"finalizers":null}}`
		if _, ok := obj.(*kustomizev1.Kustomization); ok {
			patch = `{"metadata":{"finalizers":null},"spec":{"prune":false}}`
		}
		if err := env.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch))); client.IgnoreNotFound(err) != nil {
			t.Errorf("orphaning the objects of %T flux-system: %v", obj, err)
		}
		if err := env.Client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			t.Errorf("removing %T flux-system: %v", obj, err)
		}
		waitUntil(t, fmt.Sprintf("%T flux-system gone", obj), func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		})
	}
}
