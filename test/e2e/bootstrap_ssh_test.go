/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// sshSelfPatch is a patch a user commits over SSH to make tide change its own source-controller.
var sshSelfPatch = selfPatch("source-controller", "e2e.tide.dev/patched-over-ssh")

// testBootstrapGitSSH: over SSH (a real sshd, a deploy key) a known_hosts file without the server's key and
// a key the server does not accept are refused before anything is committed. Bootstrap then scans the host
// key, creates the branch of an empty repository and stores the key and the scanned known_hosts in the Secret
// flux-system, with which source-controller fetches the branch over SSH and kustomize-controller applies the
// path. A patch pushed over SSH reaches tide's own source-controller Deployment through tide; a second
// bootstrap, with a known_hosts file, commits nothing.
func testBootstrapGitSSH(t *testing.T) {
	ctx := testContext(t, 6*time.Minute)
	srv := gitserver.New(t)
	repo := srv.CreateRepo(t, "fleet")
	sshd := srv.StartSSH(t)
	url := sshd.RepoURL("fleet")
	flags := []string{"--url", url, "--path", "clusters/edge"}
	defer func() {
		if t.Failed() {
			t.Logf("sshd log:\n%s", sshd.Log())
		}
	}()

	refuseWrongSSHKeys(t, repo, sshd, flags)

	t.Cleanup(func() { removeBootstrapObjects(t) })
	out, err := bootstrapRun(t, "", append(flags, "--private-key-file", sshd.ClientKeyFile)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"trusting the host key", "does not exist yet", "pushed component manifests",
		"GitRepository reconciled successfully", "Kustomization reconciled successfully", "bootstrap finished"} {
		if !strings.Contains(out, want) {
			t.Errorf("bootstrap output lacks %q", want)
		}
	}
	first := repo.Head(t, "main")
	checkSSHSecret(ctx, t, sshd)
	checkSyncedOverSSH(ctx, t, url, first)

	// Self-management over SSH: a patch pushed to the bootstrap path reaches tide's own source-controller.
	dep := &appsv1.Deployment{}
	key := client.ObjectKey{Namespace: "flux-system", Name: "source-controller"}
	if err := env.Client.Get(ctx, key, dep); err != nil || dep.Annotations["e2e.tide.dev/patched-over-ssh"] != "" {
		t.Fatalf("Deployment source-controller before the patch: %v, annotations %v", err, dep.Annotations)
	}
	patched := pushOverSSH(t, srv, sshd, map[string]string{"clusters/edge/flux-system/kustomization.yaml": sshSelfPatch})
	requestReconcileOf(t, "source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system")
	waitUntil(t, "the patch pushed over SSH on Deployment source-controller", func() bool {
		err := env.Client.Get(ctx, key, dep)
		return err == nil && dep.Annotations["e2e.tide.dev/patched-over-ssh"] == "yes"
	})
	if manager := annotationManager(t, dep, "e2e.tide.dev/patched-over-ssh"); manager != "kustomize-controller" {
		t.Errorf("the annotation was applied by %q, want kustomize-controller", manager)
	}
	checkSyncedOverSSH(ctx, t, url, patched)

	// A second bootstrap, checking the server against a known_hosts file, commits nothing and keeps the patch.
	out, err = bootstrapRun(t, "", append(flags, "--private-key-file", sshd.ClientKeyFile, "--ssh-known-hosts-file", sshd.KnownHostsFile)...)
	if err != nil {
		t.Fatal(err)
	}
	if head := repo.Head(t, "main"); head != patched {
		t.Errorf("re-running bootstrap moved main from %s to %s", patched, head)
	}
	if !strings.Contains(out, "component manifests are up to date") || strings.Contains(out, "trusting the host key") {
		t.Errorf("second bootstrap output unexpected")
	}
	if k := repo.ReadFile(t, "main", "clusters/edge/flux-system/kustomization.yaml"); k != strings.TrimSpace(sshSelfPatch) {
		t.Errorf("the second bootstrap rewrote kustomization.yaml:\n%s", k)
	}
	checkSSHSecret(ctx, t, sshd)
}

