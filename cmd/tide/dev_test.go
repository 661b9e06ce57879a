/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tide-gitops/tide/internal/controlplane"
)

// readyLine is what `tide dev` prints once the demo is Ready.
const readyLine = "✔ demo Ready"

// TestDev runs `tide dev` (the README's first command) as a user would, without a terminal, on a fresh state
// directory: the demo becomes Ready and its tree is printed; a commit in the demo repository is applied;
// Ctrl-C stops everything with exit 0 and no process left. A second run with --exit resumes the same state
// directory, becomes Ready again and stops by itself.
func TestDev(t *testing.T) {
	bin := buildTide(t)
	state := filepath.Join(t.TempDir(), "state")

	run := startDev(t, bin, "dev", "--state-dir", state)
	cold := run.waitFor(readyLine, 5*time.Minute)
	run.waitFor("└── Service/demo-production/web", time.Minute)
	run.waitFor("Ctrl-C to stop.", time.Minute)
	c := stateClient(t, state)
	waitConfigMapMessage(t, c, "demo-dev", "Hello from the dev overlay")

	commit := commitDemoChange(t, filepath.Join(state, "demo"), map[string]string{
		"overlays/dev/configmap-patch.yaml":         "Hello from the dev overlay",
		"overlays/production/deployment-patch.yaml": "replicas: 3",
	}, map[string]string{
		"overlays/dev/configmap-patch.yaml":         "Changed by TestDev",
		"overlays/production/deployment-patch.yaml": "replicas: 2",
	})
	run.waitFor("demo-dev: Applied revision main@sha1:"+commit, 2*time.Minute)
	run.waitFor("demo-production: Applied revision main@sha1:"+commit, time.Minute)
	waitConfigMapMessage(t, c, "demo-dev", "Changed by TestDev")
	var dep appsv1.Deployment
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "demo-production", Name: "web"}, &dep); err != nil {
		t.Fatal(err)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Errorf("Deployment demo-production/web replicas = %v after the commit, want 2", dep.Spec.Replicas)
	}
	run.interrupt()
	assertNoProcessesLeft(t, state)

	resumed := startDev(t, bin, "dev", "--exit", "--state-dir", state)
	warm := resumed.waitFor(readyLine, 5*time.Minute)
	resumed.waitFor("└── Service/demo-production/web", time.Minute)
	resumed.waitExit(2 * time.Minute)
	if out := resumed.output(); strings.Contains(out, "created the demo repository") || !strings.Contains(out, "Applied revision main@sha1:"+commit) {
		t.Errorf("the second run did not resume the demo repository at %s:\n%s", commit, out)
	}
	assertNoProcessesLeft(t, state)
	t.Logf("time to Ready: cold (fresh state directory) %s, warm (resumed) %s", cold.Round(100*time.Millisecond), warm.Round(100*time.Millisecond))
}

// TestDevExit runs `tide dev --exit` against an existing cluster named by --kubeconfig: tide installs its
// CRDs there, runs its controllers in-process, brings the demo to Ready, prints the applied tree and exits 0,
// without starting a control plane of its own.
func TestDevExit(t *testing.T) {
	bin := buildTide(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cp, err := controlplane.Start(ctx, controlplane.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cp.Stop() }()
	state := t.TempDir()

	run := startDev(t, bin, "dev", "--exit", "--kubeconfig", cp.KubeconfigPath, "--state-dir", state)
	run.waitFor(readyLine, 5*time.Minute)
	run.waitExit(2 * time.Minute)
	out := run.output()
	for _, want := range []string{"using the cluster at " + cp.APIServerURL, "installed 13 CRDs",
		"Kustomization/flux-system/demo-dev\n├── Namespace/demo-dev\n", "└── Service/demo-production/web\n",
		"kubectl --kubeconfig " + cp.KubeconfigPath + " get"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "etcd")); err == nil {
		t.Errorf("tide dev started a control plane of its own in %s although --kubeconfig was given", state)
	}
	waitConfigMapMessage(t, newTestClient(t, cp.Config), "demo-production", "Hello from production")
	assertNoProcessesLeft(t, state)
}

// buildTide builds the tide binary into the test's temporary directory.
func buildTide(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tide")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building tide: %v\n%s", err, out)
	}
	return bin
}

// devRun is a running `tide dev` whose output (stdout and stderr, no terminal) is collected line by line.
type devRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	start  time.Time
	exited chan struct{}
	err    error

	mu    sync.Mutex
	lines []string
}

func startDev(t *testing.T, bin string, args ...string) *devRun {
	t.Helper()
	r := &devRun{t: t, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	r.cmd.Env = append(os.Environ(), "KUBECONFIG=")
	r.cmd.Dir = t.TempDir() // outside the repository: the CRDs and the demo come from the binary
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stdout, r.cmd.Stderr = pw, pw
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, sc.Text())
			r.mu.Unlock()
		}
		_ = pr.Close()
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
	})
	return r
}

func (r *devRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n") + "\n"
}

