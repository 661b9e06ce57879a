/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fluxcd/pkg/runtime/conditions"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/tide-gitops/tide/api/kustomize/v1"
	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testenv"
	"github.com/tide-gitops/tide/internal/testserver/gitserver"
)

// logsHelperEnv names the state directory in which TestLogsHelperProcess writes a controller log.
const logsHelperEnv = "TIDE_TEST_LOGS_STATE_DIR"

// logsNamespace holds the objects of the log TestLogsHelperProcess writes.
const logsNamespace = "logs-demo"

// TestLogsHelperProcess is run by TestLogsOfDevControllers in a process of its own, so that the controllers'
// logger can be set up as `tide dev` sets it up (once per process): it runs the real source-controller and
// kustomize-controller on a fresh control plane with setupControllerLogs, reconciles a Kustomization that
// applies and a GitRepository whose fetch fails, and returns once the failure is in the log.
func TestLogsHelperProcess(t *testing.T) {
	state := os.Getenv(logsHelperEnv)
	if state == "" {
		t.Skip("run by TestLogsOfDevControllers in a process of its own")
	}
	if err := os.MkdirAll(filepath.Join(state, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := setupControllerLogs(state)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := testenv.Context(t, 3*time.Minute)
	env, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	if err := startTestControllers(env); err != nil {
		t.Fatal(err)
	}
	a := &gitopsApp{env: env, ns: logsNamespace}
	srv := gitserver.New(t)
	repo := srv.CreateRepo(t, "app")
	repo.CommitFiles(t, "main", map[string]string{"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"})
	url := srv.StartHTTP(t, gitserver.HTTPOptions{}).RepoURL("app")
	interval := metav1.Duration{Duration: 10 * time.Minute}
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: logsNamespace}},
		&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: logsNamespace},
			Spec: sourcev1.GitRepositorySpec{URL: url, Interval: interval, Reference: &sourcev1.GitRepositoryRef{Branch: "main"}}},
		&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: logsNamespace},
			Spec: sourcev1.GitRepositorySpec{URL: "http://127.0.0.1:1/broken.git", Interval: interval}},
		&kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: logsNamespace},
			Spec: kustomizev1.KustomizationSpec{Path: "./deploy", Prune: true, TargetNamespace: logsNamespace, Interval: interval,
				SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: "app"}}},
	} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	a.waitReady(t, "app")
	broken := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: logsNamespace}}
	testenv.WaitFor(t, env.Client, broken, 2*time.Minute, "GitRepository broken failed", func(r *sourcev1.GitRepository) bool {
		return conditions.IsFalse(r, "Ready") && r.Status.ObservedGeneration == r.Generation
	})
	// The controller logs the failure once Reconcile returns, just after the status was written.
	deadline := time.Now().Add(time.Minute)
	for !slices.ContainsFunc(strings.Split(readFile(t, filepath.Join(state, devLogFile)), "\n"), func(l string) bool {
		return strings.Contains(l, `"level":"error"`) && strings.Contains(l, `"name":"broken"`)
	}) {
		if time.Now().After(deadline) {
			t.Fatal("the failed fetch of GitRepository broken is not in the controllers' log")
		}
		time.Sleep(pollInterval)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLogsOfDevControllers reads a log written by the real controllers with tide dev's logger and checks each
// filter against the entries the log holds: by object, by level, by namespace, -A, --tail, -o json, the
// human format, and --follow picking up appended entries.
func TestLogsOfDevControllers(t *testing.T) {
	state := t.TempDir()
	ctx := testenv.Context(t, 5*time.Minute)
	helper := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLogsHelperProcess$", "-test.count=1")
	helper.Env = append(os.Environ(), logsHelperEnv+"="+state)
	if out, err := helper.CombinedOutput(); err != nil {
		t.Fatalf("writing a controller log: %v\n%s", err, out)
	}
	logPath := filepath.Join(state, devLogFile)
	lines := strings.Split(strings.TrimSpace(readFile(t, logPath)), "\n")
	expect := func(fields map[string]string) []string { return linesWith(t, lines, fields) }
	logs := func(args ...string) []string {
		out, err := execTide(t, append([]string{"logs", "--state-dir", state}, args...)...)
		if err != nil {
			t.Fatalf("tide logs %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if out = strings.TrimSpace(out); out == "" {
			return nil
		}
		return strings.Split(out, "\n")
	}
	for _, tc := range []struct {
		args   []string
		fields map[string]string
		some   bool
	}{
		{[]string{"-n", logsNamespace, "--kind", "GitRepository", "--name", "broken", "--level", "error"},
			map[string]string{"controllerKind": "GitRepository", "name": "broken", "namespace": logsNamespace, "level": "error"}, true},
		{[]string{"-n", logsNamespace, "--kind", "ks", "--name", "app"},
			map[string]string{"controllerKind": "Kustomization", "name": "app", "namespace": logsNamespace}, true},
		{[]string{"-n", logsNamespace, "--level", "info"}, map[string]string{"namespace": logsNamespace, "level": "info"}, true},
		{nil, map[string]string{"namespace": defaultNamespace}, false},
		{[]string{"-A"}, map[string]string{}, true},
	} {
		want := expect(tc.fields)
		if tc.fields["namespace"] != "" { // entries about no object carry no namespace
			want = slices.DeleteFunc(want, func(l string) bool { return !strings.Contains(l, `"name":`) })
		}
		if tc.some && len(want) == 0 {
			t.Fatalf("the controllers' log has no entry with %v:\n%s", tc.fields, strings.Join(lines, "\n"))
		}
		if got := logs(append(tc.args, "-o", "json")...); !slices.Equal(got, want) {
			t.Errorf("tide logs %s -o json printed %d entries, want the %d with %v:\n%s",
				strings.Join(tc.args, " "), len(got), len(want), tc.fields, strings.Join(got, "\n"))
		}
		if got := logs(tc.args...); len(got) != len(want) {
			t.Errorf("tide logs %s printed %d lines, want %d", strings.Join(tc.args, " "), len(got), len(want))
		}
	}
	errorsOfBroken := logs("-n", logsNamespace, "--kind", "GitRepository", "--name", "broken", "--level", "error")
	for _, l := range errorsOfBroken {
		if !strings.Contains(l, " source    error GitRepository/"+logsNamespace+"/broken Reconciler error: ") ||
			utf8.RuneCountInString(l) > screenWidth {
			t.Errorf("an error entry reads %q, want controller, level, object and message within %d columns", l, screenWidth)
		}
	}
	all := expect(map[string]string{})
	if got := logs("-A", "--tail", "1", "-o", "json"); !slices.Equal(got, all[len(all)-1:]) {
		t.Errorf("--tail 1 printed %q, want the last entry", got)
	}
	followLog(t, state, all)
}

// linesWith returns the lines of a controller log whose fields have the given values, decoded independently of
// tide.
func linesWith(t *testing.T, lines []string, fields map[string]string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("the controllers wrote a line that is not JSON: %s", l)
		}
		matches := true
		for k, v := range fields {
			if s, _ := m[k].(string); s != v {
				matches = false
			}
		}
		if matches {
			out = append(out, l)
		}
	}
	return out
}

