/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package controlplane starts a real local Kubernetes control plane (etcd, kube-apiserver and optionally
// kube-controller-manager) from binaries that hack/get-control-plane.sh builds from the Go module proxy.
//
// All state lives in one directory: etcd data, certificates, the admin token and a kubeconfig. Starting again
// on the same directory resumes the cluster with its data.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// DefaultK8sVersion and DefaultEtcdVersion are the versions hack/get-control-plane.sh builds by default.
const (
	DefaultK8sVersion  = "v1.37.2"
	DefaultEtcdVersion = "v3.6.16"
)

// Options configure a control plane.
type Options struct {
	// Dir holds all state. It is created when missing and reused when it exists.
	Dir string
	// BinDir holds etcd, kube-apiserver and kube-controller-manager. Defaults to BinDirFromEnv().
	BinDir string
	// WithControllerManager also starts kube-controller-manager (Deployments get ReplicaSets, namespaces are
	// finalized, garbage collection runs). Pods stay Pending: there is no scheduler or kubelet.
	WithControllerManager bool
	// ReadyTimeout bounds the wait for /readyz. Defaults to two minutes.
	ReadyTimeout time.Duration
	// Output receives the processes' logs in addition to the log files in Dir. Optional.
	Output io.Writer
}

// ControlPlane is a running local control plane.
type ControlPlane struct {
	// Dir is the state directory.
	Dir string
	// KubeconfigPath is an admin kubeconfig for the API server.
	KubeconfigPath string
	// Config is the admin rest.Config.
	Config *rest.Config
	// APIServerURL is the https URL of kube-apiserver.
	APIServerURL string

	procs []*process
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// BinDirFromEnv returns KUBEBUILDER_ASSETS when set, else the cache directory hack/get-control-plane.sh fills.
func BinDirFromEnv() string {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d
	}
	cache := os.Getenv("TIDE_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = filepath.Join(os.TempDir(), "cache")
		}
		cache = filepath.Join(base, "tide")
	}
	return filepath.Join(cache, "k8s-"+DefaultK8sVersion)
}

// Start starts etcd and kube-apiserver (and kube-controller-manager when asked) and waits until the API server
// is ready. On error every process it started is stopped.
func Start(ctx context.Context, opts Options) (_ *ControlPlane, err error) {
	if opts.Dir == "" {
		return nil, errors.New("control plane state directory is required")
	}
	if opts.BinDir == "" {
		opts.BinDir = BinDirFromEnv()
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 2 * time.Minute
	}
	for _, b := range binaries(opts) {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run hack/get-control-plane.sh (or make control-plane) first", b, opts.BinDir)
		}
	}
	st, err := prepareState(opts.Dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	started := &ControlPlane{Dir: opts.Dir, APIServerURL: "https://127.0.0.1:" + strconv.Itoa(ports[0])}
	defer func() {
		if err != nil {
			_ = started.Stop() // the named result is nil by now: stop what was started
		}
	}()
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	if err := started.startEtcd(opts, etcdURL, ports[2]); err != nil {
		return nil, err
	}
	if err := started.startAPIServer(opts, st, etcdURL, ports[0]); err != nil {
		return nil, err
	}
	if err := started.waitReady(ctx, st, opts.ReadyTimeout); err != nil {
		return nil, err
	}
	if err := started.writeKubeconfig(st); err != nil {
		return nil, err
	}
	if opts.WithControllerManager {
		if err := started.startControllerManager(opts, st); err != nil {
			return nil, err
		}
	}
	return started, nil
}

func binaries(opts Options) []string {
	b := []string{"etcd", "kube-apiserver"}
	if opts.WithControllerManager {
		b = append(b, "kube-controller-manager")
	}
	return b
}

func (cp *ControlPlane) startEtcd(opts Options, clientURL string, peerPort int) error {
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	return cp.run(opts, "etcd",
		"--data-dir", filepath.Join(opts.Dir, "etcd"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--unsafe-no-fsync", "--quota-backend-bytes", "4294967296", "--log-level", "warn",
	)
}

func (cp *ControlPlane) startAPIServer(opts Options, st *state, etcdURL string, port int) error {
	return cp.run(opts, "kube-apiserver",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port), "--cert-dir", st.certDir,
		"--token-auth-file", st.tokenFile, "--authorization-mode", "RBAC",
		"--allow-privileged=true", "--service-cluster-ip-range", "10.0.0.0/24",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", st.saPub, "--service-account-signing-key-file", st.saKey,
		"--disable-admission-plugins", "ServiceAccount", "--endpoint-reconciler-type", "none",
	)
}

func (cp *ControlPlane) startControllerManager(opts Options, st *state) error {
	return cp.run(opts, "kube-controller-manager",
		"--kubeconfig", cp.KubeconfigPath, "--authentication-kubeconfig", cp.KubeconfigPath,
		"--authorization-kubeconfig", cp.KubeconfigPath,
		"--leader-elect=false", "--bind-address", "127.0.0.1", "--secure-port", "0",
		"--service-account-private-key-file", st.saKey, "--root-ca-file", st.servingCert(),
		"--use-service-account-credentials=false",
	)
}

// run starts one binary with its output in Dir/<name>.log. The process gets SIGTERM when the caller dies.
func (cp *ControlPlane) run(opts Options, name string, args ...string) error {
	logFile, err := os.OpenFile(filepath.Join(opts.Dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s log: %w", name, err)
	}
	cmd := exec.Command(filepath.Join(opts.BinDir, name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if opts.Output != nil {
		w := io.MultiWriter(logFile, opts.Output)
		cmd.Stdout, cmd.Stderr = w, w
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	cp.procs = append(cp.procs, p)
	return nil
}

func (cp *ControlPlane) waitReady(ctx context.Context, st *state, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: insecureTransport()}
	deadline := time.Now().Add(timeout)
	for {
		for _, p := range cp.procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited during start-up (%v); see %s", p.name, p.err, filepath.Join(cp.Dir, p.name+".log"))
			default:
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cp.APIServerURL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+st.token)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %s; see %s", timeout, filepath.Join(cp.Dir, "kube-apiserver.log"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (cp *ControlPlane) writeKubeconfig(st *state) error {
	caData, err := os.ReadFile(st.servingCert())
	if err != nil {
		return fmt.Errorf("reading the API server's serving certificate: %w", err)
	}
	cp.Config = &rest.Config{
		Host:            cp.APIServerURL,
		BearerToken:     st.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: caData},
		QPS:             200,
		Burst:           400,
	}
	cp.KubeconfigPath = filepath.Join(cp.Dir, "kubeconfig")
	return clientcmd.WriteToFile(kubeconfigFor(cp.APIServerURL, caData, st.token), cp.KubeconfigPath)
}

// Stop stops the processes in reverse order: kube-apiserver before etcd, which it otherwise waits on for 25 s+.
func (cp *ControlPlane) Stop() error {
	var errs []error
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
			errs = append(errs, fmt.Errorf("%s did not stop on SIGTERM within 10s and was killed", p.name))
		}
	}
	cp.procs = nil
	return errors.Join(errs...)
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
