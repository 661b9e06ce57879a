/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package s3

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// TestServerStoresAndServesObjects starts MinIO (plain HTTP and HTTPS), stores an object and reads it back
// through a fresh client, then checks Stop ends the process and removes its directory.
func TestServerStoresAndServesObjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"http", false}, {"https", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := New(t, Options{TLS: tc.tls})
			if !strings.HasPrefix(srv.Endpoint, "127.0.0.1:") {
				t.Fatalf("endpoint %q is not on 127.0.0.1", srv.Endpoint)
			}
			if tc.tls != (len(srv.CACert) > 0) {
				t.Fatalf("TLS=%v but CA certificate length %d", tc.tls, len(srv.CACert))
			}
			srv.CreateBucket(t, "podinfo")
			etag := srv.PutObject(t, "podinfo", "deploy/app.yaml", []byte("kind: Deployment\n"))
			if etag == "" {
				t.Fatal("PutObject returned no ETag")
			}

			obj, err := srv.Client().GetObject(context.Background(), "podinfo", "deploy/app.yaml", minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(obj)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != "kind: Deployment\n" {
				t.Fatalf("read back %q", data)
			}

			srv.RemoveObject(t, "podinfo", "deploy/app.yaml")
			if _, err := srv.Client().StatObject(context.Background(), "podinfo", "deploy/app.yaml", minio.StatObjectOptions{}); err == nil {
				t.Fatal("object still there after RemoveObject")
			}

			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			<-srv.Exited()
			if _, err := os.Stat(srv.Dir); !os.IsNotExist(err) {
				t.Fatalf("directory %s left behind: %v", srv.Dir, err)
			}
		})
	}
}

// TestMissingBinaryNamesScript checks the error a developer sees without MinIO tells how to get it.
func TestMissingBinaryNamesScript(t *testing.T) {
	_, err := Start(context.Background(), Options{Binary: filepath.Join(t.TempDir(), "minio")})
	if err == nil || !strings.Contains(err.Error(), "hack/get-s3-server.sh") {
		t.Fatalf("want an error naming hack/get-s3-server.sh, got %v", err)
	}
	t.Setenv(BinaryEnv, "")
	t.Setenv("TIDE_CACHE", t.TempDir())
	if _, err := FindBinary(""); err == nil || !strings.Contains(err.Error(), "hack/get-s3-server.sh") {
		t.Fatalf("want an error naming hack/get-s3-server.sh, got %v", err)
	}
}

// TestVersionMatchesScript keeps MinioVersion and hack/get-s3-server.sh's MINIO_VERSION in step, so the
// tests look for the binary where the script puts it.
func TestVersionMatchesScript(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "..", "hack", "get-s3-server.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`MINIO_VERSION=\$\{MINIO_VERSION:-([^}]+)\}`).FindSubmatch(script)
	if m == nil {
		t.Fatal("MINIO_VERSION default not found in hack/get-s3-server.sh")
	}
	if string(m[1]) != MinioVersion {
		t.Fatalf("hack/get-s3-server.sh builds %s but MinioVersion is %s", m[1], MinioVersion)
	}
}
