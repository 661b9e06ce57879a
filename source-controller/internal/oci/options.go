/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

// Package oci resolves and pulls the OCI artifacts of OCIRepository objects with go-containerregistry.
//
// The reconciler builds Options from the spec and the referenced Secrets (NewOptions), calls Resolve (a
// tag listing for semver, then one HEAD request) to learn the revision, and only when the revision differs
// from the stored Artifact calls Pull, which streams the selected layer's blob:
//
//	opts, err := oci.NewOptions(&obj.Spec, oci.Secrets{Auth: authSecrets, Cert: certSecret})
//	rev, err := oci.Resolve(ctx, opts)        // rev.String() == "1.1.0@sha256:..."
//	sel, err := oci.NewLayerSelector(obj.Spec.LayerSelector)
//	layer, err := oci.Pull(ctx, opts, rev, sel) // layer.Operation says extract or copy
//	defer layer.Close()
//
// Errors wrap ErrInvalid (the spec or a Secret is wrong: stall), ErrUnsupported, ErrAuth, ErrNotFound or
// ErrNoLayer so the reconciler can pick a condition reason with errors.Is. Signature verification
// (spec.verify) is not part of this package: the reconciler refuses objects that ask for it.
package oci

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
)

// DefaultUserAgent is sent to registries unless Options.UserAgent says otherwise.
const DefaultUserAgent = "tide-source-controller"

// Keys of a certSecretRef Secret (the legacy caFile/certFile/keyFile keys are read too).
const (
	CACertKey     = "ca.crt"
	ClientCertKey = "tls.crt"
	ClientKeyKey  = "tls.key"
)

// Ref is the reference to resolve: Digest wins over SemVer, SemVer over Tag; Tag defaults to "latest".
type Ref struct {
	// Tag is the tag to pull.
	Tag string
	// SemVer is a semantic version range; the highest matching tag wins.
	SemVer string
	// SemverFilter is a regular expression that tags must match before SemVer is applied.
	SemverFilter string
	// Digest is the manifest digest, "sha256:<hex>".
	Digest string
}

// Certs are the PEM contents of a certSecretRef Secret.
type Certs struct {
	// CA is added to the system roots to verify the registry's certificate.
	CA []byte
	// Cert and Key are a client certificate and its key, sent when the registry asks for one.
	Cert, Key []byte
}

// Secrets are the Secrets an OCIRepository refers to, fetched by the reconciler.
type Secrets struct {
	// Auth are Docker config Secrets (type kubernetes.io/dockerconfigjson, or the legacy
	// kubernetes.io/dockercfg): spec.secretRef first, then the image pull secrets of
	// spec.serviceAccountName. The first one with an entry for the registry wins.
	Auth []corev1.Secret
	// Cert is the spec.certSecretRef Secret, or nil.
	Cert *corev1.Secret
}

// Options say what to resolve and pull and how to reach the registry.
type Options struct {
	// URL is the repository address, oci://<host>/<path>, without tag or digest.
	URL string
	// Ref selects the artifact.
	Ref Ref
	// Insecure allows plain HTTP and, as Flux does when no Certs are given, skips verifying the registry's
	// TLS certificate.
	Insecure bool
	// Provider is the authentication provider; only "generic" (or empty) is supported.
	Provider string
	// DockerConfigs are Docker config JSON documents ({"auths": {...}} or the legacy {host: {...}}) with
	// registry credentials; the first with an entry for the registry wins. Empty means anonymous.
	DockerConfigs [][]byte
	// Certs are the TLS settings of a certSecretRef, or nil.
	Certs *Certs
	// ProxyURL, when set, is the proxy for every registry request; otherwise the environment's proxy
	// settings apply.
	ProxyURL *url.URL
	// UserAgent is sent with every request; DefaultUserAgent when empty.
	UserAgent string
}

// NewOptions builds Options from an OCIRepository spec and its Secrets, validating both. The spec's timeout
// is not part of Options: bound the context passed to Resolve and Pull with it.
func NewOptions(spec *sourcev1.OCIRepositorySpec, secrets Secrets) (Options, error) {
	opts := Options{URL: spec.URL, Insecure: spec.Insecure, Provider: spec.Provider}
	if spec.Reference != nil {
		opts.Ref = Ref{
			Tag:          spec.Reference.Tag,
			SemVer:       spec.Reference.SemVer,
			SemverFilter: spec.Reference.SemverFilter,
			Digest:       spec.Reference.Digest,
		}
	}
	if spec.Credential != "" {
		return Options{}, unsupported("spec.credential '%s' is not supported here; use spec.secretRef with a "+
			"kubernetes.io/dockerconfigjson Secret", spec.Credential)
	}
	for i := range secrets.Auth {
		cfg, err := dockerConfigFromSecret(&secrets.Auth[i])
		if err != nil {
			return Options{}, err
		}
		opts.DockerConfigs = append(opts.DockerConfigs, cfg)
	}
	if secrets.Cert != nil {
		certs, err := certsFromSecret(secrets.Cert)
		if err != nil {
			return Options{}, err
		}
		opts.Certs = certs
	}
	if err := opts.Validate(); err != nil {
		return Options{}, err
	}
	return opts, nil
}

