/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// encValue encrypts plain as sops writes a value: AES-GCM with a 32-byte IV and the path as additional data.
func encValue(t *testing.T, key []byte, plain, ad, tag string) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 32)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 32)
	if _, err := rand.Read(iv); err != nil {
		t.Fatal(err)
	}
	sealed := gcm.Seal(nil, iv, []byte(plain), []byte(ad))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:%s]", b64(sealed[:len(sealed)-16]), b64(iv),
		b64(sealed[len(sealed)-16:]), tag)
}

// TestDecryptValue: values decrypt to the type of their tag; every failure is a description of its own.
func TestDecryptValue(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	const ad = "stringData:password:"
	when := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	cases := []struct {
		name, value string
		ad          string
		key         []byte
		want        any
		wantErr     error
	}{
		{name: "text", value: encValue(t, key, "s3cr3t", ad, "str"), want: "s3cr3t"},
		{name: "int", value: encValue(t, key, "5432", ad, "int"), want: 5432},
		{name: "float", value: encValue(t, key, "1.5", ad, "float"), want: 1.5},
		{name: "bool as sops writes it", value: encValue(t, key, "True", ad, "bool"), want: true},
		{name: "time", value: encValue(t, key, when.Format(time.RFC3339Nano), ad, "time"), want: when},
		{name: "comment", value: encValue(t, key, " a comment", ad, "comment"), want: comment{Value: " a comment"}},
		{name: "empty value, written unencrypted", value: "", want: ""},
		{name: "text after the closing bracket is ignored", value: encValue(t, key, "s3cr3t", ad, "str") + "x", want: "s3cr3t"},
		{name: "plain text", value: "s3cr3t", wantErr: errNotEncrypted},
		{name: "on a second line", value: "\n" + encValue(t, key, "s3cr3t", ad, "str"), wantErr: errNotEncrypted},
		{name: "other path", value: encValue(t, key, "s3cr3t", "other:", "str"), wantErr: errAuthentication},
		{name: "other key", value: encValue(t, key, "s3cr3t", ad, "str"), key: make([]byte, 32), wantErr: errAuthentication},
		{name: "key of a bad length", value: encValue(t, key, "s3cr3t", ad, "str"), key: key[:5], wantErr: errDataKey},
		{name: "not base64", value: "ENC[AES256_GCM,data:s3cr3t!,iv:AAAA,tag:AAAA,type:str]", wantErr: errMalformedValue},
		{name: "type changed", value: encValue(t, key, "s3cr3t", ad, "int"), wantErr: errTypeMismatch},
		{name: "bytes, which sops cannot decrypt", value: encValue(t, key, "s3cr3t", ad, "bytes"), wantErr: errBytesType},
		{name: "unknown type", value: encValue(t, key, "s3cr3t", ad, "blob"), wantErr: errUnknownType},
		{name: "greedy type", value: encValue(t, key, "s3cr3t", ad, "str") + "]", wantErr: errUnknownType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := key
			if tc.key != nil {
				k = tc.key
			}
			a := ad
			if tc.ad != "" {
				a = tc.ad
			}
			got, err := (&valueCipher{key: k}).decrypt(tc.value, a)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error quotes the value: %v", err)
			}
			if err == nil && fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
				t.Errorf("decrypted %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestMACBytesAsSopsHashesValues: values enter the MAC in the form sops hashes them.
func TestMACBytesAsSopsHashesValues(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{"text", "text"}, {42, "42"}, {-0.5, "-0.5"}, {1e21, "1000000000000000000000"}, {true, "True"},
		{false, "False"}, {time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), "2024-01-02T03:04:05.000000006Z"},
	} {
		got, err := macBytes(tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("macBytes(%#v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
	}
	if _, err := macBytes(uint64(1)); err == nil {
		t.Error("a uint64 is hashed; sops refuses it")
	}
}

// TestRules: each encryption rule decides as sops does, including the comment regex special case.
func TestRules(t *testing.T) {
	path := []string{"stringData", "password"}
	cases := []struct {
		name   string
		r      rule
		frames [][]string
		self   bool
		want   bool
	}{
		{"default suffix, plain key", newRule(unencryptedSuffix, "_unencrypted"), nil, false, true},
		{"unencrypted suffix on a parent", newRule(unencryptedSuffix, "Data"), nil, false, false},
		{"encrypted suffix", newRule(encryptedSuffix, "word"), nil, false, true},
		{"encrypted suffix not matching", newRule(encryptedSuffix, "x"), nil, false, false},
		{"unencrypted regex", newRule(unencryptedRegex, "^pass"), nil, false, false},
		{"encrypted regex", newRule(encryptedRegex, "^(data|stringData)$"), nil, false, true},
		{"invalid regex matches nothing", newRule(encryptedRegex, "("), nil, false, false},
		{"unencrypted comment regex in an outer frame", newRule(unencryptedCommentRegex, "plain"),
			[][]string{{" plain"}, {}}, false, false},
		{"encrypted comment regex", newRule(encryptedCommentRegex, "sops:enc"), [][]string{{" sops:enc"}}, false, true},
		{"the matching comment itself is not encrypted", newRule(encryptedCommentRegex, "sops:enc"),
			[][]string{{" sops:enc"}}, true, false},
		{"a comment after the matching one is", newRule(encryptedCommentRegex, "sops:enc"),
			[][]string{{" sops:enc", " next"}}, true, true},
	}
	for _, tc := range cases {
		if got := tc.r.encrypted(path, tc.frames, tc.self); got != tc.want {
			t.Errorf("%s: encrypted = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestYAMLCommentWritable: comments the YAML emitter would fail on (sops fails with it) are detected before
// writing; valid UTF-8 always passes.
func TestYAMLCommentWritable(t *testing.T) {
	for c, want := range map[string]bool{
		"# plain": true, "#é \u2028 \u0085 \r\n#x": true, "": true,
		"#\xff": false, "#\xc3": false, "#\xe2": false, "#\xe2\x80": false, "#\xf0\x9f\x98": false, "#\xe2x": false,
		"#\xc3x": true, // announced width 2, read as is
	} {
		if got := yamlCommentWritable(c); got != want {
			t.Errorf("yamlCommentWritable(%q) = %v, want %v", c, got, want)
		}
		k, v := &yaml.Node{Kind: yaml.ScalarNode, Value: "k"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "v"}
		n := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}
		for _, at := range []*string{&n.HeadComment, &k.HeadComment, &v.LineComment, &k.FootComment} {
			*at = c
			if panicked := encodePanics(n); panicked == want {
				t.Errorf("comment %q: the emitter panics: %v, want %v", c, panicked, !want)
			}
			*at = ""
		}
	}
}

// encodePanics reports whether the YAML encoder panics on n.
func encodePanics(n *yaml.Node) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	_, _ = yaml.Marshal(n)
	return false
}

// TestINICommentsWithEmptyLinesAreRefused: the INI writer fails (sops with it) on a comment holding an empty
// line; tide refuses it first.
func TestINICommentsWithEmptyLinesAreRefused(t *testing.T) {
	for _, c := range []string{"a\n\nb", "a\n", "\nb"} {
		for _, section := range []mapping{
			{{Key: comment{Value: c}}, {Key: "k", Value: "v"}},
			{{Key: "k", Value: "v"}, {Key: comment{Value: c}}},
		} {
			if _, err := emitINI([]mapping{{{Key: "db", Value: section}}}); err == nil {
				t.Errorf("comment %q: no error", c)
			}
		}
	}
	if out, err := emitINI([]mapping{{{Key: "db", Value: mapping{{Key: "k", Value: "v"}, {Key: comment{Value: "a\nb"}}}}}}); err != nil {
		t.Errorf("a two-line comment: %q, %v", out, err)
	}
}
