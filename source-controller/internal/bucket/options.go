/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package bucket fetches the objects of an S3-compatible bucket (a Bucket's spec) with minio-go: an index of
// keys and ETags, Flux's revision of that index, and a download of the indexed objects into a directory.
//
//	opts, err := bucket.OptionsFromSpec(&obj.Spec, bucket.Secrets{Auth: secret, TLS: certSecret})
//	c, err := bucket.New(opts)
//	idx, err := c.List(ctx, ignore)            // ignore(key) reports keys to leave out
//	rev := bucket.Revision(idx)                // "sha256:<hex>", as Flux computes it
//	idx, err = c.Download(ctx, idx, dir)       // dir/<key> for every key; the index as fetched
package bucket

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultConcurrency = 20
)

// Secret data keys read by OptionsFromSpec.
const (
	AccessKeyKey = "accesskey"
	SecretKeyKey = "secretkey"
	CACertKey    = "ca.crt"
	TLSCertKey   = "tls.crt"
	TLSKeyKey    = "tls.key"
)

// Options describe how to reach one bucket.
type Options struct {
	// Provider is sourcev1.BucketProviderGeneric (default) or sourcev1.BucketProviderAmazon.
	Provider string
	// Endpoint is host[:port], or a URL with an http or https scheme and no path.
	Endpoint string
	// Insecure allows plain HTTP.
	Insecure bool
	// Region of the bucket; empty lets the client ask the endpoint.
	Region string
	// BucketName is the bucket to read.
	BucketName string
	// Prefix limits the listing to keys that start with it (server-side filtering).
	Prefix string
	// AccessKey and SecretKey are static credentials. Without them the generic provider is anonymous and the
	// aws provider takes credentials from the environment (AWS_* variables, then IAM / web identity).
	AccessKey, SecretKey string
	// CACert is a PEM CA bundle trusted in addition to the system roots.
	CACert []byte
	// ClientCert and ClientKey are a PEM client certificate and key for mutual TLS.
	ClientCert, ClientKey []byte
	// Proxy is the HTTP proxy to use; nil uses the environment (HTTPS_PROXY, NO_PROXY...).
	Proxy *url.URL
	// Timeout bounds each List, ReadObject and Download call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Concurrency bounds parallel object downloads; 0 means DefaultConcurrency.
	Concurrency int
}

// Secrets are the Secrets a Bucket spec refers to; nil when the spec has no such reference.
type Secrets struct {
	// Auth is spec.secretRef: accesskey and secretkey.
	Auth *corev1.Secret
	// TLS is spec.certSecretRef: ca.crt and/or tls.crt with tls.key.
	TLS *corev1.Secret
	// Proxy is spec.proxySecretRef: address, and optionally username and password.
	Proxy *corev1.Secret
}

// ErrUnsupported is wrapped by OptionsFromSpec for spec settings tide does not implement.
var ErrUnsupported = errors.New("not supported")

// OptionsFromSpec turns a Bucket spec and its Secrets into Options. Errors are meant for the Bucket's Ready
// condition; those wrapping ErrUnsupported will not go away by retrying.
func OptionsFromSpec(spec *sourcev1.BucketSpec, secrets Secrets) (Options, error) {
	o := Options{
		Provider:   spec.Provider,
		Endpoint:   spec.Endpoint,
		Insecure:   spec.Insecure,
		Region:     spec.Region,
		BucketName: spec.BucketName,
		Prefix:     spec.Prefix,
	}
	if o.Provider == "" {
		o.Provider = sourcev1.BucketProviderGeneric
	}
	switch {
	case o.Provider != sourcev1.BucketProviderGeneric && o.Provider != sourcev1.BucketProviderAmazon:
		return o, fmt.Errorf("bucket provider '%s' is %w by tide yet; use 'generic' or 'aws'", o.Provider, ErrUnsupported)
	case spec.STS != nil:
		return o, fmt.Errorf("spec.sts is %w by tide yet", ErrUnsupported)
	case spec.ServiceAccountName != "":
		return o, fmt.Errorf("spec.serviceAccountName (workload identity) is %w by tide yet", ErrUnsupported)
	}
	if spec.Timeout != nil {
		o.Timeout = spec.Timeout.Duration
	}
	if s := secrets.Auth; s != nil {
		ak, sk := s.Data[AccessKeyKey], s.Data[SecretKeyKey]
		if len(ak) == 0 || len(sk) == 0 {
			return o, fmt.Errorf("invalid '%s' secret data: required fields '%s' and '%s'", s.Name, AccessKeyKey, SecretKeyKey)
		}
		o.AccessKey, o.SecretKey = strings.TrimSpace(string(ak)), strings.TrimSpace(string(sk))
	}
	if s := secrets.TLS; s != nil {
		o.CACert, o.ClientCert, o.ClientKey = firstOf(s, CACertKey, "caFile"), firstOf(s, TLSCertKey, "certFile"), firstOf(s, TLSKeyKey, "keyFile")
		if len(o.CACert) == 0 && len(o.ClientCert) == 0 && len(o.ClientKey) == 0 {
			return o, fmt.Errorf("invalid '%s' secret data: expected '%s', or '%s' and '%s'", s.Name, CACertKey, TLSCertKey, TLSKeyKey)
		}
		if _, err := o.tlsConfig(); err != nil {
			return o, fmt.Errorf("invalid '%s' secret data: %w", s.Name, err)
		}
	}
	if s := secrets.Proxy; s != nil {
		p, err := proxyFromSecret(s)
		if err != nil {
			return o, err
		}
		o.Proxy = p
	}
	return o, nil
}

