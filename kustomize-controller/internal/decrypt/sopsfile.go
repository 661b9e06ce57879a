/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// errNoMetadata is a document without sops metadata: not encrypted with sops.
var errNoMetadata = errors.New("it has no sops metadata")

// extractNested removes the "sops" entries of the branches of a YAML, JSON or INI document and returns the
// metadata: the map of the first branch's entry (more than one is an error); those of later branches (YAML
// documents) are dropped, as in sops.
func extractNested(branches []mapping) (mapping, error) {
	var (
		meta  mapping
		found bool
	)
	for bi, b := range branches {
		kept := b[:0]
		for _, it := range b {
			if k, ok := it.Key.(string); !ok || k != sopsKey {
				kept = append(kept, it)
				continue
			}
			if bi > 0 {
				continue
			}
			if found {
				return nil, errors.New("it has two sops metadata entries")
			}
			found = true
			m, ok := it.Value.(mapping)
			if !ok {
				return nil, errors.New("its sops metadata is not a map")
			}
			meta = m
		}
		branches[bi] = kept
	}
	if meta == nil {
		return nil, errNoMetadata
	}
	return meta, nil
}

// extractFlat removes the entries of the first branch of a dotenv document whose key starts with "sops_" and
// returns them, without that prefix.
func extractFlat(branches []mapping) (mapping, error) {
	var meta mapping
	if len(branches) > 0 {
		kept := branches[0][:0]
		for _, it := range branches[0] {
			if k, ok := it.Key.(string); ok && strings.HasPrefix(k, sopsKey+"_") {
				meta = append(meta, item{Key: k[len(sopsKey)+1:], Value: it.Value})
				continue
			}
			kept = append(kept, it)
		}
		branches[0] = kept
	}
	if meta == nil {
		return nil, errNoMetadata
	}
	return meta, nil
}

// nestedMetadata reads the metadata map of a YAML or JSON document.
func nestedMetadata(meta mapping) (*metadata, error) {
	v, err := plainValue(meta, 0)
	if err != nil {
		return nil, err
	}
	return parseMetadata(v.(map[string]any))
}

// metadata is what tide reads of a document's sops metadata: how to recover the data key, which values are
// encrypted, and the MAC.
type metadata struct {
	// lastModified is the time sops last wrote the document; the MAC is authenticated with it.
	lastModified time.Time
	// mac is the encrypted MAC of the values.
	mac string
	// rule says which values are encrypted.
	rule rule
	// macOnlyEncrypted limits the MAC to the encrypted values.
	macOnlyEncrypted bool
	// shamirThreshold is the number of key groups needed when there are several.
	shamirThreshold int
	// groups each hold the data key (or, with several, a Shamir share of it), encrypted for every key.
	groups []keyGroup
}

// keyGroup is one key group: its age and OpenPGP keys, and the keys of other kinds, which tide cannot use.
type keyGroup struct {
	age []ageKey
	pgp []pgpKey
	// others describe the keys tide cannot use, for messages ("the AWS KMS key arn:...").
	others []string
}

// ageKey is the data key encrypted for an age recipient (an armored age file).
type ageKey struct{ recipient, enc string }

// pgpKey is the data key encrypted for an OpenPGP key (an armored message).
type pgpKey struct{ fingerprint, enc string }

// ruleFields are the metadata fields that set the encryption rule, at most one per document.
var ruleFields = []struct {
	name string
	kind ruleKind
}{
	{"unencrypted_suffix", unencryptedSuffix},
	{"encrypted_suffix", encryptedSuffix},
	{"unencrypted_regex", unencryptedRegex},
	{"encrypted_regex", encryptedRegex},
	{"unencrypted_comment_regex", unencryptedCommentRegex},
	{"encrypted_comment_regex", encryptedCommentRegex},
}

// defaultUnencryptedSuffix is the rule of a document that names none.
const defaultUnencryptedSuffix = "_unencrypted"

// parseMetadata reads the metadata from its fields (already unflattened for dotenv and INI). Values are
// converted as sops converts them (a number where a string is expected is its decimal form, a string where a
// number or boolean is expected is parsed).
func parseMetadata(f fields) (*metadata, error) {
	m := &metadata{}
	lastModified, err := f.str("lastmodified")
	if err != nil {
		return nil, err
	}
	if m.lastModified, err = time.Parse(time.RFC3339, lastModified); err != nil {
		return nil, errors.New("its sops metadata has no valid lastmodified time")
	}
	if m.mac, err = f.str("mac"); err != nil {
		return nil, err
	}
	if m.macOnlyEncrypted, err = f.boolean("mac_only_encrypted"); err != nil {
		return nil, err
	}
	if m.shamirThreshold, err = f.integer("shamir_threshold"); err != nil {
		return nil, err
	}
	if m.rule, err = parseRule(f); err != nil {
		return nil, err
	}
	if m.groups, err = parseKeyGroups(f); err != nil {
		return nil, err
	}
	return m, nil
}

