/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package registry runs a real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution
// registry 2.8) as a child process on a free loopback port, with a generated config, a temporary storage
// directory and, on request, htpasswd basic auth and TLS from a generated CA.
//
//	reg := registry.New(t, registry.Options{Auth: true, TLS: true})
//	ref := reg.Repo("org/app") + ":1.0.0" // 127.0.0.1:PORT/org/app:1.0.0
//
// Install the server with `apt-get install -y docker-registry`.
package registry

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tide-gitops/tide/internal/testserver/pki"
	"github.com/tide-gitops/tide/internal/testserver/process"
)

// DefaultBinary is where Debian's docker-registry package installs the server.
const DefaultBinary = "/usr/bin/docker-registry"

// BinaryEnv names an environment variable that overrides the registry executable.
const BinaryEnv = "TIDE_DOCKER_REGISTRY"

// Options configure a registry.
type Options struct {
	// Auth turns on htpasswd basic auth with a generated user name and password (see Registry.Username and
	// Registry.Password). Anonymous requests then get 401 Unauthorized.
	Auth bool
	// TLS serves HTTPS with a server certificate signed by a generated CA (Registry.CACert).
	TLS bool
	// ClientCerts makes the registry require a client certificate signed by the generated CA
	// (Registry.ClientCert, Registry.ClientKey). Implies TLS.
	ClientCerts bool
	// Host is the loopback address to listen on; defaults to 127.0.0.1. Use e.g. 127.0.0.2 for a host that
	// OCI clients do not treat as plain-HTTP "localhost".
	Host string
	// Binary is the registry executable; when empty, $TIDE_DOCKER_REGISTRY, then DefaultBinary, then
	// docker-registry from PATH.
	Binary string
}

// Registry is a running registry process.
type Registry struct {
	// Addr is host:port of the registry, e.g. 127.0.0.1:40123; image references start with it.
	Addr string
	// Username and Password are the basic auth credentials (empty without Options.Auth).
	Username, Password string
	// CACert is the PEM certificate of the CA that signed the server and client certificates (nil without
	// TLS).
	CACert []byte
	// ClientCert and ClientKey are a PEM client certificate and key signed by the CA (nil without TLS).
	ClientCert, ClientKey []byte
	// Dir is the temporary directory holding config, credentials, certificates and storage; Stop removes it.
	Dir string

	tls      bool
	pki      *pki.PKI
	proc     *process.Process
	stopOnce sync.Once
	stopErr  error
}

// New starts a registry for a test and stops it when the test ends. It fails the test when the registry
// cannot start, with instructions when the binary is missing.
func New(t testing.TB, opts Options) *Registry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stopping docker-registry: %v", err)
		}
	})
	return r
}

