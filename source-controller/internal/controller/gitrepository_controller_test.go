/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/artifact"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

const waitTimeout = 30 * time.Second

// gitFixture is a repository with a branch, tags and a second branch, served over HTTP with basic auth.
type gitFixture struct {
	srv    *gitserver.Server
	repo   *gitserver.Repo
	http   *gitserver.HTTPServer
	ns     string
	commit map[string]string // name -> commit hash
}

func newGitFixture(t *testing.T) *gitFixture {
	t.Helper()
	f := &gitFixture{srv: gitserver.New(t), ns: newNamespace(t), commit: map[string]string{}}
	f.repo = f.srv.CreateRepo(t, "app")
	f.commit["v1.0.0"] = f.repo.CommitFiles(t, "main", map[string]string{"app.yaml": "version: 1.0.0\n", ".sourceignore": "secret.txt\n", "secret.txt": "ignored\n"})
	f.repo.AnnotatedTag(t, "v1.0.0", f.commit["v1.0.0"], gitserver.TagOptions{Message: "release 1.0.0"})
	f.commit["v1.1.0"] = f.repo.CommitFiles(t, "main", map[string]string{"app.yaml": "version: 1.1.0\n"})
	f.repo.Tag(t, "v1.1.0", f.commit["v1.1.0"])
	f.commit["v2.0.0"] = f.repo.CommitFiles(t, "main", map[string]string{"app.yaml": "version: 2.0.0\n"})
	f.repo.Tag(t, "v2.0.0", f.commit["v2.0.0"])
	f.commit["main"] = f.commit["v2.0.0"]
	f.commit["dev"] = f.repo.CommitFiles(t, "dev", map[string]string{"app.yaml": "version: dev\n"})
	f.http = f.srv.StartHTTP(t, gitserver.HTTPOptions{Username: "git", Password: "s3cret"})
	f.secret(t, "basic-auth", map[string]string{"username": "git", "password": "s3cret"})
	return f
}

func (f *gitFixture) secret(t *testing.T, name string, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns}, StringData: data}
	if err := env.Client.Create(context.Background(), s); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		if err := env.Client.Update(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *gitFixture) gitRepository(t *testing.T, name, url, secret string, ref *sourcev1.GitRepositoryRef, interval time.Duration) *sourcev1.GitRepository {
	t.Helper()
	obj := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: sourcev1.GitRepositorySpec{
			URL:       url,
			Interval:  metav1.Duration{Duration: interval},
			Reference: ref,
		},
	}
	if secret != "" {
		obj.Spec.SecretRef = &meta.LocalObjectReference{Name: secret}
	}
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// fetchArtifact downloads the object's artifact over HTTP, verifies its digest and extracts it.
func fetchArtifact(t *testing.T, art *meta.Artifact) string {
	t.Helper()
	dir := t.TempDir()
	if err := artifact.Fetch(context.Background(), http.DefaultClient, art.URL, art.Digest, dir, artifact.FetchOptions{}); err != nil {
		t.Fatalf("fetching artifact %s: %v", art.URL, err)
	}
	return dir
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGitRepositoryRefKinds: each kind of ref resolves to the right commit over HTTP with basic auth, and the
// artifact holds that commit's files minus the .sourceignore'd ones.
func TestGitRepositoryRefKinds(t *testing.T) {
	f := newGitFixture(t)
	url := f.http.RepoURL("app")
	tests := []struct {
		name         string
		ref          *sourcev1.GitRepositoryRef
		wantRevision string
		wantVersion  string
	}{
		{"branch", &sourcev1.GitRepositoryRef{Branch: "main"}, "main@sha1:" + f.commit["main"], "2.0.0"},
		{"other-branch", &sourcev1.GitRepositoryRef{Branch: "dev"}, "dev@sha1:" + f.commit["dev"], "dev"},
		{"annotated-tag", &sourcev1.GitRepositoryRef{Tag: "v1.0.0"}, "v1.0.0@sha1:" + f.commit["v1.0.0"], "1.0.0"},
		{"lightweight-tag", &sourcev1.GitRepositoryRef{Tag: "v1.1.0"}, "v1.1.0@sha1:" + f.commit["v1.1.0"], "1.1.0"},
		{"semver", &sourcev1.GitRepositoryRef{SemVer: ">=1.0.0 <2.0.0"}, "v1.1.0@sha1:" + f.commit["v1.1.0"], "1.1.0"},
		{"name", &sourcev1.GitRepositoryRef{Name: "refs/heads/dev"}, "refs/heads/dev@sha1:" + f.commit["dev"], "dev"},
		{"commit", &sourcev1.GitRepositoryRef{Commit: f.commit["v1.0.0"]}, "sha1:" + f.commit["v1.0.0"], "1.0.0"},
		{"commit-on-branch", &sourcev1.GitRepositoryRef{Branch: "main", Commit: f.commit["v1.1.0"]}, "main@sha1:" + f.commit["v1.1.0"], "1.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := f.gitRepository(t, tt.name, url, "basic-auth", tt.ref, time.Hour)
			waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
			if got := obj.Status.Artifact.Revision; got != tt.wantRevision {
				t.Errorf("revision = %s, want %s", got, tt.wantRevision)
			}
			dir := fetchArtifact(t, obj.Status.Artifact)
			if got := readFile(t, dir, "app.yaml"); got != "version: "+tt.wantVersion+"\n" {
				t.Errorf("app.yaml = %q", got)
			}
			if _, err := os.Stat(filepath.Join(dir, "secret.txt")); !os.IsNotExist(err) {
				t.Errorf("secret.txt listed in .sourceignore is in the artifact (stat: %v)", err)
			}
			if !conditions.IsTrue(obj, sourcev1.ArtifactInStorageCondition) {
				t.Errorf("ArtifactInStorage not true: %s", describeConditions(obj))
			}
		})
	}
}