// followLog runs `tide logs -f` on the log and appends an entry to it: the entries already there print, then
// the new one.
func followLog(t *testing.T, state string, existing []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(testenv.Context(t, 2*time.Minute))
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		cmd := newRootCommand()
		cmd.SetOut(out)
		cmd.SetErr(out)
		cmd.SetArgs([]string{"logs", "--state-dir", state, "-A", "-f", "-o", "json"})
		done <- cmd.ExecuteContext(ctx)
	}()
	waitForLines(t, out, len(existing))
	appended := strings.Replace(existing[len(existing)-1], `"msg":"`, `"msg":"appended `, 1)
	f, err := os.OpenFile(filepath.Join(state, devLogFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(appended + "\n"); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	got := waitForLines(t, out, len(existing)+1)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("tide logs -f ended with %v", err)
	}
	if !slices.Equal(got, append(slices.Clone(existing), appended)) {
		t.Errorf("tide logs -f printed\n%s\nwant the log then the appended entry", strings.Join(got, "\n"))
	}
}

// waitForLines waits until out holds n lines and returns them.
func waitForLines(t *testing.T, out *lockedBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if len(lines) >= n && out.String() != "" {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("tide logs -f printed %d lines, want %d:\n%s", len(lines), n, out.String())
		}
		time.Sleep(pollInterval)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsOfControllerPods checks how `tide logs` finds the controllers on a cluster: the pods of the
// controller Deployments in --flux-namespace. The local control plane has no kubelet to serve their logs, so the
// test stops at the API server's answer, which must name the pod; without pods, the error says what to do,
// and a tide dev log in the working directory is read instead.
func TestLogsOfControllerPods(t *testing.T) {
	a := &gitopsApp{env: sharedCluster(t), ns: testNamespace(t)}
	ctx := testenv.Context(t, time.Minute)
	t.Chdir(t.TempDir())
	msg := failTide(t, "logs", "--flux-namespace", a.ns)
	assertContains(t, "the error without controllers", msg, "no tide controller pods run in namespace "+a.ns,
		"no tide dev log at .tide/dev/logs/controllers.log", "`tide install`")

	entry := `{"level":"info","ts":"2026-01-02T03:04:05.000Z","logger":"kustomize-controller","msg":"from the file",` +
		`"controllerKind":"Kustomization","namespace":"flux-system","name":"apps"}`
	writeFiles(t, ".", map[string]string{filepath.Join(devStateDir, devLogFile): entry + "\n"})
	out := mustTide(t, "logs", "--flux-namespace", a.ns)
	assertContains(t, "tide logs without controllers but with a tide dev log", out,
		"reading the tide dev log .tide/dev/logs/controllers.log", "kustomize info  Kustomization/flux-system/apps from the file")

	labels := map[string]string{"app": "kustomize-controller"}
	replicas := int32(0)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "kustomize-controller", Namespace: a.ns},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "example.com/kc:v1"}}}}}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kustomize-controller-abc", Namespace: a.ns, Labels: labels},
		Spec: *dep.Spec.Template.Spec.DeepCopy()}
	pod.Spec.NodeName = "node-without-kubelet" // the API server then asks that node's kubelet for the log
	for _, obj := range []client.Object{dep, pod} {
		if err := a.env.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	msg = failTide(t, "logs", "--flux-namespace", a.ns)
	assertContains(t, "the error of a pod without logs", msg, "reading the log of pod "+a.ns+"/kustomize-controller-abc")
}

