/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/tide-gitops/tide/api/source/v1"
	"github.com/tide-gitops/tide/internal/testserver/pki"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url      string
		insecure bool
		wantName string
		wantErr  string
	}{
		{url: "oci://ghcr.io/org/app", wantName: "ghcr.io/org/app"},
		{url: "oci://127.0.0.1:5000/org/manifests/app", wantName: "127.0.0.1:5000/org/manifests/app"},
		{url: "oci://registry.local/app", insecure: true, wantName: "registry.local/app"},
		{url: "oci://nginx", wantName: "index.docker.io/library/nginx"},
		{url: "https://ghcr.io/org/app", wantErr: "must be in the form 'oci://<host>/<org>/<repo>'"},
		{url: "oci://", wantErr: "must be in the form"},
		{url: "ghcr.io/org/app", wantErr: "must be in the form"},
		{url: "oci://ghcr.io/org/app:1.0.0", wantErr: "must not contain a tag; remove ':1.0.0'"},
		{url: "oci://host:5000/app:v1", wantErr: "remove ':v1'"},
		{url: "oci://ghcr.io/org/app@sha256:abc", wantErr: "must not contain a digest; remove '@sha256:abc'"},
		{url: "oci://ghcr.io/Org/App", wantErr: "not a valid OCI repository address"},
		{url: "oci://ghcr.io/org app", wantErr: "not a valid OCI repository address"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			repo, err := ParseURL(tc.url, tc.insecure)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want ErrInvalid containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			if repo.Name() != tc.wantName {
				t.Fatalf("name %q, want %q", repo.Name(), tc.wantName)
			}
			if tc.insecure && repo.Scheme() != "http" {
				t.Fatalf("insecure repository scheme %q, want http", repo.Scheme())
			}
		})
	}
}

func TestRevisionString(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	if got := (Revision{Tag: "1.0.0", Digest: d}).String(); got != "1.0.0@"+d {
		t.Fatalf("tag revision %q", got)
	}
	if got := (Revision{Digest: d}).String(); got != d {
		t.Fatalf("digest revision %q", got)
	}
}