// TestGitRepositorySSH: a repository over SSH with a private key and known_hosts from the Secret.
func TestGitRepositorySSH(t *testing.T) {
	f := newGitFixture(t)
	sshd := f.srv.StartSSH(t)
	f.secret(t, "ssh-auth", map[string]string{"identity": string(sshd.ClientKey), "known_hosts": string(sshd.KnownHosts)})
	obj := f.gitRepository(t, "ssh", sshd.RepoURL("app"), "ssh-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	waitFor(t, obj, waitTimeout, "Ready over SSH", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
	if want := "main@sha1:" + f.commit["main"]; obj.Status.Artifact.Revision != want {
		t.Errorf("revision = %s, want %s", obj.Status.Artifact.Revision, want)
	}
}

// TestGitRepositoryNewCommits: a pushed commit becomes a new artifact within one interval, and at once on a
// reconcile request; an unchanged head is not cloned again.
func TestGitRepositoryNewCommits(t *testing.T) {
	f := newGitFixture(t)
	polled := f.gitRepository(t, "polled", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, 2*time.Second)
	onDemand := f.gitRepository(t, "on-demand", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	for _, obj := range []*sourcev1.GitRepository{polled, onDemand} {
		waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
	}

	// No change upstream: a requested reconcile asks for refs only, no clone.
	before := f.http.Stats()
	token := requestReconcile(t, onDemand)
	waitFor(t, onDemand, waitTimeout, "reconcile request handled", func(o *sourcev1.GitRepository) bool {
		return o.Status.LastHandledReconcileAt == token
	})
	after := f.http.Stats()
	if after.RefAdvertisements == before.RefAdvertisements {
		t.Error("the requested reconcile did not ask the remote for its head")
	}
	// The polled object may reconcile meanwhile, but with no new commit nobody clones.
	if after.UploadPacks != before.UploadPacks {
		t.Errorf("unchanged head was fetched again: %d upload-pack requests, want %d", after.UploadPacks, before.UploadPacks)
	}
	firstDigest := onDemand.Status.Artifact.Digest

	next := f.repo.CommitFiles(t, "main", map[string]string{"app.yaml": "version: 3.0.0\n"})
	want := "main@sha1:" + next
	waitFor(t, polled, waitTimeout, "new revision within one interval", func(o *sourcev1.GitRepository) bool {
		return o.Status.Artifact != nil && o.Status.Artifact.Revision == want
	})
	requestReconcile(t, onDemand)
	waitFor(t, onDemand, waitTimeout, "new revision on request", func(o *sourcev1.GitRepository) bool {
		return o.Status.Artifact != nil && o.Status.Artifact.Revision == want
	})
	if onDemand.Status.Artifact.Digest == firstDigest {
		t.Error("new revision, same digest")
	}
	if got := readFile(t, fetchArtifact(t, onDemand.Status.Artifact), "app.yaml"); got != "version: 3.0.0\n" {
		t.Errorf("app.yaml = %q", got)
	}
	assertEvent(t, onDemand, corev1.EventTypeNormal, "NewArtifact")
}

// TestGitRepositorySuspend: a suspended object is left alone (its reconcile is a no-op even on request), and
// resuming it picks up what changed meanwhile.
func TestGitRepositorySuspend(t *testing.T) {
	f := newGitFixture(t)
	obj := f.gitRepository(t, "suspended", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
	before := obj.Status.Artifact.Revision

	obj.Spec.Suspend = true
	if err := env.Client.Update(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	next := f.repo.CommitFiles(t, "main", map[string]string{"app.yaml": "version: suspended\n"})
	token := requestReconcile(t, obj)
	// Reconcile directly, deterministically: a suspended object must come out untouched.
	r := &GitRepositoryReconciler{SourceReconciler: NewSourceReconciler(env.Client, &record.FakeRecorder{}, store, "test")}
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)}); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	if obj.Status.Artifact.Revision != before || obj.Status.LastHandledReconcileAt == token {
		t.Fatalf("suspended object was reconciled: revision %s, handled %q", obj.Status.Artifact.Revision, obj.Status.LastHandledReconcileAt)
	}

	obj.Spec.Suspend = false
	if err := env.Client.Update(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	waitFor(t, obj, waitTimeout, "resumed at the new commit", func(o *sourcev1.GitRepository) bool {
		return o.Status.Artifact.Revision == "main@sha1:"+next
	})
}

// TestGitRepositoryFailuresKeepLastArtifact: wrong credentials, an unknown branch and an unreachable host each
// set Ready=False with a clear message, while the last good artifact stays in the status and is served.
func TestGitRepositoryFailuresKeepLastArtifact(t *testing.T) {
	f := newGitFixture(t)
	tests := []struct {
		name       string
		breakIt    func(t *testing.T, obj *sourcev1.GitRepository)
		wantReason string
		wantMsg    string
	}{
		{"wrong credentials", func(t *testing.T, obj *sourcev1.GitRepository) {
			f.secret(t, "creds-wrong-credentials", map[string]string{"username": "git", "password": "wrong"})
			requestReconcile(t, obj)
		}, sourcev1.AuthenticationFailedReason, "authentication"},
		{"unknown branch", func(t *testing.T, obj *sourcev1.GitRepository) {
			obj.Spec.Reference = &sourcev1.GitRepositoryRef{Branch: "no-such-branch"}
			if err := env.Client.Update(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		}, sourcev1.GitOperationFailedReason, "no-such-branch"},
		{"unreachable host", func(t *testing.T, obj *sourcev1.GitRepository) {
			obj.Spec.URL = "http://127.0.0.1:1/app.git"
			if err := env.Client.Update(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		}, sourcev1.GitOperationFailedReason, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := "creds-" + strings.ReplaceAll(tt.name, " ", "-")
			f.secret(t, secret, map[string]string{"username": "git", "password": "s3cret"})
			obj := f.gitRepository(t, strings.ReplaceAll(tt.name, " ", "-"), f.http.RepoURL("app"), secret,
				&sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
			waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
			good := obj.Status.Artifact.DeepCopy()

			tt.breakIt(t, obj)
			waitFor(t, obj, waitTimeout, "Ready=False "+tt.wantReason, func(o *sourcev1.GitRepository) bool {
				return failedWith(o, tt.wantReason) && o.Status.ObservedGeneration == o.Generation
			})
			msg := conditions.GetMessage(obj, meta.ReadyCondition)
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.wantMsg)) {
				t.Errorf("Ready message %q does not mention %q", msg, tt.wantMsg)
			}
			if !conditions.IsTrue(obj, sourcev1.FetchFailedCondition) {
				t.Errorf("FetchFailed not set: %s", describeConditions(obj))
			}
			if obj.Status.Artifact == nil || obj.Status.Artifact.Digest != good.Digest {
				t.Fatalf("last good artifact replaced: %+v", obj.Status.Artifact)
			}
			fetchArtifact(t, obj.Status.Artifact) // still served, digest intact
			assertWarningEvent(t, obj, tt.wantReason)
		})
	}
}

// TestGitRepositoryDeletion: deleting the object removes its artifacts and then the object.
func TestGitRepositoryDeletion(t *testing.T) {
	f := newGitFixture(t)
	obj := f.gitRepository(t, "deleted", f.http.RepoURL("app"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
	path := store.LocalPath(*obj.Status.Artifact)
	if err := env.Client.Delete(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t, waitTimeout)
	for {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("object not deleted: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("artifact %s still on disk after deletion (stat: %v)", path, err)
	}
}

func assertWarningEvent(t *testing.T, obj client.Object, reason string) {
	t.Helper()
	assertEvent(t, obj, corev1.EventTypeWarning, reason)
}

// assertEvent waits for an event of the type and reason about obj.
func assertEvent(t *testing.T, obj client.Object, eventType, reason string) {
	t.Helper()
	ctx := testContext(t, waitTimeout)
	for {
		var events corev1.EventList
		if err := env.Client.List(ctx, &events, client.InNamespace(obj.GetNamespace())); err == nil {
			for _, e := range events.Items {
				if e.InvolvedObject.Name == obj.GetName() && e.Type == eventType && e.Reason == reason {
					return
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no %s %s event for %s", eventType, reason, obj.GetName())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestGitRepositoryInclude: an included repository's artifact is copied from fromPath to toPath, and a new
// commit in the included repository rebuilds the including artifact.
func TestGitRepositoryInclude(t *testing.T) {
	f := newGitFixture(t)
	shared := f.srv.CreateRepo(t, "shared")
	shared.CommitFiles(t, "main", map[string]string{"deploy/common.yaml": "shared: 1\n", "README.md": "not included\n"})
	lib := f.gitRepository(t, "lib", f.http.RepoURL("shared"), "basic-auth", &sourcev1.GitRepositoryRef{Branch: "main"}, time.Hour)
	app := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: f.ns},
		Spec: sourcev1.GitRepositorySpec{
			URL: f.http.RepoURL("app"), Interval: metav1.Duration{Duration: time.Hour},
			SecretRef: &meta.LocalObjectReference{Name: "basic-auth"},
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"},
			Include: []sourcev1.GitRepositoryInclude{{
				GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}, FromPath: "deploy", ToPath: "vendor/common",
			}},
		},
	}
	if err := env.Client.Create(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	waitFor(t, app, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
	dir := fetchArtifact(t, app.Status.Artifact)
	if got := readFile(t, dir, "vendor/common/common.yaml"); got != "shared: 1\n" {
		t.Errorf("included file = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "vendor/common/README.md")); !os.IsNotExist(err) {
		t.Errorf("file outside fromPath was included (stat: %v)", err)
	}
	if len(app.Status.IncludedArtifacts) != 1 {
		t.Fatalf("includedArtifacts = %v", app.Status.IncludedArtifacts)
	}

	// A new commit in the included repository reaches the includer without touching it.
	waitFor(t, lib, waitTimeout, "lib Ready", func(o *sourcev1.GitRepository) bool { return o.Status.Artifact != nil })
	oldDigest := lib.Status.Artifact.Digest
	next := shared.CommitFiles(t, "main", map[string]string{"deploy/common.yaml": "shared: 2\n"})
	requestReconcile(t, lib)
	waitFor(t, lib, waitTimeout, "lib at the new commit", func(o *sourcev1.GitRepository) bool {
		return o.Status.Artifact != nil && o.Status.Artifact.Revision == "main@sha1:"+next
	})
	waitFor(t, app, waitTimeout, "rebuilt with the new include", func(o *sourcev1.GitRepository) bool {
		return len(o.Status.IncludedArtifacts) == 1 && o.Status.IncludedArtifacts[0].Digest == lib.Status.Artifact.Digest &&
			o.Status.IncludedArtifacts[0].Digest != oldDigest && conditions.IsReady(o)
	})
	if got := readFile(t, fetchArtifact(t, app.Status.Artifact), "vendor/common/common.yaml"); got != "shared: 2\n" {
		t.Errorf("included file after the change = %q", got)
	}
}

// TestGitRepositoryVerify: a commit signed with a trusted key verifies (SourceVerified=True); with keys that
// did not sign it, the source is refused and no artifact is stored.
func TestGitRepositoryVerify(t *testing.T) {
	f := newGitFixture(t)
	sshd := f.srv.StartSSH(t) // for its client key pair, used here as the signing key
	signed := f.srv.CreateRepo(t, "signed")
	signed.Commit(t, "main", gitserver.Change{
		Message: "signed release", Files: map[string]string{"app.yaml": "signed: true\n"},
		Sign: gitserver.SSHKeySigner(sshd.ClientKeyFile),
	})
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, err := ssh.NewPublicKey(other.Public())
	if err != nil {
		t.Fatal(err)
	}
	f.secret(t, "trusted-keys", map[string]string{"release.pub": sshd.ClientPublicKey})
	f.secret(t, "other-keys", map[string]string{"other.pub": string(ssh.MarshalAuthorizedKey(otherPub))})

	for _, tc := range []struct {
		keys    string
		trusted bool
	}{{"trusted-keys", true}, {"other-keys", false}} {
		t.Run(tc.keys, func(t *testing.T) {
			obj := &sourcev1.GitRepository{
				ObjectMeta: metav1.ObjectMeta{Name: tc.keys, Namespace: f.ns},
				Spec: sourcev1.GitRepositorySpec{
					URL: f.http.RepoURL("signed"), Interval: metav1.Duration{Duration: time.Hour},
					SecretRef:    &meta.LocalObjectReference{Name: "basic-auth"},
					Reference:    &sourcev1.GitRepositoryRef{Branch: "main"},
					Verification: &sourcev1.GitRepositoryVerification{Mode: sourcev1.ModeGitHEAD, SecretRef: meta.LocalObjectReference{Name: tc.keys}},
				},
			}
			if err := env.Client.Create(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
			if tc.trusted {
				waitFor(t, obj, waitTimeout, "Ready", func(o *sourcev1.GitRepository) bool { return readyAt(o, o.Status.ObservedGeneration) })
				if !conditions.IsTrue(obj, sourcev1.SourceVerifiedCondition) {
					t.Errorf("SourceVerified not true: %s", describeConditions(obj))
				}
				return
			}
			waitFor(t, obj, waitTimeout, "refused", func(o *sourcev1.GitRepository) bool {
				return failedWith(o, sourcev1.VerificationError)
			})
			if obj.Status.Artifact != nil {
				t.Errorf("an artifact of an unverified commit was stored: %+v", obj.Status.Artifact)
			}
		})
	}
}
