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
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tide-gitops/tide/internal/testserver/pki"
	"github.com/tide-gitops/tide/internal/testserver/process"
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
	proc     *process.Process
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
	s.proc, err = process.OnFreePort("127.0.0.1", process.Attempts, func(port string) (*process.Process, error) {
		return s.launch(ctx, bin, port)
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
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
	certs, err := pki.New("127.0.0.1")
	if err != nil {
		return fmt.Errorf("generating the S3 server certificates: %w", err)
	}
	s.CACert = certs.CACert
	files := map[string][]byte{"public.crt": certs.ServerCert, "private.key": certs.ServerKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, "certs", name), data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// launch starts MinIO on port and waits until it is ready. On failure the process it returns (if any) has
// ended.
func (s *Server) launch(ctx context.Context, bin, port string) (*process.Process, error) {
	s.Endpoint = net.JoinHostPort("127.0.0.1", port)
	args := []string{"server", "--quiet", "--address", s.Endpoint,
		"--certs-dir", filepath.Join(s.Dir, "certs"), filepath.Join(s.Dir, "data")}
	opts := process.Options{Env: s.env(), LogSize: 16 << 10, LogFile: filepath.Join(s.Dir, "minio.log")}
	return process.Launch(bin, args, opts, func(p *process.Process) error {
		return s.waitReady(ctx, p)
	})
}

// env is the current environment without MINIO_* and proxy variables, plus the server's settings.
func (s *Server) env() []string {
	return append(process.Environ("MINIO_"),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_REGION="+Region,
		"MINIO_BROWSER=off", // no web console on a second port
		"MINIO_UPDATE=off",
	)
}

// waitReady polls the health endpoint until the server answers, the process exits or ctx ends.
func (s *Server) waitReady(ctx context.Context, p *process.Process) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: s.Transport()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/minio/health/ready", nil)
	if err != nil {
		return fmt.Errorf("building health request: %w", err)
	}
	err = p.WaitReady(ctx, 50*time.Millisecond, func() error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health check answered %s", resp.Status)
		}
		return nil
	})
	if errors.Is(err, process.ErrExited) {
		return fmt.Errorf("MinIO exited during start-up:\n%s", p.Logs())
	}
	if err != nil {
		return fmt.Errorf("MinIO not ready on %s: %w\n%s", s.Endpoint, ctx.Err(), p.Logs())
	}
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s) and removes its directory. Safe to call twice.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.proc.Stop(10 * time.Second)
		if err := os.RemoveAll(s.Dir); err != nil {
			s.stopErr = fmt.Errorf("removing the S3 server directory: %w", err)
		}
	})
	return s.stopErr
}

// Exited is closed once the server process has ended.
func (s *Server) Exited() <-chan struct{} { return s.proc.Exited() }

// Logs returns the tail of the server's output.
func (s *Server) Logs() string { return s.proc.Logs() }

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

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}