func TestLatestSemverTag(t *testing.T) {
	tags := []string{"latest", "1.0.0", "v1.2.0", "1.10.0", "1.2", "2.0.0-rc.1", "main-abc123", "1.9.9+build.1"}
	tests := []struct {
		constraint, filter string
		want               string
		wantErr            error
	}{
		{constraint: "*", want: "1.10.0"},
		{constraint: ">=1.0.0 <1.5.0", want: "v1.2.0"},
		{constraint: "~1.9", want: "1.9.9+build.1"},
		{constraint: ">=2.0.0-0", want: "2.0.0-rc.1"},
		{constraint: ">=1.0.0", filter: `^v`, want: "v1.2.0"},
		{constraint: ">=1.0.0", filter: `^1\.0`, want: "1.0.0"},
		{constraint: "1.2", want: "v1.2.0"}, // "1.2" is not strict semver and is skipped
		{constraint: ">=5.0.0", wantErr: ErrNotFound},
		{constraint: "not a range", wantErr: ErrInvalid},
		{constraint: "*", filter: "(", wantErr: ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.constraint+" "+tc.filter, func(t *testing.T) {
			got, err := LatestSemverTag(tags, tc.constraint, tc.filter)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %q, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// Equal versions keep the first listed tag.
	if got, _ := LatestSemverTag([]string{"v1.0.0", "1.0.0"}, "*", ""); got != "v1.0.0" {
		t.Fatalf("tie: got %q, want the first listed", got)
	}
}

func TestNewOptions(t *testing.T) {
	url := "oci://ghcr.io/org/app"
	pem := mustPKI(t)
	tests := []struct {
		name    string
		spec    sourcev1.OCIRepositorySpec
		secrets Secrets
		wantErr error
		wantMsg string
	}{
		{name: "minimal", spec: sourcev1.OCIRepositorySpec{URL: url}},
		{name: "generic provider", spec: sourcev1.OCIRepositorySpec{URL: url, Provider: "generic"}},
		{name: "aws provider", spec: sourcev1.OCIRepositorySpec{URL: url, Provider: "aws"},
			wantErr: ErrUnsupported, wantMsg: "provider 'aws' is not supported here"},
		{name: "azure provider", spec: sourcev1.OCIRepositorySpec{URL: url, Provider: "azure"}, wantErr: ErrUnsupported},
		{name: "service account token", wantErr: ErrUnsupported, wantMsg: "spec.credential 'ServiceAccountToken'",
			spec: sourcev1.OCIRepositorySpec{URL: url, Credential: "ServiceAccountToken", Audiences: []string{"a"}}},
		{name: "bad url", spec: sourcev1.OCIRepositorySpec{URL: "ghcr.io/app"}, wantErr: ErrInvalid},
		{name: "bad semver", wantErr: ErrInvalid, wantMsg: "spec.ref.semver 'x.y' is not a semver range",
			spec: sourcev1.OCIRepositorySpec{URL: url, Reference: &sourcev1.OCIRepositoryRef{SemVer: "x.y"}}},
		{name: "bad semverFilter", wantErr: ErrInvalid, wantMsg: "spec.ref.semverFilter '[' is not a regular",
			spec: sourcev1.OCIRepositorySpec{URL: url, Reference: &sourcev1.OCIRepositoryRef{SemVer: "*", SemverFilter: "["}}},
		{name: "bad digest", wantErr: ErrInvalid, wantMsg: "spec.ref.digest 'sha256:zz'",
			spec: sourcev1.OCIRepositorySpec{URL: url, Reference: &sourcev1.OCIRepositoryRef{Digest: "sha256:zz"}}},
		{name: "bad tag", wantErr: ErrInvalid, wantMsg: "spec.ref.tag 'a/b' is not a valid tag",
			spec: sourcev1.OCIRepositorySpec{URL: url, Reference: &sourcev1.OCIRepositoryRef{Tag: "a/b"}}},
		{name: "digest wins so a bad tag is ignored",
			spec: sourcev1.OCIRepositorySpec{URL: url, Reference: &sourcev1.OCIRepositoryRef{
				Digest: "sha256:" + strings.Repeat("0", 64), Tag: "a/b"}}},
		{name: "auth secret of wrong type", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			wantMsg: "is of type 'Opaque'", secrets: Secrets{Auth: []corev1.Secret{{Type: corev1.SecretTypeOpaque}}}},
		{name: "auth secret without key", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			wantMsg: "has no '.dockerconfigjson' key",
			secrets: Secrets{Auth: []corev1.Secret{{Type: corev1.SecretTypeDockerConfigJson}}}},
		{name: "auth secret not JSON", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			secrets: Secrets{Auth: []corev1.Secret{authSecret([]byte("not json"))}}},
		{name: "legacy dockercfg secret", spec: sourcev1.OCIRepositorySpec{URL: url},
			secrets: Secrets{Auth: []corev1.Secret{{Type: corev1.SecretTypeDockercfg,
				Data: map[string][]byte{corev1.DockerConfigKey: []byte(`{"ghcr.io":{"auth":"dTpw"}}`)}}}}},
		{name: "empty cert secret", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			wantMsg: "has none of the keys", secrets: Secrets{Cert: certSecret(nil)}},
		{name: "client cert without key", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			wantMsg: "needs both 'tls.crt' and 'tls.key'",
			secrets: Secrets{Cert: certSecret(map[string][]byte{ClientCertKey: pem.ClientCert})}},
		{name: "CA not PEM", spec: sourcev1.OCIRepositorySpec{URL: url}, wantErr: ErrInvalid,
			wantMsg: "'ca.crt' holds no PEM certificate",
			secrets: Secrets{Cert: certSecret(map[string][]byte{CACertKey: []byte("nope")})}},
		{name: "full cert secret", spec: sourcev1.OCIRepositorySpec{URL: url},
			secrets: Secrets{Cert: certSecret(map[string][]byte{
				CACertKey: pem.CACert, ClientCertKey: pem.ClientCert, ClientKeyKey: pem.ClientKey})}},
		{name: "legacy cert keys", spec: sourcev1.OCIRepositorySpec{URL: url},
			secrets: Secrets{Cert: certSecret(map[string][]byte{"caFile": pem.CACert})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewOptions(&tc.spec, tc.secrets)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("NewOptions: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.wantErr, tc.wantMsg)
			}
		})
	}
}

// mustPKI returns generated PEM certificates.
func mustPKI(t *testing.T) *pki.PKI {
	t.Helper()
	p, err := pki.New("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewLayerSelector(t *testing.T) {
	tests := []struct {
		name    string
		in      *sourcev1.OCILayerSelector
		want    LayerSelector
		wantErr bool
	}{
		{name: "nil", want: LayerSelector{Operation: sourcev1.OCILayerExtract}},
		{name: "media type", in: &sourcev1.OCILayerSelector{MediaType: "a/b"},
			want: LayerSelector{MediaType: "a/b", Operation: sourcev1.OCILayerExtract}},
		{name: "copy", in: &sourcev1.OCILayerSelector{Operation: "copy"},
			want: LayerSelector{Operation: sourcev1.OCILayerCopy}},
		{name: "unknown operation", in: &sourcev1.OCILayerSelector{Operation: "move"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewLayerSelector(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Fatalf("got %+v, %v; want %+v (error %v)", got, err, tc.want, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestNormalizeRegistryKey(t *testing.T) {
	tests := []struct{ key, host, path string }{
		{"ghcr.io", "ghcr.io", ""},
		{"https://GHCR.io/", "ghcr.io", ""},
		{"http://127.0.0.1:5000", "127.0.0.1:5000", ""},
		{"https://index.docker.io/v1/", "index.docker.io", ""},
		{"docker.io", "index.docker.io", ""},
		{"registry-1.docker.io/v2/org", "index.docker.io", "org"},
		{"ghcr.io/org/team/", "ghcr.io", "org/team"},
		{" *.example.com ", "*.example.com", ""},
	}
	for _, tc := range tests {
		host, path := normalizeRegistryKey(tc.key)
		if host != tc.host || path != tc.path {
			t.Errorf("normalizeRegistryKey(%q) = %q, %q; want %q, %q", tc.key, host, path, tc.host, tc.path)
		}
	}
}

func TestCredentialsFor(t *testing.T) {
	config := []byte(`{"auths": {
		"ghcr.io": {"username": "host", "password": "p"},
		"ghcr.io/org": {"auth": "b3JnOnA="},
		"*.example.com": {"username": "glob", "password": "p"},
		"registry.example.com:5000": {"username": "port", "password": "p"},
		"https://index.docker.io/v1/": {"username": "hub", "password": "p"},
		"quay.io": {"identitytoken": "tok"}
	}}`)
	other := []byte(`{"auths": {"ghcr.io": {"username": "second", "password": "p"}}}`)
	tests := []struct {
		repo string
		want string // user name, "" for anonymous
	}{
		{"ghcr.io/other/app", "host"},
		{"ghcr.io/org/app", "org"},
		{"ghcr.io/organisation/app", "host"},
		{"a.example.com/app", "glob"},
		{"a.b.example.com/app", ""},
		{"registry.example.com:5000/app", "port"},
		{"registry.example.com/app", "glob"},
		{"nginx", "hub"},
		{"docker.io/library/nginx", "hub"},
		{"gcr.io/app", ""},
	}
	for _, tc := range tests {
		t.Run(tc.repo, func(t *testing.T) {
			repo, err := name.NewRepository(tc.repo)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := credentialsFor([][]byte{config, other}, repo)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := auth.Authorization()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Username != tc.want || (tc.want == "" && auth != authn.Anonymous) {
				t.Fatalf("user %q (%T), want %q", cfg.Username, auth, tc.want)
			}
		})
	}
	quay, _ := name.NewRepository("quay.io/app")
	auth, _ := credentialsFor([][]byte{config}, quay)
	if cfg, _ := auth.Authorization(); cfg.IdentityToken != "tok" {
		t.Fatalf("identity token not passed on: %+v", cfg)
	}
	// The first config with a matching entry wins over later ones.
	auth, _ = credentialsFor([][]byte{other, config}, mustRepo(t, "ghcr.io/org/app"))
	if cfg, _ := auth.Authorization(); cfg.Username != "second" {
		t.Fatalf("user %q, want the first config's", cfg.Username)
	}
}

// mustRepo parses a repository name.
func mustRepo(t *testing.T, s string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseDockerConfigErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"not json", `nope`, "not a JSON object"},
		{"auths not a map", `{"auths": []}`, "not a map of registry credentials"},
		{"auth not base64", `{"auths": {"ghcr.io": {"auth": "***"}}}`, "'auth' is not base64"},
		{"auth without colon", `{"auths": {"ghcr.io": {"auth": "dXNlcg=="}}}`, "'auth' is not base64 of 'user:password'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDockerConfig([]byte(tc.data))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
	if entries, err := parseDockerConfig([]byte(`{"auths": null}`)); err != nil || len(entries) != 0 {
		t.Fatalf("null auths: %v, %v", entries, err)
	}
}