// parseRule reads the encryption rule; without one, values of keys ending in _unencrypted are not encrypted.
func parseRule(f fields) (rule, error) {
	r, n := newRule(unencryptedSuffix, defaultUnencryptedSuffix), 0
	for _, rf := range ruleFields {
		v, err := f.str(rf.name)
		if err != nil {
			return rule{}, err
		}
		if v != "" {
			r, n = newRule(rf.kind, v), n+1
		}
	}
	if n > 1 {
		return rule{}, errors.New("its sops metadata sets more than one of encrypted_suffix, unencrypted_suffix, " +
			"encrypted_regex, unencrypted_regex, encrypted_comment_regex and unencrypted_comment_regex")
	}
	return r, nil
}

// parseKeyGroups reads the keys: those at the top level of the metadata form one group; without any,
// key_groups lists the groups.
func parseKeyGroups(f fields) ([]keyGroup, error) {
	top, n, err := parseKeyGroup(f)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return []keyGroup{top}, nil
	}
	list, err := f.list("key_groups")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("its sops metadata names no key")
	}
	groups := make([]keyGroup, 0, len(list))
	for _, g := range list {
		group, _, err := parseKeyGroup(g)
		if err != nil {
			return nil, err
		}
		groups = append(groups, group)
	}
	return groups, nil
}

// parseKeyGroup reads the keys of one group and counts them.
func parseKeyGroup(f fields) (keyGroup, int, error) {
	var g keyGroup
	n := 0
	for _, kind := range otherKeyKinds {
		entries, err := f.list(kind.field)
		if err != nil {
			return g, 0, err
		}
		for _, e := range entries {
			r := &fieldReader{f: e}
			name := kind.describe(r)
			if r.err == nil {
				r.err = checkCreatedAt(e)
			}
			if r.err != nil {
				return g, 0, r.err
			}
			g.others = append(g.others, kind.name+" "+name)
		}
		n += len(entries)
	}
	pgp, err := f.list("pgp")
	if err != nil {
		return g, 0, err
	}
	for _, e := range pgp {
		k, err := parsePGPKey(e)
		if err != nil {
			return g, 0, err
		}
		g.pgp = append(g.pgp, k)
	}
	age, err := f.list("age")
	if err != nil {
		return g, 0, err
	}
	for _, e := range age {
		r := &fieldReader{f: e}
		g.age = append(g.age, ageKey{recipient: r.str("recipient"), enc: r.str("enc")})
		if r.err != nil {
			return g, 0, r.err
		}
	}
	return g, n + len(pgp) + len(age), nil
}

// parsePGPKey reads an OpenPGP key entry; like sops, it requires a valid creation time.
func parsePGPKey(e fields) (pgpKey, error) {
	r := &fieldReader{f: e}
	k := pgpKey{fingerprint: r.str("fp"), enc: r.str("enc")}
	if r.err != nil {
		return k, r.err
	}
	return k, checkCreatedAt(e)
}

// checkCreatedAt requires the created_at time of a key entry to be RFC 3339, as sops does.
func checkCreatedAt(e fields) error {
	s, err := e.str("created_at")
	if err != nil {
		return err
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return errors.New("a key of its sops metadata has no valid created_at time")
	}
	return nil
}

// otherKeyKind is a kind of key tide does not decrypt with: its metadata field, its name in messages, and
// how a key is named (as sops names it).
type otherKeyKind struct {
	field, name string
	describe    func(r *fieldReader) string
}

// otherKeyKinds are the cloud KMS and Vault keys, in the order sops lists them in a group.
var otherKeyKinds = []otherKeyKind{
	{"kms", "the AWS KMS key", func(r *fieldReader) string {
		arn, role := r.str("arn"), r.str("role")
		if role != "" {
			arn += "+" + role
		}
		return arn
	}},
	{"gcp_kms", "the GCP KMS key", func(r *fieldReader) string { return r.str("resource_id") }},
	{"hckms", "the Huawei Cloud KMS key", func(r *fieldReader) string {
		id := r.str("key_id")
		region, uuid, ok := strings.Cut(strings.TrimSpace(id), ":")
		if r.err == nil && (!ok || strings.TrimSpace(region) == "" || strings.TrimSpace(uuid) == "") {
			r.err = errors.New("a Huawei Cloud KMS key of its sops metadata has no valid key_id (region:key-uuid)")
		}
		return id
	}},
	{"azure_kv", "the Azure Key Vault key", func(r *fieldReader) string {
		return fmt.Sprintf("%s/keys/%s/%s", r.str("vault_url"), r.str("name"), r.str("version"))
	}},
	{"hc_vault", "the Vault transit key", func(r *fieldReader) string {
		return fmt.Sprintf("%s/v1/%s/keys/%s", r.str("vault_address"), r.str("engine_path"), r.str("key_name"))
	}},
}