// TestLogFilter checks the filters on entries as the controllers write them and on other lines.
func TestLogFilter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	entry := func(level, kind, ns, name, ts string) string {
		return `{"level":"` + level + `","ts":"` + ts + `","logger":"kustomize-controller","msg":"m","controllerKind":"` +
			kind + `","namespace":"` + ns + `","name":"` + name + `"}`
	}
	recent := now.Add(-time.Minute).Format(time.RFC3339)
	old := now.Add(-2 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		name string
		o    logsOptions
		ns   string
		line string
		want bool
	}{
		{"object in the namespace", logsOptions{}, "flux-system", entry("info", "Kustomization", "flux-system", "a", recent), true},
		{"object elsewhere", logsOptions{}, "flux-system", entry("info", "Kustomization", "apps", "a", recent), false},
		{"object elsewhere, -A", logsOptions{allNamespaces: true}, "flux-system", entry("info", "Kustomization", "apps", "a", recent), true},
		{"no object", logsOptions{}, "flux-system", `{"level":"info","msg":"Starting workers"}`, false},
		{"no object, -A", logsOptions{allNamespaces: true}, "", `{"level":"info","msg":"Starting workers"}`, true},
		{"kind by alias", logsOptions{kind: "ks"}, "apps", entry("info", "Kustomization", "apps", "a", recent), true},
		{"other kind", logsOptions{kind: "GitRepository"}, "apps", entry("info", "Kustomization", "apps", "a", recent), false},
		{"name", logsOptions{name: "b"}, "apps", entry("info", "Kustomization", "apps", "a", recent), false},
		{"level", logsOptions{level: "error"}, "apps", entry("info", "Kustomization", "apps", "a", recent), false},
		{"level error", logsOptions{level: "error"}, "apps", entry("error", "Kustomization", "apps", "a", recent), true},
		{"since", logsOptions{since: time.Hour}, "apps", entry("info", "Kustomization", "apps", "a", old), false},
		{"since, recent", logsOptions{since: time.Hour}, "apps", entry("info", "Kustomization", "apps", "a", recent), true},
		{"since, zap time", logsOptions{since: time.Hour}, "apps",
			entry("info", "Kustomization", "apps", "a", now.Add(-time.Minute).Format("2006-01-02T15:04:05.000Z0700")), true},
		{"since, epoch time", logsOptions{since: time.Hour}, "apps",
			strings.Replace(entry("info", "Kustomization", "apps", "a", ""), `"ts":""`, `"ts":1767322985.5`, 1), true},
		{"not JSON, -A", logsOptions{allNamespaces: true}, "", "panic: something", true},
		{"not JSON, level", logsOptions{allNamespaces: true, level: "error"}, "", "panic: something", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			global.namespace = tc.ns
			defer func() { global.namespace = defaultNamespace }()
			f, err := tc.o.filter(now)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.match(parseLogEntry(tc.line)); got != tc.want {
				t.Errorf("match(%s) = %v, want %v", tc.line, got, tc.want)
			}
		})
	}
	for _, o := range []logsOptions{{level: "warn"}, {kind: "Gadget"}, {since: -time.Minute}, {output: "yaml"}} {
		if _, err := o.filter(now); err == nil {
			t.Errorf("%+v was accepted", o)
		}
	}
}