// firstOf returns the first non-empty value among keys in the Secret's data.
func firstOf(s *corev1.Secret, keys ...string) []byte {
	for _, k := range keys {
		if v := s.Data[k]; len(v) > 0 {
			return v
		}
	}
	return nil
}

// proxyFromSecret reads address, username and password from a proxy Secret.
func proxyFromSecret(s *corev1.Secret) (*url.URL, error) {
	addr := strings.TrimSpace(string(s.Data["address"]))
	if addr == "" {
		return nil, fmt.Errorf("invalid '%s' secret data: required field 'address'", s.Name)
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid '%s' secret data: proxy address '%s' is not a URL with a host", s.Name, addr)
	}
	user, pass := string(s.Data["username"]), string(s.Data["password"])
	if (user == "") != (pass == "") {
		return nil, fmt.Errorf("invalid '%s' secret data: 'username' and 'password' go together", s.Name)
	}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u, nil
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Provider == "" {
		o.Provider = sourcev1.BucketProviderGeneric
	}
	if o.Provider != sourcev1.BucketProviderGeneric && o.Provider != sourcev1.BucketProviderAmazon {
		return o, fmt.Errorf("bucket provider '%s' is %w by tide yet; use 'generic' or 'aws'", o.Provider, ErrUnsupported)
	}
	if o.BucketName == "" {
		return o, errors.New("bucket name is empty")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return o, nil
}

// hostAndSecure splits Endpoint into the host[:port] minio-go takes and whether to use TLS.
func (o Options) hostAndSecure() (string, bool, error) {
	ep := strings.TrimSpace(o.Endpoint)
	if ep == "" {
		return "", false, errors.New("endpoint is empty")
	}
	if !strings.Contains(ep, "://") {
		if strings.ContainsAny(ep, "/?#") {
			return "", false, fmt.Errorf("endpoint '%s' must be host[:port], without a path", ep)
		}
		return ep, !o.Insecure, nil
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", false, fmt.Errorf("endpoint '%s' is not a valid URL: %w", ep, err)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("endpoint '%s' must be a scheme and host[:port] only", ep)
	}
	switch u.Scheme {
	case "https":
		return u.Host, true, nil
	case "http":
		if !o.Insecure {
			return "", false, fmt.Errorf("endpoint '%s' is plain HTTP: set spec.insecure to true to allow it", ep)
		}
		return u.Host, false, nil
	default:
		return "", false, fmt.Errorf("endpoint '%s' has scheme '%s'; use http or https", ep, u.Scheme)
	}
}

// tlsConfig builds the client TLS configuration: system roots plus CACert, and the client certificate.
func (o Options) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(o.CACert) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(o.CACert) {
			return nil, fmt.Errorf("'%s' holds no PEM certificate", CACertKey)
		}
		cfg.RootCAs = pool
	}
	if (len(o.ClientCert) == 0) != (len(o.ClientKey) == 0) {
		return nil, fmt.Errorf("'%s' and '%s' must be given together", TLSCertKey, TLSKeyKey)
	}
	if len(o.ClientCert) > 0 {
		cert, err := tls.X509KeyPair(o.ClientCert, o.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("loading the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
