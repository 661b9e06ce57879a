/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// demoWatch follows the demo's GitRepository and Kustomizations and prints what happens to them: a new
// artifact, an applied revision, a failure (each once).
type demoWatch struct {
	c client.Client
	p *progress
	// token is the reconcile request of this run's start: status from before it is not reported.
	token string

	mu sync.Mutex
	// commitSeen is when the latest commit on the demo branch was noticed (zero before any); later lines
	// are timed from it.
	commitSeen time.Time
	// printed holds, per object, what was last reported, so each state is reported once.
	printed map[string]string
}

func newDemoWatch(c client.Client, p *progress, token string) *demoWatch {
	return &demoWatch{c: c, p: p, token: token, printed: map[string]string{}}
}

// requestReconcile asks the source-controller to fetch the new commit now (as `flux reconcile source git`
// does); the Kustomizations follow when the artifact changes.
func (w *demoWatch) requestReconcile(ctx context.Context, commit string) {
	w.mu.Lock()
	w.commitSeen = time.Now()
	w.mu.Unlock()
	w.p.step("new commit %s on %s: reconciling GitRepository %s/%s", commit[:7], demoBranch, defaultNamespace, demoSourceName)
	repo := &sourcev1.GitRepository{}
	repo.Namespace, repo.Name = defaultNamespace, demoSourceName
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, meta.ReconcileRequestAnnotation, time.Now().UTC().Format(time.RFC3339Nano))
	if err := w.c.Patch(ctx, repo, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil && ctx.Err() == nil {
		w.p.fail("requesting a reconcile of GitRepository %s/%s: %v", defaultNamespace, demoSourceName, err)
	}
}

// waitReady polls until the GitRepository and every Kustomization handled this run's request and are Ready
// with the source's revision applied, printing progress. It fails after timeout, or when a controller stops.
func (w *demoWatch) waitReady(ctx context.Context, timeout time.Duration, failed <-chan error) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		ready, pending := w.poll(ctx)
		if ready {
			w.p.ok("demo Ready (%s)", w.p.elapsed())
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-failed:
			return err
		case <-deadline.C:
			return fmt.Errorf("the demo was not Ready within %s (--timeout): %s; the controllers' logs may tell more",
				timeout, pending)
		case <-tick.C:
		}
	}
}

// follow prints what happens to the demo's objects until ctx ends (nil) or a controller stops (its error).
func (w *demoWatch) follow(ctx context.Context, failed <-chan error) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			return err
		case <-tick.C:
			w.poll(ctx)
		}
	}
}

// poll reads the demo's objects, reports what changed, and tells whether all are Ready; when not, pending
// says which one is not and why.
func (w *demoWatch) poll(ctx context.Context) (ready bool, pending string) {
	repo := &sourcev1.GitRepository{}
	if err := w.c.Get(ctx, client.ObjectKey{Namespace: defaultNamespace, Name: demoSourceName}, repo); err != nil {
		return false, fmt.Sprintf("GitRepository %s/%s: %v", defaultNamespace, demoSourceName, err)
	}
	ready, pending = w.reportSource(repo)
	revision := ""
	if repo.Status.Artifact != nil {
		revision = repo.Status.Artifact.Revision
	}
	sourceReady := ready
	for _, d := range demoKustomizations {
		ks := &kustomizev1.Kustomization{}
		if err := w.c.Get(ctx, client.ObjectKey{Namespace: defaultNamespace, Name: d.name}, ks); err != nil {
			return false, fmt.Sprintf("Kustomization %s/%s: %v", defaultNamespace, d.name, err)
		}
		if ok, why := w.reportKustomization(ks, revision, sourceReady); !ok && ready {
			ready, pending = false, why
		}
	}
	return ready, pending
}

