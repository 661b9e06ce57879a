/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"path"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// dockerHubHost is the registry name go-containerregistry uses for Docker Hub.
const dockerHubHost = "index.docker.io"

// dockerAuth is one entry of a Docker config.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// credEntry is a parsed Docker config entry: credentials for a host (which may hold * globs per label, as
// kubelet allows) and an optional repository path prefix.
type credEntry struct {
	host, path string
	auth       authn.AuthConfig
}

// parseDockerConfig parses a Docker config ({"auths": {key: entry}} or the legacy {key: entry}) into entries
// ordered from most to least specific. Errors wrap ErrInvalid.
func parseDockerConfig(data []byte) ([]credEntry, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, invalid(err, "docker config is not a JSON object")
	}
	body := data
	if auths, ok := top["auths"]; ok {
		body = auths
	}
	var raw map[string]dockerAuth
	if len(body) > 0 && string(body) != "null" {
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, invalid(err, "docker config 'auths' is not a map of registry credentials")
		}
	}
	entries := make([]credEntry, 0, len(raw))
	for key, a := range raw {
		host, p := normalizeRegistryKey(key)
		if host == "" {
			continue
		}
		ac := authn.AuthConfig{
			Username:      a.Username,
			Password:      a.Password,
			IdentityToken: a.IdentityToken,
			RegistryToken: a.RegistryToken,
		}
		if a.Auth != "" {
			user, pass, err := decodeBasicAuth(a.Auth)
			if err != nil {
				return nil, invalid(nil, "docker config entry '%s': 'auth' is not base64 of 'user:password'", key)
			}
			if ac.Username == "" && ac.Password == "" {
				ac.Username, ac.Password = user, pass
			}
		}
		entries = append(entries, credEntry{host: host, path: p, auth: ac})
	}
	sort.SliceStable(entries, func(i, j int) bool { return moreSpecific(entries[i], entries[j]) })
	return entries, nil
}

// moreSpecific orders entries: longer paths first, then hosts without globs, then by key for determinism.
func moreSpecific(a, b credEntry) bool {
	if len(a.path) != len(b.path) {
		return len(a.path) > len(b.path)
	}
	aGlob, bGlob := strings.Contains(a.host, "*"), strings.Contains(b.host, "*")
	if aGlob != bGlob {
		return !aGlob
	}
	if a.host != b.host {
		return a.host < b.host
	}
	return a.path < b.path
}

// decodeBasicAuth decodes the base64 "user:password" of an 'auth' field.
func decodeBasicAuth(s string) (user, pass string, err error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return "", "", err
		}
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok {
		return "", "", base64.CorruptInputError(0)
	}
	return user, pass, nil
}

// normalizeRegistryKey turns a Docker config key ("https://host:5000/v1/", "host/org") into a lower-case
// host[:port] and a repository path prefix, as Docker and kubelet read them.
func normalizeRegistryKey(key string) (host, repoPath string) {
	k := strings.TrimSpace(key)
	lower := strings.ToLower(k)
	for _, scheme := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, scheme) {
			k = k[len(scheme):]
			break
		}
	}
	host, repoPath, _ = strings.Cut(k, "/")
	host = strings.ToLower(host)
	repoPath = strings.Trim(repoPath, "/")
	// Docker treats a /v1/ or /v2/ API path as the bare host.
	if repoPath == "v1" || repoPath == "v2" {
		repoPath = ""
	} else if rest, ok := strings.CutPrefix(repoPath, "v1/"); ok {
		repoPath = rest
	} else if rest, ok := strings.CutPrefix(repoPath, "v2/"); ok {
		repoPath = rest
	}
	switch host {
	case "docker.io", "registry-1.docker.io", dockerHubHost:
		host = dockerHubHost
	}
	return host, repoPath
}

// matches reports whether the entry applies to the repository host/repoPath.
func (e credEntry) matches(host, repoPath string) bool {
	if !hostMatches(e.host, host) {
		return false
	}
	return e.path == "" || repoPath == e.path || strings.HasPrefix(repoPath, e.path+"/")
}

// hostMatches matches host[:port] against a pattern whose labels may hold * globs; ports must be equal.
func hostMatches(pattern, host string) bool {
	pHost, pPort := splitPort(pattern)
	hHost, hPort := splitPort(host)
	if pPort != hPort {
		return false
	}
	pLabels, hLabels := strings.Split(pHost, "."), strings.Split(hHost, ".")
	if len(pLabels) != len(hLabels) {
		return false
	}
	for i := range pLabels {
		if ok, err := path.Match(pLabels[i], hLabels[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

// splitPort splits host:port, leaving the host whole when there is no port.
func splitPort(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return hostport, ""
}

// credentialsFor returns the credentials the first Docker config with a matching entry holds for repo, or
// anonymous access.
func credentialsFor(configs [][]byte, repo name.Repository) (authn.Authenticator, error) {
	host := strings.ToLower(repo.RegistryStr())
	for _, cfg := range configs {
		entries, err := parseDockerConfig(cfg)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.matches(host, repo.RepositoryStr()) {
				return authn.FromConfig(e.auth), nil
			}
		}
	}
	return authn.Anonymous, nil
}