// Start starts a registry and returns once it answers on /v2/. Callers must call Stop.
func Start(ctx context.Context, opts Options) (*Registry, error) {
	bin, err := findBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.ClientCerts {
		opts.TLS = true
	}
	dir, err := os.MkdirTemp("", "tide-registry-")
	if err != nil {
		return nil, fmt.Errorf("creating registry directory: %w", err)
	}
	r := &Registry{Dir: dir, tls: opts.TLS}
	if err := r.prepare(opts); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	r.proc, err = process.OnFreePort(opts.Host, process.Attempts, func(port string) (*process.Process, error) {
		return r.launch(ctx, bin, port, opts)
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

// prepare writes credentials and certificates into r.Dir.
func (r *Registry) prepare(opts Options) error {
	if err := os.MkdirAll(filepath.Join(r.Dir, "storage"), 0o700); err != nil {
		return fmt.Errorf("creating registry storage: %w", err)
	}
	if opts.Auth {
		r.Username = "tide"
		r.Password = randomHex(16)
		// The registry checks the hash on every request: the lowest cost keeps tests fast.
		hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
		if err != nil {
			return fmt.Errorf("hashing registry password: %w", err)
		}
		line := r.Username + ":" + string(hash) + "\n"
		if err := os.WriteFile(filepath.Join(r.Dir, "htpasswd"), []byte(line), 0o600); err != nil {
			return fmt.Errorf("writing htpasswd: %w", err)
		}
	}
	if opts.TLS {
		certs, err := pki.New(opts.Host)
		if err != nil {
			return err
		}
		if err := writePKI(certs, r.Dir); err != nil {
			return err
		}
		r.pki = certs
		r.CACert, r.ClientCert, r.ClientKey = certs.CACert, certs.ClientCert, certs.ClientKey
	}
	return nil
}

// launch writes the config for port and starts the process, waiting until it serves. On failure the
// process it returns (if any) has ended.
func (r *Registry) launch(ctx context.Context, bin, port string, opts Options) (*process.Process, error) {
	r.Addr = net.JoinHostPort(opts.Host, port)
	cfg := filepath.Join(r.Dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(r.config(opts)), 0o600); err != nil {
		return nil, fmt.Errorf("writing registry config: %w", err)
	}
	// REGISTRY_* variables would override the config.
	popts := process.Options{Dir: r.Dir, Env: process.Environ("REGISTRY_"), LogSize: 64 << 10}
	return process.Launch(bin, []string{"serve", cfg}, popts, func(p *process.Process) error {
		return r.waitReady(ctx, p)
	})
}

// config renders the registry's config.yml.
func (r *Registry) config(opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n")
	fmt.Fprintf(&b, "storage:\n  filesystem:\n    rootdirectory: %q\n  delete:\n    enabled: true\n",
		filepath.Join(r.Dir, "storage"))
	fmt.Fprintf(&b, "  maintenance:\n    uploadpurging:\n      enabled: false\n")
	fmt.Fprintf(&b, "http:\n  addr: %q\n  secret: %q\n", r.Addr, randomHex(16))
	if opts.TLS {
		fmt.Fprintf(&b, "  tls:\n    certificate: %q\n    key: %q\n",
			filepath.Join(r.Dir, serverCertFile), filepath.Join(r.Dir, serverKeyFile))
		if opts.ClientCerts {
			fmt.Fprintf(&b, "    clientcas:\n      - %q\n", filepath.Join(r.Dir, caCertFile))
		}
	}
	if opts.Auth {
		fmt.Fprintf(&b, "auth:\n  htpasswd:\n    realm: tide-test\n    path: %q\n", filepath.Join(r.Dir, "htpasswd"))
	}
	return b.String()
}

// waitReady polls /v2/ until the registry answers (200, or 401 with auth), the process exits or ctx ends.
func (r *Registry) waitReady(ctx context.Context, p *process.Process) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	client := &http.Client{Transport: r.Transport(), Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL()+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("building readiness request: %w", err)
	}
	var lastErr error
	err = p.WaitReady(ctx, 20*time.Millisecond, func() error {
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("GET /v2/ answered %s", resp.Status)
		}
		lastErr = err
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrExited):
		return fmt.Errorf("docker-registry exited before serving (%v): %s", p.Err(), p.Logs())
	default:
		return fmt.Errorf("docker-registry did not serve %s/v2/ (last error: %v): %s", r.URL(), lastErr, p.Logs())
	}
}

// Stop stops the registry (SIGTERM, then SIGKILL after 10s) and removes its directory. Calling it again
// returns the first result.
func (r *Registry) Stop() error {
	r.stopOnce.Do(func() {
		r.proc.Stop(10 * time.Second)
		if err := os.RemoveAll(r.Dir); err != nil {
			r.stopErr = fmt.Errorf("removing registry directory: %w", err)
		}
	})
	return r.stopErr
}

// Exited is closed once the registry process has ended.
func (r *Registry) Exited() <-chan struct{} { return r.proc.Exited() }

// Logs returns the tail of the registry's output.
func (r *Registry) Logs() string { return r.proc.Logs() }

// URL returns the base URL of the registry, e.g. https://127.0.0.1:40123.
func (r *Registry) URL() string {
	if r.tls {
		return "https://" + r.Addr
	}
	return "http://" + r.Addr
}

// Repo returns the name of a repository in this registry, e.g. 127.0.0.1:40123/org/app.
func (r *Registry) Repo(name string) string { return r.Addr + "/" + strings.TrimPrefix(name, "/") }

// OCIURL returns the oci:// URL of a repository in this registry, as written in Flux sources.
func (r *Registry) OCIURL(name string) string { return "oci://" + r.Repo(name) }

// DockerConfigJSON returns a Docker config (the `.dockerconfigjson` of a kubernetes.io/dockerconfigjson
// Secret) holding the registry's credentials; with other user and password when given (for wrong-credential
// tests).
func (r *Registry) DockerConfigJSON(userPassword ...string) []byte {
	user, pass := r.Username, r.Password
	if len(userPassword) == 2 {
		user, pass = userPassword[0], userPassword[1]
	}
	entry := map[string]string{
		"username": user,
		"password": pass,
		"auth":     base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)),
	}
	out, err := json.Marshal(map[string]any{"auths": map[string]any{r.Addr: entry}})
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return out
}

// TLSConfig returns a client TLS config that trusts the CA and presents the client certificate; nil
// without TLS.
func (r *Registry) TLSConfig() *tls.Config {
	if !r.tls {
		return nil
	}
	cfg, err := r.pki.ClientTLSConfig()
	if err != nil {
		panic(err) // generated by this package, always valid
	}
	return cfg
}

// Transport returns an HTTP transport that reaches the registry (with TLSConfig when TLS is on).
func (r *Registry) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.TLSClientConfig = r.TLSConfig()
	return t
}

// findBinary locates the registry executable.
func findBinary(explicit string) (string, error) {
	hint := "install it with `apt-get install -y docker-registry` or set " + BinaryEnv
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("docker-registry binary %s: %w; %s", explicit, err, hint)
		}
		return explicit, nil
	}
	for _, c := range []string{os.Getenv(BinaryEnv), DefaultBinary} {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	if p, err := exec.LookPath("docker-registry"); err == nil {
		return p, nil
	}
	return "", errors.New("docker-registry not found: " + hint)
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}
