/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tide-gitops/tide/internal/kube"
	"github.com/tide-gitops/tide/manifests"
)

// devStateDir is where `tide dev` keeps its state unless told otherwise; devLogFile is its controllers' log in
// it, written as JSON lines.
const (
	devStateDir = ".tide/dev"
	devLogFile  = "logs/controllers.log"
)

// discoveryTimeout bounds the search for controller pods, so that an unreachable cluster does not keep
// `tide logs` from reading the tide dev log.
const discoveryTimeout = 15 * time.Second

// Log levels the controllers write.
var logLevels = []string{"debug", "info", "error"}

// logsOptions are the flags of `tide logs`.
type logsOptions struct {
	kind          string
	name          string
	level         string
	since         time.Duration
	tail          int
	follow        bool
	allNamespaces bool
	stateDir      string
	fluxNamespace string
	output        string
}

func newLogsCommand() *cobra.Command {
	o := &logsOptions{}
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Print the controllers' log entries about objects",
		Long: `Print the log entries of tide's controllers, filtered by the object they are about (--kind,
--name and --namespace, or every namespace with -A), by level and by time.

On a cluster, the logs of the controllers' pods in --flux-namespace are read through the API
server. When no controller pod is found and a 'tide dev' state directory exists (.tide/dev, or
--state-dir), its log file (logs/controllers.log) is read instead; --state-dir always reads it.

Each entry prints on one line: time (local), controller, level, object and message, cut to 100
columns (-o wide prints whole lines). -o json prints the controllers' JSON lines unchanged.

Without -A only entries about objects in --namespace are printed; -A also prints the entries
about no object (start-up, errors of the controller itself). --level keeps the entries of one
level. --tail keeps the last N entries that match (following a cluster, the last N lines of each
controller before filtering).`,
		Example: `  # Entries about objects in flux-system
  tide logs

  # Errors of every object, following new entries
  tide logs -A --level error -f

  # Entries about one Kustomization in the last hour
  tide logs --kind Kustomization --name apps -n apps --since 1h

  # The log of a 'tide dev' session, as JSON lines
  tide logs --state-dir .tide/dev -A -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLogs(cmd, o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.kind, "kind", "", "Only entries about objects of this kind, e.g. Kustomization or GitRepository.")
	fs.StringVar(&o.name, "name", "", "Only entries about objects with this name.")
	fs.StringVar(&o.level, "level", "", "Only entries of this level: debug, info or error.")
	fs.DurationVar(&o.since, "since", 0, "Only entries newer than this, e.g. 10m or 2h.")
	fs.IntVar(&o.tail, "tail", -1, "Only the last N matching entries; -1 for all.")
	fs.BoolVarP(&o.follow, "follow", "f", false, "Keep printing new entries until interrupted.")
	fs.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false,
		"Entries about objects in every namespace, and entries about no object.")
	fs.StringVar(&o.stateDir, "state-dir", devStateDir, "The 'tide dev' state directory whose log to read.")
	fs.StringVar(&o.fluxNamespace, "flux-namespace", defaultNamespace, "The namespace the controllers run in.")
	fs.StringVarP(&o.output, "output", "o", "", "Output format: json (the JSON lines) or wide (lines not cut).")
	kindWords := make([]string, len(kinds))
	for i, k := range kinds {
		kindWords[i] = k.Kind
	}
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(kindWords, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions(logLevels, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{outputJSON, outputWide}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runLogs(cmd *cobra.Command, o *logsOptions) error {
	f, err := o.filter(time.Now())
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if !o.follow {
		var cancel context.CancelFunc
		ctx, cancel = commandContext(cmd)
		defer cancel()
	}
	p := &logPrinter{w: cmd.OutOrStdout(), format: o.output, filter: f, tail: o.tail}
	if !cmd.Flags().Changed("state-dir") {
		pods, cs, err := findControllerPods(ctx, o.fluxNamespace)
		if err == nil && len(pods) > 0 {
			p.sorted = !o.follow
			return streamPodLogs(ctx, cs, pods, o, p)
		}
		path := filepath.Join(o.stateDir, devLogFile)
		if _, statErr := os.Stat(path); statErr != nil {
			return noLogsError(o, err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "◎ no controller pods in namespace %s: reading the tide dev log %s\n", o.fluxNamespace, path)
	}
	return readLogFile(ctx, filepath.Join(o.stateDir, devLogFile), o.follow, p)
}

// noLogsError explains that neither controller pods nor a tide dev log were found; clusterErr is why the
// cluster gave no pods, if it failed.
func noLogsError(o *logsOptions, clusterErr error) error {
	why := fmt.Sprintf("no tide controller pods run in namespace %s", o.fluxNamespace)
	if clusterErr != nil {
		why = fmt.Sprintf("the cluster gave no controller pods (%v)", clusterErr)
	}
	return fmt.Errorf("%s, and there is no tide dev log at %s: install tide with `tide install`, "+
		"start `tide dev`, or point --state-dir at a tide dev state directory (--flux-namespace if the "+
		"controllers run elsewhere)", why, filepath.Join(o.stateDir, devLogFile))
}

// filter checks the flags and returns the filter they describe, at time now.
func (o *logsOptions) filter(now time.Time) (*logFilter, error) {
	switch o.output {
	case "", outputJSON, outputWide:
	default:
		return nil, fmt.Errorf("unknown output format %q: use json or wide", o.output)
	}
	f := &logFilter{name: o.name, namespace: global.namespace, allNamespaces: o.allNamespaces, level: o.level}
	if o.level != "" && !slices.Contains(logLevels, o.level) {
		return nil, fmt.Errorf("unknown level %q: use %s", o.level, strings.Join(logLevels, ", "))
	}
	if o.kind != "" {
		k, ok := kindByWord(o.kind)
		if !ok {
			return nil, fmt.Errorf("unknown kind %q: use one of %s", o.kind, kindNames())
		}
		f.kind = k.Kind
	}
	if o.since < 0 {
		return nil, fmt.Errorf("--since %s is negative: give a duration such as 10m", o.since)
	}
	if o.since > 0 {
		f.since = now.Add(-o.since)
	}
	return f, nil
}

// logEntry is one line of a controller's log.
type logEntry struct {
	// raw is the line as the controller wrote it.
	raw string
	// structured says the line is a JSON object; the other fields are only set then.
	structured bool
	time       time.Time
	level      string
	controller string
	message    string
	// kind, namespace and name are the object the entry is about (controller-runtime's reconcile fields).
	kind, namespace, name string
}

// parseLogEntry reads a line written by the controllers' JSON logger: "level", "ts", "logger" (the
// controller), "msg" and "error", and the reconciled object's "controllerKind", "namespace" and "name".
// Other lines are kept as they are, unstructured.
func parseLogEntry(line string) logEntry {
	e := logEntry{raw: line}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		e.message = line
		return e
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	e.structured = true
	e.level, e.controller, e.message = str("level"), str("logger"), str("msg")
	if msg := str("error"); msg != "" {
		e.message += ": " + msg
	}
	e.kind, e.namespace, e.name = str("controllerKind"), str("namespace"), str("name")
	e.time = parseLogTime(m["ts"])
	return e
}

// parseLogTime reads zap's ISO 8601 time (as the controllers write it), RFC 3339, or seconds since the epoch;
// anything else is the zero time.
func parseLogTime(v any) time.Time {
	switch ts := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700"} {
			if t, err := time.Parse(layout, ts); err == nil {
				return t
			}
		}
	case float64:
		sec := int64(ts)
		return time.Unix(sec, int64((ts-float64(sec))*1e9))
	}
	return time.Time{}
}

// logFilter selects log entries.
type logFilter struct {
	kind, name, level string
	// namespace is the objects' namespace unless allNamespaces is set.
	namespace     string
	allNamespaces bool
	// since drops older entries unless it is zero.
	since time.Time
}

// match tells whether the filter keeps e. Without allNamespaces only entries about an object in the
// namespace match.
func (f *logFilter) match(e logEntry) bool {
	switch {
	case f.level != "" && e.level != f.level,
		f.kind != "" && !strings.EqualFold(e.kind, f.kind),
		f.name != "" && e.name != f.name,
		!f.allNamespaces && (e.name == "" || e.namespace != f.namespace),
		!f.since.IsZero() && (e.time.IsZero() || e.time.Before(f.since)):
		return false
	}
	return true
}

// logPrinter prints the entries that match its filter. Until caughtUp, entries are held back so that only the
// last tail of them print; after it they print as they come. It is safe for concurrent use.
type logPrinter struct {
	w      io.Writer
	format string
	filter *logFilter
	tail   int
	// sorted says entries come out of order (from several logs): those held back are sorted by time before the
	// last tail of them print.
	sorted bool

	mu      sync.Mutex
	held    []logEntry
	flushed bool
	err     error
}

// add prints e, or holds it back until caughtUp, when it matches.
func (p *logPrinter) add(e logEntry) {
	if !p.filter.match(e) || (p.format == outputJSON && !e.structured) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.flushed {
		p.held = append(p.held, e)
		if !p.sorted && p.tail >= 0 && len(p.held) > p.tail {
			p.held = p.held[1:]
		}
		return
	}
	p.print(e)
}

// caughtUp prints the entries held back (the last tail of them) and prints the next ones as they come.
func (p *logPrinter) caughtUp() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.flushed {
		return p.err
	}
	if p.sorted {
		sort.SliceStable(p.held, func(i, j int) bool { return p.held[i].time.Before(p.held[j].time) })
	}
	if p.tail >= 0 && len(p.held) > p.tail {
		p.held = p.held[len(p.held)-p.tail:]
	}
	for _, e := range p.held {
		p.print(e)
	}
	p.held, p.flushed = nil, true
	return p.err
}

func (p *logPrinter) print(e logEntry) {
	if p.err != nil {
		return
	}
	line := e.raw
	if p.format != outputJSON {
		line = formatLogEntry(e, p.format == outputWide)
	}
	_, p.err = fmt.Fprintln(p.w, line)
}

// formatLogEntry renders an entry on one line: time (local), controller, level, object and message, cut to
// screenWidth unless wide.
func formatLogEntry(e logEntry, wide bool) string {
	line := collapseSpace(oneLine(e.raw))
	if e.structured {
		ts := "-"
		if !e.time.IsZero() {
			ts = e.time.Local().Format("01-02 15:04:05")
		}
		controller, _, _ := strings.Cut(e.controller, ".")
		controller = strings.TrimSuffix(controller, "-controller")
		object := "-"
		if e.name != "" {
			object = strings.TrimPrefix(objectLabel(e.kind, e.namespace, e.name), "/")
		}
		line = fmt.Sprintf("%s %-9s %-5s %s %s", ts, oneLine(controller), oneLine(e.level), oneLine(object), collapseSpace(oneLine(e.message)))
	}
	if wide {
		return line
	}
	return truncate(line, screenWidth)
}

// oneLine replaces line breaks and other control characters (which could also drive the terminal) by spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// readLogFile prints the entries of a log file of JSON lines; with follow it then prints the lines appended to
// it until ctx ends, reopening the file when it is truncated or replaced.
func readLogFile(ctx context.Context, path string, follow bool, p *logPrinter) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading the controllers' log: %w", err)
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	var offset int64
	partial := ""
	for {
		chunk, err := r.ReadString('\n')
		offset += int64(len(chunk))
		if err == nil {
			p.add(parseLogEntry(strings.TrimRight(partial+chunk, "\r\n")))
			partial = ""
			continue
		}
		if !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		partial += chunk
		if !follow {
			if partial != "" {
				p.add(parseLogEntry(partial))
			}
			return p.caughtUp()
		}
		if err := p.caughtUp(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
		if replaced(f, path, offset) {
			_ = f.Close()
			if f, err = os.Open(path); err != nil {
				return fmt.Errorf("reopening %s: %w", path, err)
			}
			r, offset, partial = bufio.NewReader(f), 0, ""
		}
	}
}

// replaced tells whether the file at path is no longer f as read up to offset: another file, or truncated.
func replaced(f *os.File, path string, offset int64) bool {
	now, err := os.Stat(path)
	if err != nil {
		return false // removed: keep the open file until a new one appears
	}
	open, err := f.Stat()
	return err != nil || !os.SameFile(open, now) || now.Size() < offset
}

// findControllerPods returns the pods of tide's controller Deployments in namespace (those of
// manifests/controllers, found by their selectors) and a clientset to read their logs.
func findControllerPods(ctx context.Context, namespace string) ([]corev1.Pod, kubernetes.Interface, error) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	cfg, err := global.restConfig()
	if err != nil {
		return nil, nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return nil, nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	objs, err := kube.BuildFS(manifests.FS, "controllers")
	if err != nil {
		return nil, nil, err
	}
	var pods []corev1.Pod
	for _, name := range deploymentNames(objs) {
		d := &appsv1.Deployment{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, d); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, nil, explainConnection(err)
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil {
			return nil, nil, fmt.Errorf("the selector of Deployment %s/%s is invalid: %w", namespace, name, err)
		}
		list := &corev1.PodList{}
		if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return nil, nil, explainConnection(err)
		}
		pods = append(pods, list.Items...)
	}
	return pods, cs, nil
}

// streamPodLogs prints the entries of the pods' logs. Without follow, every pod's log is read, then the entries
// print in time order; with follow, the pods' logs are read concurrently and entries print as they come.
func streamPodLogs(ctx context.Context, cs kubernetes.Interface, pods []corev1.Pod, o *logsOptions, p *logPrinter) error {
	opts := &corev1.PodLogOptions{Follow: o.follow}
	if o.since > 0 {
		secs := int64(o.since.Round(time.Second).Seconds())
		opts.SinceSeconds = &secs
	}
	if o.follow {
		if o.tail >= 0 {
			lines := int64(o.tail)
			opts.TailLines = &lines
		}
		if err := p.caughtUp(); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pods))
	for i := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = readPodLog(ctx, cs, &pods[i], opts, p)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return p.caughtUp()
}

// readPodLog reads the log of a pod's first container (the controller) line by line into p.
func readPodLog(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, opts *corev1.PodLogOptions, p *logPrinter) error {
	o := opts.DeepCopy()
	if len(pod.Spec.Containers) > 0 {
		o.Container = pod.Spec.Containers[0].Name
	}
	stream, err := cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, o).Stream(ctx)
	if err != nil {
		return fmt.Errorf("reading the log of pod %s/%s: %w (is it running? see `kubectl -n %s describe pod %s`)",
			pod.Namespace, pod.Name, err, pod.Namespace, pod.Name)
	}
	defer func() { _ = stream.Close() }()
	return scanLogLines(stream, p)
}

// scanLogLines adds every line of r to p.
func scanLogLines(r io.Reader, p *logPrinter) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			p.add(parseLogEntry(line))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