// reportSource prints a new artifact or a new failure of the GitRepository.
func (w *demoWatch) reportSource(repo *sourcev1.GitRepository) (ready bool, pending string) {
	name := fmt.Sprintf("GitRepository %s/%s", repo.Namespace, repo.Name)
	state, ok, why := w.state(repo, repo.Status.LastHandledReconcileAt, repo.Status.ObservedGeneration)
	if ok && repo.Status.Artifact == nil {
		ok, why = false, "no artifact yet"
	}
	if ok {
		w.report(name, "✔", "stored artifact for revision "+repo.Status.Artifact.Revision)
	} else if state != "" {
		w.report(name, "✗", state)
	}
	return ok, name + ": " + why
}

// reportKustomization prints a newly applied revision or a new failure of a Kustomization; it is ready once it
// applied the source's current revision. A failure is printed only when it is about that revision: one from
// before (e.g. "source has no artifact yet" at the first start) is retried as soon as the artifact changes.
func (w *demoWatch) reportKustomization(ks *kustomizev1.Kustomization, revision string, sourceReady bool) (ready bool, pending string) {
	name := fmt.Sprintf("Kustomization %s/%s", ks.Namespace, ks.Name)
	state, ok, why := w.state(ks, ks.Status.LastHandledReconcileAt, ks.Status.ObservedGeneration)
	if ok {
		w.report(name, "✔", "Applied revision "+ks.Status.LastAppliedRevision)
		if ks.Status.LastAppliedRevision != revision {
			ok, why = false, "revision "+revision+" not applied yet"
		}
	} else if state != "" && sourceReady && ks.Status.LastAttemptedRevision == revision {
		w.report(name, "✗", state)
	}
	return ok, name + ": " + why
}

// state reads an object's Ready condition once this run's controllers handled it: ok when Ready, else the
// failure to report ("" while it is in progress), and why it is not ready.
func (w *demoWatch) state(obj interface {
	client.Object
	conditions.Getter
}, handled string, observed int64) (failure string, ok bool, why string) {
	if !handledSince(handled, w.token) {
		return "", false, "waiting for its first reconcile"
	}
	if observed != obj.GetGeneration() {
		return "", false, "reconciling"
	}
	c := conditions.Get(obj, meta.ReadyCondition)
	switch {
	case c == nil:
		return "", false, "reconciling"
	case c.Status == metav1.ConditionTrue:
		return "", true, ""
	case c.Status == metav1.ConditionFalse:
		msg := c.Reason + ": " + strings.TrimSpace(c.Message)
		return msg, false, msg
	default:
		return "", false, c.Reason + ": " + c.Message
	}
}

// report prints "<mark> <name>: <what> (<time>)" unless it is what was last printed for name.
func (w *demoWatch) report(name, mark, what string) {
	w.mu.Lock()
	if w.printed[name] == what {
		w.mu.Unlock()
		return
	}
	w.printed[name] = what
	since := w.commitSeen
	w.mu.Unlock()
	when := w.p.elapsed()
	if !since.IsZero() {
		when = roundDuration(time.Since(since)) + " after the commit"
	}
	w.p.line("%s %s: %s (%s)", mark, name, what, when)
}

// handledSince tells whether a recorded reconcile request is the token's or a later one (tide dev's
// tokens are RFC 3339 times; a request from elsewhere counts when it is later, too).
func handledSince(handled, token string) bool {
	if handled == token {
		return true
	}
	h, err1 := time.Parse(time.RFC3339Nano, handled)
	t, err2 := time.Parse(time.RFC3339Nano, token)
	return err1 == nil && err2 == nil && !h.Before(t)
}

// printTrees prints, for each Kustomization, what it applied.
func (w *demoWatch) printTrees(ctx context.Context) error {
	w.p.line("")
	for _, d := range demoKustomizations {
		ks := &kustomizev1.Kustomization{}
		if err := w.c.Get(ctx, client.ObjectKey{Namespace: defaultNamespace, Name: d.name}, ks); err != nil {
			return fmt.Errorf("reading Kustomization %s/%s: %w", defaultNamespace, d.name, err)
		}
		if err := writeInventoryTree(w.p, ks); err != nil {
			return err
		}
	}
	return nil
}
