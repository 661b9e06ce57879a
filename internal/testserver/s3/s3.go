/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package s3 runs a real S3-compatible server (MinIO, built by hack/get-s3-server.sh) for tests: a child
// process on a free 127.0.0.1 port, with generated credentials and a temporary data directory, optionally
// behind TLS with a generated CA.
//
//	srv := s3.New(t, s3.Options{})
//	srv.CreateBucket(t, "podinfo")
//	srv.PutObject(t, "podinfo", "deploy/app.yaml", []byte("kind: Deployment"))
package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tide-gitops/tide/internal/testserver/registry"
)

// MinioVersion is the github.com/minio/minio module version hack/get-s3-server.sh builds; it names the cache
// directory the binary is looked up in. Keep it equal to MINIO_VERSION in that script.
const MinioVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// BinaryEnv names an environment variable that overrides where the MinIO binary is.
const BinaryEnv = "TIDE_S3_SERVER"

// Region is the region the server reports and the client signs for.
const Region = "us-east-1"

// Options configure a server.
type Options struct {
	// Binary is the MinIO executable; empty means $TIDE_S3_SERVER, then the cache of hack/get-s3-server.sh.
	Binary string
	// TLS serves HTTPS with a certificate signed by a generated CA (see Server.CACert).
	TLS bool
}

// Server is a running MinIO server.
type Server struct {
	// Endpoint is host:port, as a Bucket's spec.endpoint takes it.
	Endpoint string
	// AccessKey and SecretKey are the generated root credentials.
	AccessKey, SecretKey string
	// CACert is the PEM CA certificate that signed the server certificate (TLS only).
	CACert []byte
	// Dir holds the data, certificates and log; it is removed by Stop.
	Dir string

	tls      bool
	client   *minio.Client
	cmd      *exec.Cmd
	exited   chan struct{}
	logs     *tailBuffer
	stopOnce sync.Once
	stopErr  error
}

// New starts a server for a test and stops it when the test ends. It fails the test when the server cannot
// start, naming hack/get-s3-server.sh when the binary is missing.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting the S3 server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stopping the S3 server: %v", err)
		}
	})
	return s
}

