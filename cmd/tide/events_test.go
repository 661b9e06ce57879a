/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestEvents lists the events the controllers recorded for the app, for the namespace and for one object.
func TestEvents(t *testing.T) {
	a := newGitopsApp(t)
	recorded := a.waitForEvents(t, "Kustomization", "app", nil)

	out := mustTide(t, "events", "-n", a.ns)
	assertTable(t, out, []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, nil)
	for _, e := range recorded { // messages are wrapped, not cut
		assertContains(t, "events", collapseSpace(out), collapseSpace(strings.Join([]string{e.Type, e.Reason, "Kustomization/app", e.Message}, " ")))
	}
	assertContains(t, "events of the namespace", out, "GitRepository/app", "Kustomization/child")

	out = mustTide(t, "events", "-n", a.ns, "--for", "ks/app")
	if strings.Contains(out, "GitRepository/app") || strings.Contains(out, "Kustomization/child") {
		t.Errorf("--for Kustomization/app shows other objects' events:\n%s", out)
	}
	assertTable(t, out, nil, []string{recorded[0].Reason, "Kustomization/app"})

	out = mustTide(t, "events", "-A", "--for", "Kustomization/app")
	assertTable(t, out, []string{"NAMESPACE", "LAST SEEN"}, []string{a.ns, recorded[0].Reason, "Kustomization/app"})

	assertContains(t, "no events", mustTide(t, "events", "-n", a.ns, "--for", "Kustomization/none"), "no events found for Kustomization/none")
	assertContains(t, "error", failTide(t, "events", "--for", "Deployment/web"), `unknown kind "Deployment"`)
	assertContains(t, "error", failTide(t, "events", "--for", "app"), "is not of the form Kind/name")
}

// TestEventsWatch prints the events that come after the listing: the one about a new commit's artifact shows up.
func TestEventsWatch(t *testing.T) {
	a := newGitopsApp(t)
	env := sharedCluster(t)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		cmd := newRootCommand()
		cmd.SetOut(out)
		cmd.SetErr(out)
		cmd.SetArgs([]string{"events", "--watch", "--for", "GitRepository/app", "-n", a.ns, "--kubeconfig", env.KubeconfigPath})
		done <- cmd.ExecuteContext(ctx)
	}()
	waitForText(t, out, "LAST SEEN") // the listing is printed: the watch starts after it
	listed := strings.Count(out.String(), "\n")
	head := a.repo.CommitFiles(t, "main", appFiles("2"))
	mustTide(t, "reconcile", "source", "git", "app", "-n", a.ns)
	event := a.waitForEvents(t, "GitRepository", "app", func(e *corev1.Event) bool { return strings.Contains(e.Message, head) })[0]
	deadline := time.Now().Add(time.Minute)
	for {
		lines := strings.Split(out.String(), "\n")
		if len(lines) > listed+1 && strings.Contains(collapseSpace(strings.Join(lines[listed:], "\n")), event.Reason+" GitRepository/app "+collapseSpace(event.Message)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event %s %q was not printed within a minute:\n%s", event.Reason, event.Message, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("events --watch ended with %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitForText(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within a minute:\n%s", want, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForEvents waits until the controller's events about the object, those that match when match is given,
// reached the API server (they are sent in the background) and returns them.
func (a *gitopsApp) waitForEvents(t *testing.T, kind, name string, match func(*corev1.Event) bool) []corev1.Event {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var list corev1.EventList
		err := a.env.Client.List(context.Background(), &list, client.InNamespace(a.ns),
			client.MatchingFields{"involvedObject.kind": kind, "involvedObject.name": name})
		if err != nil {
			t.Fatal(err)
		}
		var matched []corev1.Event
		for i := range list.Items {
			if match == nil || match(&list.Items[i]) {
				matched = append(matched, list.Items[i])
			}
		}
		if len(matched) > 0 {
			return matched
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching event for %s/%s within a minute", kind, name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
