/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/source-controller/internal/git"
)

// refFromSpec maps spec.ref to the Git client's reference; an empty ref means the default branch.
func refFromSpec(ref *sourcev1.GitRepositoryRef) git.Ref {
	if ref == nil {
		return git.Ref{}
	}
	return git.Ref{Branch: ref.Branch, Tag: ref.Tag, SemVer: ref.SemVer, Name: ref.Name, Commit: ref.Commit}
}

// describeRef names the reference for messages, by the precedence the Git client applies.
func describeRef(ref git.Ref) string {
	switch {
	case ref.Commit != "":
		return fmt.Sprintf("commit '%s'", ref.Commit)
	case ref.Name != "":
		return fmt.Sprintf("reference '%s'", ref.Name)
	case ref.SemVer != "":
		return fmt.Sprintf("semver range '%s'", ref.SemVer)
	case ref.Tag != "":
		return fmt.Sprintf("tag '%s'", ref.Tag)
	case ref.Branch != "":
		return fmt.Sprintf("branch '%s'", ref.Branch)
	default:
		return "the default branch"
	}
}

// gitFailureReason tells authentication failures apart from other Git errors.
func gitFailureReason(err error) string {
	if errors.Is(err, git.ErrAuthentication) {
		return sourcev1.AuthenticationFailedReason
	}
	return sourcev1.GitOperationFailedReason
}

// verify checks the commit's (or tag's) signature against the keys of spec.verify.secretRef.
func (r *GitRepositoryReconciler) verify(ctx context.Context, obj *sourcev1.GitRepository, commit *git.Commit) error {
	if obj.Spec.Verification == nil {
		conditions.Delete(obj, sourcev1.SourceVerifiedCondition)
		obj.Status.SourceVerificationMode = nil
		return nil
	}
	secret, err := r.getSecret(ctx, obj.Namespace, obj.Spec.Verification.SecretRef.Name)
	if err != nil {
		return &stepError{condition: sourcev1.SourceVerifiedCondition, reason: sourcev1.VerificationError, err: err}
	}
	keyRings := make([]string, 0, len(secret.Data))
	for _, v := range secret.Data {
		keyRings = append(keyRings, string(v))
	}
	mode := obj.Spec.Verification.GetMode()
	var verified []string
	if obj.Spec.Verification.VerifyTag() {
		entity, err := git.VerifyTag(commit, keyRings...)
		if err != nil {
			return verificationFailed(obj, fmt.Errorf("tag signature of '%s': %w", commit.Revision, err))
		}
		verified = append(verified, fmt.Sprintf("tag signed by '%s'", entity))
	}
	if obj.Spec.Verification.VerifyHEAD() {
		entity, err := git.VerifyCommit(commit, keyRings...)
		if err != nil {
			return verificationFailed(obj, fmt.Errorf("commit signature of '%s': %w", commit.Revision, err))
		}
		verified = append(verified, fmt.Sprintf("commit signed by '%s'", entity))
	}
	conditions.MarkTrue(obj, sourcev1.SourceVerifiedCondition, meta.SucceededReason,
		"verified %s", strings.Join(verified, " and "))
	obj.Status.SourceVerificationMode = &mode
	return nil
}

func verificationFailed(obj *sourcev1.GitRepository, err error) error {
	conditions.MarkFalse(obj, sourcev1.SourceVerifiedCondition, sourcev1.VerificationError, "%s", err.Error())
	return &stepError{condition: sourcev1.SourceVerifiedCondition, reason: sourcev1.VerificationError,
		err: fmt.Errorf("signature verification failed: %w", err)}
}

// include is a resolved spec.include entry: the included repository's current artifact.
type include struct {
	spec     sourcev1.GitRepositoryInclude
	artifact *meta.Artifact
}

// resolveIncludes finds the artifact of every included GitRepository (same namespace). An include without an
// artifact yet is a transient failure: it is retried, and its own new artifact triggers a reconcile too.
func (r *GitRepositoryReconciler) resolveIncludes(ctx context.Context, obj *sourcev1.GitRepository) ([]include, error) {
	includes := make([]include, 0, len(obj.Spec.Include))
	for _, inc := range obj.Spec.Include {
		var dep sourcev1.GitRepository
		key := client.ObjectKey{Namespace: obj.Namespace, Name: inc.GitRepositoryRef.Name}
		if err := r.Get(ctx, key, &dep); err != nil {
			return nil, &stepError{condition: sourcev1.IncludeUnavailableCondition, reason: "NotFound",
				err: fmt.Errorf("included GitRepository '%s': %w", key.Name, err)}
		}
		if dep.Status.Artifact == nil || !r.Storage.ArtifactExist(*dep.Status.Artifact) {
			return nil, &stepError{condition: sourcev1.IncludeUnavailableCondition, reason: "NoArtifact",
				err: fmt.Errorf("included GitRepository '%s' has no artifact yet", key.Name)}
		}
		includes = append(includes, include{spec: inc, artifact: dep.Status.Artifact.DeepCopy()})
	}
	conditions.Delete(obj, sourcev1.IncludeUnavailableCondition)
	return includes, nil
}

// copyIncludes extracts each included artifact's fromPath into toPath of the checkout, replacing what was there.
func (r *GitRepositoryReconciler) copyIncludes(dir string, includes []include) error {
	for _, inc := range includes {
		if err := r.copyInclude(dir, inc); err != nil {
			return &stepError{condition: sourcev1.IncludeUnavailableCondition, reason: "CopyFailed",
				err: fmt.Errorf("including GitRepository '%s': %w", inc.spec.GitRepositoryRef.Name, err)}
		}
	}
	return nil
}

func (r *GitRepositoryReconciler) copyInclude(dir string, inc include) error {
	from, err := securePath("fromPath", inc.spec.GetFromPath())
	if err != nil {
		return err
	}
	to, err := securePath("toPath", inc.spec.GetToPath())
	if err != nil {
		return err
	}
	if to == "." {
		return errors.New("toPath must name a directory inside the repository")
	}
	tmp, err := os.MkdirTemp("", "include-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := r.Storage.ExtractArtifact(*inc.artifact, tmp); err != nil {
		return fmt.Errorf("extracting the included artifact: %w", err)
	}
	src := filepath.Join(tmp, from)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("fromPath '%s' not found in the included artifact", inc.spec.GetFromPath())
	}
	dst := filepath.Join(dir, to)
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

// securePath cleans a user-given relative path and refuses one that leaves its root.
func securePath(field, p string) (string, error) {
	clean := filepath.Clean("/" + p)[1:]
	if clean == "" {
		clean = "."
	}
	if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
		return "", fmt.Errorf("%s '%s' must be a relative path inside the repository", field, p)
	}
	return clean, nil
}

func includedArtifacts(includes []include) []*meta.Artifact {
	if len(includes) == 0 {
		return nil
	}
	arts := make([]*meta.Artifact, 0, len(includes))
	for _, inc := range includes {
		arts = append(arts, inc.artifact)
	}
	return arts
}

// revisionFileName turns a revision such as main@sha1:abc into the artifact's file name (the hash).
func revisionFileName(revision string) string {
	if i := strings.LastIndex(revision, ":"); i >= 0 {
		return revision[i+1:]
	}
	return strings.NewReplacer("/", "-", "@", "-").Replace(revision)
}

func equalStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (r *SourceReconciler) getSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	var secret corev1.Secret
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("Secret '%s/%s' not found", namespace, name)
		}
		return nil, fmt.Errorf("reading Secret '%s/%s': %w", namespace, name, err)
	}
	return &secret, nil
}

func secretName(ref *meta.LocalObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.Name
}