// waitFor waits for a line containing s and returns the time since the start.
func (r *devRun) waitFor(s string, timeout time.Duration) time.Duration {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(r.output(), s) {
			return time.Since(r.start)
		}
		select {
		case <-r.exited:
			r.t.Fatalf("tide dev exited (%v) before printing %q:\n%s", r.err, s, r.output())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("tide dev did not print %q within %s:\n%s", s, timeout, r.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// interrupt sends SIGINT (Ctrl-C) and waits for exit 0.
func (r *devRun) interrupt() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		r.t.Fatal(err)
	}
	r.waitExit(2 * time.Minute)
}

// waitExit waits for the process to end and fails unless it exited 0.
func (r *devRun) waitExit(timeout time.Duration) {
	r.t.Helper()
	select {
	case <-r.exited:
	case <-time.After(timeout):
		r.t.Fatalf("tide dev still running %s later:\n%s", timeout, r.output())
	}
	if r.err != nil {
		r.t.Fatalf("tide dev: %v\n%s", r.err, r.output())
	}
	if !strings.Contains(r.output(), "✔ stopped") {
		r.t.Errorf("tide dev exited without reporting a clean stop:\n%s", r.output())
	}
}

// stateClient connects through the kubeconfig `tide dev` wrote into its state directory.
func stateClient(t *testing.T, state string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	return newTestClient(t, cfg)
}

func newTestClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	ctrllog.SetLogger(logr.Discard()) // the test's own client has nothing to log
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitConfigMapMessage(t *testing.T, c client.Client, namespace, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cm corev1.ConfigMap
	for {
		err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "web"}, &cm)
		if err == nil && cm.Data["message"] == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ConfigMap %s/web message = %q (%v), want %q", namespace, cm.Data["message"], err, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// commitDemoChange replaces, in each file, old[file] by new[file], commits as a user would and returns the
// commit.
func commitDemoChange(t *testing.T, repo string, old, new map[string]string) string {
	t.Helper()
	for file, from := range old {
		path := filepath.Join(repo, filepath.FromSlash(file))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), from) {
			t.Fatalf("%s lacks %q:\n%s", path, from, b)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), from, new[file], 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("commit", "--quiet", "--all", "-m", "change the demo")
	return git("rev-parse", "HEAD")
}

// assertNoProcessesLeft fails when a process still runs with the state directory on its command line or as
// its working directory: etcd, kube-apiserver, kube-controller-manager, git http-backend.
func assertNoProcessesLeft(t *testing.T, state string) {
	t.Helper()
	left, err := processesUsing(state)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("processes left running after tide dev exited:\n%s", strings.Join(left, "\n"))
	}
}

func processesUsing(dir string) ([]string, error) {
	entries, err := os.ReadDir("/proc")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // not Linux: nothing to inspect
	}
	if err != nil {
		return nil, err
	}
	var found []string
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if err != nil {
			continue // ended meanwhile
		}
		args := strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " ")
		cwd, _ := os.Readlink(filepath.Join("/proc", pid, "cwd"))
		if strings.Contains(args, dir) || cwd == dir || strings.HasPrefix(cwd, dir+string(filepath.Separator)) {
			found = append(found, fmt.Sprintf("pid %s (cwd %s): %s", pid, cwd, args))
		}
	}
	return found, nil
}

// TestDemoRepoHead: the branch watch reads the demo branch from a loose ref and, after `git pack-refs`, from
// packed-refs, and follows new commits.
func TestDemoRepoHead(t *testing.T) {
	state := t.TempDir()
	r, err := prepareDemoRepo(state, newProgress(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = r.dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	check := func(when string) {
		t.Helper()
		got, err := r.head()
		if want := git("rev-parse", "refs/heads/main"); err != nil || got != want {
			t.Errorf("%s: head() = %q, %v; want %s", when, got, err, want)
		}
	}
	check("loose ref")
	git("pack-refs", "--all")
	if _, err := os.Stat(filepath.Join(r.dir, ".git", "refs", "heads", "main")); err == nil {
		t.Fatal("pack-refs left the loose ref: the packed-refs case is not exercised")
	}
	check("packed ref")
	git("commit", "--quiet", "--allow-empty", "-m", "next")
	check("after a commit")

	again, err := prepareDemoRepo(state, newProgress(io.Discard))
	if err != nil || again.dir != r.dir {
		t.Fatalf("second prepareDemoRepo = %v, %v; want the existing repository resumed", again, err)
	}
	check("resumed")
}

func TestHandledSince(t *testing.T) {
	token := "2026-01-02T03:04:05.123456789Z"
	for _, tt := range []struct {
		handled string
		want    bool
	}{
		{handled: token, want: true},
		{handled: "2026-01-02T03:04:06Z", want: true},
		{handled: "2026-01-02T03:04:05Z", want: false},
		{handled: "", want: false},
		{handled: "not a time", want: false},
	} {
		if got := handledSince(tt.handled, token); got != tt.want {
			t.Errorf("handledSince(%q, %q) = %v, want %v", tt.handled, token, got, tt.want)
		}
	}
}