// Start starts a server and returns once it is ready to serve requests. Callers must call Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := FindBinary(opts.Binary)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tide-s3-")
	if err != nil {
		return nil, fmt.Errorf("creating the S3 server directory: %w", err)
	}
	s := &Server{Dir: dir, tls: opts.TLS, AccessKey: "tide" + randomHex(8), SecretKey: randomHex(20)}
	if err := s.prepare(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken by someone else between probing and MinIO binding it: retry then.
	const attempts = 5
	for i := 1; ; i++ {
		err = s.launch(ctx, bin)
		if err == nil {
			break
		}
		if i == attempts || !strings.Contains(s.logs.String(), "address already in use") {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	if s.client, err = s.newClient(); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// FindBinary returns the MinIO executable: explicit when set, else $TIDE_S3_SERVER, else the binary
// hack/get-s3-server.sh caches.
func FindBinary(explicit string) (string, error) {
	hint := "run hack/get-s3-server.sh to build it (about 5 min, once), or set " + BinaryEnv
	for _, c := range []string{explicit, os.Getenv(BinaryEnv)} {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err != nil {
			return "", fmt.Errorf("MinIO binary %s: %w; %s", c, err, hint)
		}
		return c, nil
	}
	p := DefaultBinary()
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("MinIO (the S3 server of the tests) not found at %s: %s", p, hint)
	}
	return p, nil
}

// DefaultBinary is where hack/get-s3-server.sh puts MinIO: $TIDE_CACHE (default ~/.cache/tide)
// /minio-<MinioVersion>/minio.
func DefaultBinary() string {
	cache := os.Getenv("TIDE_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = filepath.Join(os.TempDir(), "cache")
		}
		cache = filepath.Join(base, "tide")
	}
	return filepath.Join(cache, "minio-"+MinioVersion, "minio")
}

// prepare creates the data and certificate directories and, with TLS, the certificates.
func (s *Server) prepare() error {
	for _, d := range []string{"data", "certs"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o700); err != nil {
			return fmt.Errorf("creating the S3 server %s directory: %w", d, err)
		}
	}
	if !s.tls {
		return nil
	}
	pki, err := registry.NewPKI("127.0.0.1")
	if err != nil {
		return fmt.Errorf("generating the S3 server certificates: %w", err)
	}
	s.CACert = pki.CACert
	files := map[string][]byte{"public.crt": pki.ServerCert, "private.key": pki.ServerKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, "certs", name), data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// launch starts MinIO on a fresh free port and waits until it is ready.
func (s *Server) launch(ctx context.Context, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Endpoint = net.JoinHostPort("127.0.0.1", port)
	s.logs = &tailBuffer{max: 16 << 10}
	logFile, err := os.OpenFile(filepath.Join(s.Dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening the S3 server log: %w", err)
	}
	cmd := exec.Command(bin, "server", "--quiet", "--address", s.Endpoint,
		"--certs-dir", filepath.Join(s.Dir, "certs"), filepath.Join(s.Dir, "data"))
	cmd.Env = s.env()
	out := io.MultiWriter(logFile, s.logs)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return err
	}
	return nil
}

// env is the current environment without MINIO_* and proxy variables, plus the server's settings.
func (s *Server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		name := strings.ToUpper(strings.SplitN(kv, "=", 2)[0])
		if strings.HasPrefix(name, "MINIO_") || strings.Contains(name, "PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_REGION="+Region,
		"MINIO_BROWSER=off", // no web console on a second port
		"MINIO_UPDATE=off",
	)
}

// waitReady polls the health endpoint until the server answers, the process exits or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: s.Transport()}
	url := s.URL() + "/minio/health/ready"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("building health request: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("MinIO exited during start-up:\n%s", s.logs.String())
		case <-ctx.Done():
			return fmt.Errorf("MinIO not ready on %s: %w\n%s", s.Endpoint, ctx.Err(), s.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and removes its directory. Safe to call twice.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				s.kill()
			}
		}
		if err := os.RemoveAll(s.Dir); err != nil {
			s.stopErr = fmt.Errorf("removing the S3 server directory: %w", err)
		}
	})
	return s.stopErr
}

// kill ends the process at once and waits for it.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// Exited is closed once the server process has ended.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Logs returns the tail of the server's output.
func (s *Server) Logs() string { return s.logs.String() }

// URL returns the base URL, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string {
	if s.tls {
		return "https://" + s.Endpoint
	}
	return "http://" + s.Endpoint
}

// Secure reports whether the server speaks HTTPS (a Bucket then needs insecure: false).
func (s *Server) Secure() bool { return s.tls }

// Transport returns an HTTP transport that trusts the server's CA and uses no proxy.
func (s *Server) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	if s.tls {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CACert)
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return t
}

// SecretData returns the data of a Secret for spec.secretRef: accesskey and secretkey.
func (s *Server) SecretData() map[string][]byte {
	return map[string][]byte{"accesskey": []byte(s.AccessKey), "secretkey": []byte(s.SecretKey)}
}

// Client returns an admin client of the server.
func (s *Server) Client() *minio.Client { return s.client }

func (s *Server) newClient() (*minio.Client, error) {
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:    s.tls,
		Region:    Region,
		Transport: s.Transport(),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the S3 admin client: %w", err)
	}
	return c, nil
}

// CreateBucket creates a bucket or fails the test.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{Region: Region}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
}

// PutObject stores data under key and returns the object's ETag, or fails the test.
func (s *Server) PutObject(t testing.TB, bucket, key string, data []byte) string {
	t.Helper()
	info, err := s.client.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("putting %s/%s: %v", bucket, key, err)
	}
	return info.ETag
}

// RemoveObject deletes an object or fails the test.
func (s *Server) RemoveObject(t testing.TB, bucket, key string) {
	t.Helper()
	if err := s.client.RemoveObject(context.Background(), bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("removing %s/%s: %v", bucket, key, err)
	}
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return "", fmt.Errorf("reading port of %s: %w", l.Addr(), err)
	}
	return port, nil
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

// Write implements io.Writer.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

// String returns the kept output.
func (t *tailBuffer) String() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
