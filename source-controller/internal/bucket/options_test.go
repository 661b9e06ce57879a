/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/pki"
)

func secret(name string, kv ...string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Data[kv[i]] = []byte(kv[i+1])
	}
	return s
}

// TestOptionsFromSpec covers how spec fields and Secrets become Options, and the errors for bad input.
func TestOptionsFromSpec(t *testing.T) {
	certs, err := pki.New("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	base := sourcev1.BucketSpec{BucketName: "podinfo", Endpoint: "minio:9000"}
	with := func(mut func(*sourcev1.BucketSpec)) *sourcev1.BucketSpec {
		s := base
		mut(&s)
		return &s
	}
	for _, tc := range []struct {
		name    string
		spec    *sourcev1.BucketSpec
		secrets Secrets
		check   func(Options) bool
		wantErr string
	}{
		{name: "defaults to generic and anonymous", spec: &base,
			check: func(o Options) bool { return o.Provider == "generic" && o.AccessKey == "" && o.Timeout == 0 }},
		{name: "static keys, region, prefix, timeout", spec: with(func(s *sourcev1.BucketSpec) {
			s.Provider, s.Region, s.Prefix, s.Insecure = "aws", "eu-west-1", "deploy/", true
			s.Timeout = &metav1.Duration{Duration: 30 * time.Second}
		}), secrets: Secrets{Auth: secret("creds", "accesskey", "AK\n", "secretkey", "SK")},
			check: func(o Options) bool {
				return o.Provider == "aws" && o.AccessKey == "AK" && o.SecretKey == "SK" && o.Region == "eu-west-1" &&
					o.Prefix == "deploy/" && o.Insecure && o.Timeout == 30*time.Second
			}},
		{name: "CA and client certificate", spec: &base,
			secrets: Secrets{TLS: secret("tls", "ca.crt", string(certs.CACert), "tls.crt", string(certs.ClientCert), "tls.key", string(certs.ClientKey))},
			check:   func(o Options) bool { return len(o.CACert) > 0 && len(o.ClientCert) > 0 && len(o.ClientKey) > 0 }},
		{name: "legacy caFile key", spec: &base, secrets: Secrets{TLS: secret("tls", "caFile", string(certs.CACert))},
			check: func(o Options) bool { return len(o.CACert) > 0 }},
		{name: "proxy with credentials", spec: &base,
			secrets: Secrets{Proxy: secret("proxy", "address", "http://proxy:3128", "username", "u", "password", "p")},
			check:   func(o Options) bool { return o.Proxy.String() == "http://u:p@proxy:3128" }},
		{name: "gcp provider", spec: with(func(s *sourcev1.BucketSpec) { s.Provider = "gcp" }), wantErr: "provider 'gcp' is not supported"},
		{name: "sts", spec: with(func(s *sourcev1.BucketSpec) {
			s.STS = &sourcev1.BucketSTSSpec{Provider: "ldap", Endpoint: "https://ldap"}
		}), wantErr: "spec.sts is not supported"},
		{name: "service account", spec: with(func(s *sourcev1.BucketSpec) { s.ServiceAccountName = "sa" }),
			wantErr: "spec.serviceAccountName (workload identity) is not supported"},
		{name: "secret without secretkey", spec: &base, secrets: Secrets{Auth: secret("creds", "accesskey", "AK")},
			wantErr: "invalid 'creds' secret data: required fields 'accesskey' and 'secretkey'"},
		{name: "cert secret without known keys", spec: &base, secrets: Secrets{TLS: secret("tls", "cert", "x")},
			wantErr: "invalid 'tls' secret data: expected 'ca.crt'"},
		{name: "CA that is not PEM", spec: &base, secrets: Secrets{TLS: secret("tls", "ca.crt", "not pem")},
			wantErr: "'ca.crt' holds no PEM certificate"},
		{name: "client certificate without key", spec: &base, secrets: Secrets{TLS: secret("tls", "tls.crt", string(certs.ClientCert))},
			wantErr: "'tls.crt' and 'tls.key' must be given together"},
		{name: "proxy without address", spec: &base, secrets: Secrets{Proxy: secret("proxy", "username", "u")},
			wantErr: "invalid 'proxy' secret data: required field 'address'"},
		{name: "proxy username without password", spec: &base,
			secrets: Secrets{Proxy: secret("proxy", "address", "http://proxy:3128", "username", "u")},
			wantErr: "'username' and 'password' go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := OptionsFromSpec(tc.spec, tc.secrets)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(o) {
				t.Fatalf("unexpected options %+v", o)
			}
		})
	}
	_, err = OptionsFromSpec(with(func(s *sourcev1.BucketSpec) { s.Provider = "azure" }), Secrets{})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("azure: want ErrUnsupported, got %v", err)
	}
}

// TestEndpoint covers the endpoint forms New accepts and whether each uses TLS.
func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		insecure bool
		host     string
		secure   bool
		wantErr  string
	}{
		{endpoint: "minio:9000", host: "minio:9000", secure: true},
		{endpoint: "minio:9000", insecure: true, host: "minio:9000"},
		{endpoint: "s3.amazonaws.com", host: "s3.amazonaws.com", secure: true},
		{endpoint: "https://minio:9000", host: "minio:9000", secure: true},
		{endpoint: "https://minio:9000/", insecure: true, host: "minio:9000", secure: true},
		{endpoint: "http://minio:9000", insecure: true, host: "minio:9000"},
		{endpoint: "http://minio:9000", wantErr: "set spec.insecure to true"},
		{endpoint: "", wantErr: "endpoint is empty"},
		{endpoint: "minio:9000/path", wantErr: "without a path"},
		{endpoint: "https://minio:9000/bucket", wantErr: "scheme and host[:port] only"},
		{endpoint: "ftp://minio", wantErr: "use http or https"},
	} {
		host, secure, err := Options{Endpoint: tc.endpoint, Insecure: tc.insecure}.hostAndSecure()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: want error containing %q, got %v", tc.endpoint, tc.wantErr, err)
			}
			continue
		}
		if err != nil || host != tc.host || secure != tc.secure {
			t.Errorf("%q insecure=%v: got %q secure=%v err %v", tc.endpoint, tc.insecure, host, secure, err)
		}
	}
	if _, err := New(Options{Endpoint: "minio:9000"}); err == nil || !strings.Contains(err.Error(), "bucket name is empty") {
		t.Fatalf("want a missing bucket name error, got %v", err)
	}
}
