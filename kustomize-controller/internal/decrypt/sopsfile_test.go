/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
)

// TestFlatTokens: flattened metadata keys split at their separators as sops splits them.
func TestFlatTokens(t *testing.T) {
	for path, want := range map[string]string{
		"mac":                         "[{mac 0 false}]",
		"age__list_0__map_enc":        "[{age 0 false} { 0 true} {enc 0 false}]",
		"key_groups__list_1__map_pgp": "[{key_groups 0 false} { 1 true} {pgp 0 false}]",
		"a___map_b":                   "[{a_ 0 false} {b 0 false}]",
		"a__list_x":                   "[{a 0 false} { 0 true}]",
		"":                            "[{ 0 false}]",
	} {
		if got := fmt.Sprint(flatTokens(path)); got != want {
			t.Errorf("flatTokens(%q) = %s, want %s", path, got, want)
		}
	}
}

// TestUnflatten: flattened metadata rebuilds into maps and lists; inconsistent entries are refused.
func TestUnflatten(t *testing.T) {
	entries := func(kv ...string) mapping {
		var m mapping
		for i := 0; i < len(kv); i += 2 {
			m = append(m, item{Key: kv[i], Value: kv[i+1]})
		}
		return append(m, item{Key: comment{Value: "ignored"}})
	}
	got, err := unflatten(entries("age__list_1__map_enc", "e1", "age__list_0__map_enc", "e0",
		"age__list_0__map_recipient", "r0", "mac", "m"))
	want := fields{"mac": "m", "age": []any{map[string]any{"enc": "e0", "recipient": "r0"}, map[string]any{"enc": "e1"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("unflatten = %#v, %v; want %#v", got, err, want)
	}
	for name, m := range map[string]mapping{
		"entry twice":        entries("mac", "a", "mac", "b"),
		"value and map":      entries("age", "a", "age__map_enc", "b"),
		"missing list items": entries("age__list_1__map_enc", "a"),
		"negative index":     entries("age__list_-1", "a"),
	} {
		if _, err := unflatten(m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestParseMetadataConvertsValuesAsSops: metadata values are converted and checked as sops converts and
// checks them.
func TestParseMetadataConvertsValuesAsSops(t *testing.T) {
	base := func() fields {
		return fields{"lastmodified": "2024-01-02T03:04:05Z", "mac": "ENC[...]",
			"age": []any{map[string]any{"recipient": "age1x", "enc": "e"}}}
	}
	with := func(kv ...any) fields {
		f := base()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(f, kv[i].(string))
				continue
			}
			f[kv[i].(string)] = kv[i+1]
		}
		return f
	}
	groups := []any{map[string]any{"age": map[string]any{"recipient": "a", "enc": "e"}}, map[string]any{}, nil}
	cases := []struct {
		name    string
		f       fields
		check   func(*metadata) bool
		wantErr string
	}{
		{"default rule", base(), func(m *metadata) bool { return m.rule.kind == unencryptedSuffix && m.rule.value == "_unencrypted" }, ""},
		{"threshold as text with a base", with("shamir_threshold", "0x2"), func(m *metadata) bool { return m.shamirThreshold == 2 }, ""},
		{"threshold as a float", with("shamir_threshold", 2.9), func(m *metadata) bool { return m.shamirThreshold == 2 }, ""},
		{"mac_only_encrypted as text", with("mac_only_encrypted", "true"), func(m *metadata) bool { return m.macOnlyEncrypted }, ""},
		{"field name in another case", with("MAC", "x", "mac", nil), func(m *metadata) bool { return m.mac == "x" }, ""},
		{"number as text", with("mac", 12), func(m *metadata) bool { return m.mac == "12" }, ""},
		{"key groups, a single map as a list", with("age", nil, "key_groups", groups),
			func(m *metadata) bool { return len(m.groups) == 3 && m.groups[0].age[0].recipient == "a" }, ""},
		{"other keys are named", with("kms", []any{map[string]any{"arn": "arn:aws:kms:k", "created_at": "2024-01-02T03:04:05Z"}}),
			func(m *metadata) bool {
				return len(m.groups[0].others) == 1 && m.groups[0].others[0] == "the AWS KMS key arn:aws:kms:k"
			}, ""},
		{"no lastmodified", with("lastmodified", nil), nil, "lastmodified"},
		{"no key", with("age", nil), nil, "names no key"},
		{"two rules", with("encrypted_regex", "a", "unencrypted_suffix", "b"), nil, "more than one"},
		{"OpenPGP key without created_at", with("pgp", []any{map[string]any{"fp": "F", "enc": "e"}}), nil, "created_at"},
		{"bad Huawei key id", with("hckms", []any{map[string]any{"key_id": "x", "created_at": "2024-01-02T03:04:05Z"}}), nil, "key_id"},
		{"list of text", with("age", []any{"x"}), nil, "age is not a list of maps"},
		{"bad boolean", with("mac_only_encrypted", "maybe"), nil, "mac_only_encrypted is not a boolean"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMetadata(tc.f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(m) {
				t.Errorf("parseMetadata = %+v, %v", m, err)
			}
		})
	}
}

// TestHostileDocumentsAreRefused: documents built to exhaust memory or the stack are refused with a message.
func TestHostileDocumentsAreRefused(t *testing.T) {
	d := decryptorFor(t, ageEntries(newAgeKey(t)))
	var bomb strings.Builder
	bomb.WriteString("a: 1\n---\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	for name, tc := range map[string]struct {
		doc     string
		f       formats.Format
		wantErr string
	}{
		"YAML aliases expanding to 10^10 nodes": {bomb.String(), formats.Yaml, "aliases expand it beyond the size limit"},
		"JSON nested 20000 deep": {`{"a": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}",
			formats.Json, "nested too deeply"},
	} {
		_, err := d.decrypt([]byte(tc.doc), tc.f, tc.f, true)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error = %v, want %q", name, err, tc.wantErr)
		}
	}
}