// refuseWrongSSHKeys: a known_hosts file whose key is not the server's, and a private key the server does not
// accept, fail bootstrap with a message, and nothing reaches the repository.
func refuseWrongSSHKeys(t *testing.T, repo *gitserver.Repo, sshd *gitserver.SSHServer, flags []string) {
	t.Helper()
	dir := t.TempDir()
	wrongHosts := filepath.Join(dir, "known_hosts")
	hostPort := strings.Fields(string(sshd.KnownHosts))[0]
	if err := os.WriteFile(wrongHosts, []byte(hostPort+" "+sshd.ClientPublicKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := bootstrapRun(t, "", append(flags, "--private-key-file", sshd.ClientKeyFile, "--ssh-known-hosts-file", wrongHosts)...)
	if err == nil || !strings.Contains(out, "the SSH server's host key is not in --ssh-known-hosts-file") {
		t.Errorf("a known_hosts file without the server's key: error %v", err)
	}

	otherKey := filepath.Join(dir, "id_other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	out, err = bootstrapRun(t, "", append(flags, "--private-key-file", otherKey, "--ssh-known-hosts-file", sshd.KnownHostsFile)...)
	if err == nil || !strings.Contains(out, "the SSH server rejected the key of --private-key-file") {
		t.Errorf("a key the server does not accept: error %v", err)
	}
	if refs := repo.Git(t, "for-each-ref"); refs != "" {
		t.Errorf("refused bootstraps changed the repository:\n%s", refs)
	}
}

// checkSSHSecret: the Secret holds exactly the SSH keys source-controller reads (as Flux's bootstrap writes
// them), the known_hosts line being the server's; no HTTPS credentials are left from an earlier bootstrap.
func checkSSHSecret(ctx context.Context, t *testing.T, sshd *gitserver.SSHServer) {
	t.Helper()
	var secret corev1.Secret
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "flux-system", Name: "flux-system"}, &secret); err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(secret.Data); len(keys) != 3 {
		t.Errorf("Secret flux-system holds keys %v, want identity, identity.pub and known_hosts", keys)
	}
	if string(secret.Data["identity"]) != string(sshd.ClientKey) {
		t.Errorf("identity is not the private key given to bootstrap")
	}
	if pub := strings.Fields(sshd.ClientPublicKey); strings.TrimSpace(string(secret.Data["identity.pub"])) != pub[0]+" "+pub[1] {
		t.Errorf("identity.pub %q, want the public key %q", secret.Data["identity.pub"], sshd.ClientPublicKey)
	}
	if string(secret.Data["known_hosts"]) != string(sshd.KnownHosts) {
		t.Errorf("known_hosts %q, want the server's %q", secret.Data["known_hosts"], sshd.KnownHosts)
	}
}

// checkSyncedOverSSH: the GitRepository flux-system fetches the ssh:// URL with the Secret and is Ready at
// commit, and the Kustomization flux-system has applied that commit.
func checkSyncedOverSSH(ctx context.Context, t *testing.T, url, commit string) {
	t.Helper()
	revision := "main@sha1:" + commit
	key := client.ObjectKey{Namespace: "flux-system", Name: "flux-system"}
	repo := &sourcev1.GitRepository{}
	waitUntil(t, "GitRepository flux-system Ready at "+revision, func() bool {
		return env.Client.Get(ctx, key, repo) == nil && conditions.IsReady(repo) &&
			repo.Status.Artifact != nil && repo.Status.Artifact.Revision == revision
	}, func() string { return " (Ready: " + conditions.GetMessage(repo, "Ready") + ")" })
	if repo.Spec.URL != url || repo.Spec.SecretRef == nil || repo.Spec.SecretRef.Name != "flux-system" {
		t.Errorf("GitRepository flux-system fetches %s with Secret %v", repo.Spec.URL, repo.Spec.SecretRef)
	}
	ks := &kustomizev1.Kustomization{}
	waitUntil(t, "Kustomization flux-system applied "+revision, func() bool {
		return env.Client.Get(ctx, key, ks) == nil && conditions.IsReady(ks) && ks.Status.LastAppliedRevision == revision
	}, func() string { return " (Ready: " + conditions.GetMessage(ks, "Ready") + ")" })
	if ks.Spec.Path != "./clusters/edge" {
		t.Errorf("Kustomization flux-system applies %q", ks.Spec.Path)
	}
}

// pushOverSSH clones main over SSH with the git CLI, commits files and pushes them back; it returns the commit.
func pushOverSSH(t *testing.T, srv *gitserver.Server, sshd *gitserver.SSHServer, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := srv.GitCommand(dir, []string{"GIT_SSH_COMMAND=" + sshd.GitSSHCommand()}, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("clone", "--branch", "main", sshd.RepoURL("fleet"), ".")
	for rel, content := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("commit", "-a", "-m", "Annotate source-controller")
	git("push", "origin", "main")
	return git("rev-parse", "HEAD")
}