// TestLogPrinter checks --tail over entries read from several logs (the pods of a cluster), which print in time
// order, and the one-line format.
func TestLogPrinter(t *testing.T) {
	line := func(ts, msg string) string {
		return `{"level":"info","ts":"` + ts + `","logger":"source-controller","msg":"` + msg +
			`","controllerKind":"GitRepository","namespace":"flux-system","name":"podinfo"}`
	}
	var out bytes.Buffer
	p := &logPrinter{w: &out, filter: &logFilter{namespace: "flux-system"}, tail: 2, sorted: true}
	pods := []string{
		line("2026-01-02T03:00:01Z", "first") + "\n" + line("2026-01-02T03:00:04Z", "fourth") + "\n",
		line("2026-01-02T03:00:02Z", "second") + "\n" + "not json\n" + line("2026-01-02T03:00:03Z", "third"),
	}
	for _, pod := range pods {
		if err := scanLogLines(strings.NewReader(pod), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.caughtUp(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 2 || !strings.HasSuffix(got[0], "third") || !strings.HasSuffix(got[1], "fourth") {
		t.Errorf("--tail 2 over two logs printed:\n%s\nwant third, then fourth", out.String())
	}
	if want := " source    info  GitRepository/flux-system/podinfo third"; !strings.HasSuffix(got[0], want) {
		t.Errorf("an entry reads %q, want it to end with %q", got[0], want)
	}
	long := parseLogEntry(line("2026-01-02T03:00:01Z", strings.Repeat("word ", 40)))
	if n := utf8.RuneCountInString(formatLogEntry(long, false)); n != screenWidth {
		t.Errorf("a long entry takes %d columns, want %d", n, screenWidth)
	}
	if wide := formatLogEntry(long, true); !strings.HasSuffix(wide, "word") {
		t.Errorf("-o wide cut an entry: %q", wide)
	}
}

// FuzzParseLogEntry checks that any line, as a cluster or a file may hold, is read without a panic and prints
// on one line within the screen's width.
func FuzzParseLogEntry(f *testing.F) {
	f.Add(`{"level":"error","ts":"2026-11-24T06:28:03.814Z","logger":"source-controller","msg":"Reconciler error",` +
		`"controllerKind":"GitRepository","namespace":"a","name":"b","error":"x\ny"}`)
	f.Add(`{"ts":1.5,"level":7,"msg":null}`)
	f.Add("plain\ttext")
	f.Fuzz(func(t *testing.T, line string) {
		e := parseLogEntry(line)
		s := formatLogEntry(e, false)
		if strings.Contains(s, "\n") || utf8.RuneCountInString(s) > screenWidth {
			t.Errorf("%q prints as %q", line, s)
		}
	})
}