// Validate checks the URL, provider, reference, credentials and certificates without contacting the
// registry. Every error it returns wraps ErrInvalid or ErrUnsupported.
func (o Options) Validate() error {
	switch o.Provider {
	case "", sourcev1.GenericOCIProvider:
	default:
		return unsupported("provider '%s' is not supported here; use provider 'generic' with spec.secretRef",
			o.Provider)
	}
	repo, err := ParseURL(o.URL, o.Insecure)
	if err != nil {
		return err
	}
	if err := o.Ref.validate(); err != nil {
		return err
	}
	for _, cfg := range o.DockerConfigs {
		if _, err := parseDockerConfig(cfg); err != nil {
			return err
		}
	}
	if _, err := credentialsFor(o.DockerConfigs, repo); err != nil {
		return err
	}
	if _, err := o.tlsConfig(); err != nil {
		return err
	}
	return nil
}

// validate checks the parts of the reference that are used (digest > semver > tag).
func (r Ref) validate() error {
	switch {
	case r.Digest != "":
		if _, err := v1.NewHash(r.Digest); err != nil {
			return invalid(err, "spec.ref.digest '%s' is not a digest of the form 'sha256:<hex>'", r.Digest)
		}
	case r.SemVer != "":
		if _, err := semver.NewConstraint(r.SemVer); err != nil {
			return invalid(err, "spec.ref.semver '%s' is not a semver range", r.SemVer)
		}
		if _, err := regexp.Compile(r.SemverFilter); err != nil {
			return invalid(err, "spec.ref.semverFilter '%s' is not a regular expression", r.SemverFilter)
		}
	case r.Tag != "":
		if !validTag(r.Tag) {
			return invalid(nil, "spec.ref.tag '%s' is not a valid tag (letters, digits, '_', '.', '-'; at "+
				"most 128)", r.Tag)
		}
	}
	return nil
}

// dockerConfigFromSecret returns the Docker config JSON of a pull Secret.
func dockerConfigFromSecret(s *corev1.Secret) ([]byte, error) {
	key := corev1.DockerConfigJsonKey
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
	case corev1.SecretTypeDockercfg:
		key = corev1.DockerConfigKey
	default:
		return nil, invalid(nil, "secret '%s' is of type '%s': registry credentials need a Secret of type "+
			"'%s' with a '%s' key", s.Name, s.Type, corev1.SecretTypeDockerConfigJson, corev1.DockerConfigJsonKey)
	}
	data, ok := s.Data[key]
	if !ok || len(data) == 0 {
		return nil, invalid(nil, "secret '%s' has no '%s' key", s.Name, key)
	}
	if _, err := parseDockerConfig(data); err != nil {
		return nil, invalid(err, "secret '%s'", s.Name)
	}
	return data, nil
}

// certsFromSecret reads ca.crt, tls.crt and tls.key (or caFile, certFile, keyFile) from a Secret.
func certsFromSecret(s *corev1.Secret) (*Certs, error) {
	pick := func(key, legacy string) []byte {
		if v := s.Data[key]; len(v) > 0 {
			return v
		}
		return s.Data[legacy]
	}
	c := &Certs{
		CA:   pick(CACertKey, "caFile"),
		Cert: pick(ClientCertKey, "certFile"),
		Key:  pick(ClientKeyKey, "keyFile"),
	}
	if len(c.CA) == 0 && len(c.Cert) == 0 && len(c.Key) == 0 {
		return nil, invalid(nil, "certificate secret '%s' has none of the keys '%s', '%s', '%s'",
			s.Name, CACertKey, ClientCertKey, ClientKeyKey)
	}
	if _, err := c.tlsConfig(); err != nil {
		return nil, invalid(err, "certificate secret '%s'", s.Name)
	}
	return c, nil
}

// tlsConfig returns the client TLS settings: the CA on top of the system roots and the client certificate.
func (c *Certs) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if (len(c.Cert) == 0) != (len(c.Key) == 0) {
		return nil, invalid(nil, "a client certificate needs both '%s' and '%s'", ClientCertKey, ClientKeyKey)
	}
	if len(c.Cert) > 0 {
		pair, err := tls.X509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, invalid(err, "'%s' and '%s' are not a valid PEM certificate and key", ClientCertKey,
				ClientKeyKey)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if len(c.CA) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.CA) {
			return nil, invalid(nil, "'%s' holds no PEM certificate", CACertKey)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// tlsConfig returns the TLS settings of the options, or nil for Go's defaults.
func (o Options) tlsConfig() (*tls.Config, error) {
	if o.Certs != nil {
		return o.Certs.tlsConfig()
	}
	if o.Insecure {
		// Flux's OCIRepository skips certificate verification when insecure is set without certSecretRef.
		return &tls.Config{InsecureSkipVerify: true}, nil //nolint:gosec // documented spec.insecure behaviour
	}
	return nil, nil
}

// transport returns the HTTP transport for registry requests.
func (o Options) transport() (*http.Transport, error) {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	cfg, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		t.TLSClientConfig = cfg
	}
	if o.ProxyURL != nil {
		t.Proxy = http.ProxyURL(o.ProxyURL)
	}
	return t, nil
}

// userAgent returns the User-Agent to send.
func (o Options) userAgent() string {
	if ua := strings.TrimSpace(o.UserAgent); ua != "" {
		return ua
	}
	return DefaultUserAgent
}
