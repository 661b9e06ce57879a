/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"

	"github.com/tide-gitops/tide/kustomize-controller/internal/decrypt/decrypttest"
)

// allFormats are every format, as input and as output.
var allFormats = []formats.Format{formats.Yaml, formats.Json, formats.Dotenv, formats.Ini, formats.Binary}

// richDocs are plaintext documents exercising what each format can hold. Every one holds "s3cr3t".
var richDocs = map[formats.Format]string{
	formats.Yaml: `# head comment of the document
# sops:enc
apiVersion: v1 # inline after a value
kind: Secret
metadata:
    name: db
    labels:
        app: web # inline in a nested map
    # comment after the last key of a map
stringData:
    password: s3cr3t
    multi: |
        line one
        line two
    folded: >
        folded
        text
    keep: |+
        kept

    strip: |-
        stripped
    empty: ""
    nothing:
    tilde: ~
    quoted: "quoted: value # not a comment"
    single: 'it''s'
    unicode: "é \u2028 \t tab"
    colon_key:: value
    "spaced key": x
numbers:
    int: 42
    negative: -7
    float: 3.14
    whole_float: 5.0
    exp: 1.0e+21
    small: 1.0e-7
    octal: 0o17
    hex: 0x1F
    inf: .inf
    nan: .nan
    zero: -0.0
bools: [true, false, True, FALSE]
plain_words: [yes, no, on, off]
list:
    # comment before the first item
    - a
    # comment in a list
    - b # inline in a list
    - 3
    - null
    - [nested, [deeper]]
    # comment after the last item
list_of_maps:
    - name: x
      value: 1
    - name: y
      nested:
        deep: [1, {k: v}]
date: 2024-01-02
timestamp: 2024-01-02T03:04:05.123Z
password_unencrypted: visible
anchors:
    base: &base {a: 1, b: [x]}
    derived: *base
    merged:
        <<: *base
        c: 2
empty_map: {}
empty_list: []
# sops:plain
after_plain_comment: value
# foot comment of the document
---
# second document
second: s3cr3t-second
list: [1, 2]
`,
	formats.Json: `{"s": "s3cr3t", "n": 1, "neg": -12, "f": 1.5, "exp": 1e21, "small": 1e-7, "whole": 5.0,
 "big": 123456789012345678901234567890, "t": true, "fa": false, "nil": null,
 "list": [1, "a", [2, []], {"k": "v", "e": {}}], "obj": {"nested": {"deep": "x", "n": 0}},
 "empty": "", "emptyObj": {}, "emptyList": [], "html": "<a href=\"x\">&amp;</a>", "unicode": "é\u2028\u0000\ud83d\ude00",
 "dup": 1, "dup": "two", "key_unencrypted": "visible", "data": "binary-looking entry", "multi": "a\nb\r\nc"}`,
	formats.Dotenv: `# a comment
#sops:enc
USER=app
PASSWORD=s3cr3t
EMPTY=
EQUALS=a=b=c
ESCAPED=line1\nline2
SPACES =  padded  
QUOTED="double" 'single'
HASH=value # not a comment

token_unencrypted=visible
# sops:plain
AFTER=plain comment
#
`,
	formats.Ini: `; comment of the default section
global = g

[db]
; comment of the section
user = app
password = s3cr3t
# comment of a key
port = 5432
empty =
quoted = "a value"
password_unencrypted = visible

[other]
key = value ; not a comment
multi = """first
second"""

[db]
duplicate = section
`,
	formats.Binary: "\x00\x01binary s3cr3t\xff\xfe\n\r\ttext é\n",
}

// ruleOptions are the encryption rules the differential tests cover, each with and without
// mac_only_encrypted.
func ruleOptions(age []string) map[string]decrypttest.Options {
	rules := map[string]decrypttest.Options{
		"default":                   {},
		"unencrypted_suffix":        {UnencryptedSuffix: "_unencrypted"},
		"encrypted_suffix":          {EncryptedSuffix: "word"},
		"unencrypted_regex":         {UnencryptedRegex: "^(name|kind|user|USER|global)$"},
		"encrypted_regex":           {EncryptedRegex: "^(stringData|password|PASSWORD|s|list|db)$"},
		"unencrypted_comment_regex": {UnencryptedCommentRegex: "sops:plain"},
		"encrypted_comment_regex":   {EncryptedCommentRegex: "sops:enc"},
		"invalid regex":             {EncryptedRegex: "("},
	}
	out := map[string]decrypttest.Options{}
	for name, o := range rules {
		o.Age = age
		out[name] = o
		o.MACOnlyEncrypted = true
		out[name+", mac_only_encrypted"] = o
	}
	return out
}

// sameAsSops decrypts sealed (format in) into every format with tide's code and with the sops library, and
// fails unless both write the same bytes or both refuse. It returns the outputs of tide's code by format.
func sameAsSops(t *testing.T, d *Decryptor, sealed []byte, in formats.Format, verifyMAC bool) map[formats.Format][]byte {
	t.Helper()
	outs := map[formats.Format][]byte{}
	for _, out := range allFormats {
		got, err := d.decrypt(sealed, in, out, verifyMAC)
		want, refErr := referenceDecrypt(d, sealed, in, out, verifyMAC)
		switch {
		case err != nil && refErr == nil:
			t.Errorf("%s -> %s: tide refuses (%v), sops writes %q", formatNames[in], formatNames[out], err, want)
		case err == nil && refErr != nil:
			t.Errorf("%s -> %s: sops refuses (%v), tide writes %q", formatNames[in], formatNames[out], refErr, got)
		case err == nil && !bytes.Equal(got, want):
			t.Errorf("%s -> %s: tide writes\n%s\nsops writes\n%s", formatNames[in], formatNames[out], got, want)
		}
		if err == nil {
			outs[out] = got
		}
	}
	return outs
}

// TestSameBytesAsSops: every format and rule, decrypted into every format, gives the bytes the sops library
// gives (or both refuse); same-format output always succeeds and holds the plaintext.
func TestSameBytesAsSops(t *testing.T) {
	id := newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	for in, plain := range richDocs {
		for name, o := range ruleOptions([]string{id.Recipient().String()}) {
			t.Run(formatNames[in]+"/"+name, func(t *testing.T) {
				sealed := seal(t, []byte(plain), in, o)
				outs := sameAsSops(t, d, sealed, in, true)
				// With rules that leave values unencrypted, sops' own MAC fails where a plain value does
				// not survive a round trip through the file (-0.0 read back as 0, invalid UTF-8 in JSON).
				mustDecrypt := !strings.HasPrefix(name, "encrypted") && !strings.HasPrefix(name, "invalid")
				if own, ok := outs[in]; (ok || mustDecrypt) && !bytes.Contains(own, []byte("s3cr3t")) {
					t.Errorf("same-format output %q does not hold the plaintext", own)
				}
			})
		}
	}
}

// TestSameBytesAsSopsWithOpenPGPAndShamir: OpenPGP keys, and a 2-of-3 Shamir document opened with two groups'
// keys, give sops' bytes; one group's key is not enough.
func TestSameBytesAsSopsWithOpenPGPAndShamir(t *testing.T) {
	entity, armored := newPGPKey(t)
	a, b, c := newAgeKey(t), newAgeKey(t), newAgeKey(t)
	groups := []decrypttest.Group{{Age: []string{a.Recipient().String()}}, {PGP: []*openpgpEntity{entity}},
		{Age: []string{c.Recipient().String()}}}
	twoOfThree := decryptorFor(t, map[string][]byte{"a.agekey": ageEntries(a)["age.agekey"], "sops.asc": armored})
	for in, plain := range richDocs {
		t.Run(formatNames[in], func(t *testing.T) {
			sealed := seal(t, []byte(plain), in, sealOpts{PGP: []*openpgpEntity{entity}})
			sameAsSops(t, decryptorFor(t, map[string][]byte{"sops.asc": armored}), sealed, in, true)

			shamir := seal(t, []byte(plain), in, sealOpts{Groups: groups, ShamirThreshold: 2})
			if outs := sameAsSops(t, twoOfThree, shamir, in, true); len(outs) == 0 {
				t.Error("the 2-of-3 document does not decrypt with two groups' keys")
			}
			_, err := decryptorFor(t, ageEntries(b, c)).decrypt(shamir, in, in, true)
			if err == nil || !strings.Contains(err.Error(), "keys of 2 of its 3 key groups are needed") {
				t.Errorf("one group's key: error = %v, want the threshold named", err)
			}
		})
	}
}

// TestSameRefusalsAsSops: documents that sops refuses are refused, and those it accepts give the same bytes,
// for values that are not what their type tag says, keys that are not strings, truncated JSON and changed
// metadata.
func TestSameRefusalsAsSops(t *testing.T) {
	id := newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	o := sealOpts{Age: []string{id.Recipient().String()}}
	cases := []struct {
		name string
		in   formats.Format
		doc  []byte
	}{
		{"integer beyond int64", formats.Yaml, seal(t, []byte("a: 1\n"), formats.Yaml,
			sealOpts{Age: o.Age, EncryptedRegex: "^b$"})},
		{"non-string key", formats.Yaml, []byte(strings.Replace(string(seal(t, []byte("a: 1\nb: 2\n"), formats.Yaml,
			sealOpts{Age: o.Age, EncryptedRegex: "^x$"})), "b: 2", "3: 2", 1))},
		{"JSON number out of range", formats.Json, []byte(strings.Replace(string(seal(t, []byte(`{"a": 1}`),
			formats.Json, o)), `{`, `{"x_unencrypted": 1e999,`, 1))},
		{"truncated JSON", formats.Json, truncateAfterMetadata(seal(t, []byte(`{"a": "s3cr3t", "b": [1, 2]}`), formats.Json, o))},
		{"two rules", formats.Yaml, []byte(strings.Replace(string(seal(t, []byte("a: s3cr3t\n"), formats.Yaml, o)),
			"sops:\n", "sops:\n    encrypted_regex: ^a$\n", 1))},
		{"shamir threshold as text", formats.Dotenv, []byte(strings.Replace(string(seal(t, []byte("A=s3cr3t\n"),
			formats.Dotenv, o)), "sops_version=", "sops_shamir_threshold=0x1\nsops_version=", 1))},
		{"metadata key in another case", formats.Yaml, []byte(strings.Replace(string(seal(t, []byte("a: s3cr3t\n"),
			formats.Yaml, o)), "    mac: ", "    MAC: ", 1))},
	}
	big := seal(t, []byte("b: 1\n"), formats.Yaml, sealOpts{Age: o.Age, EncryptedRegex: "^a$"})
	cases[0].doc = []byte(strings.Replace(string(big), "b: 1", "b: 18446744073709551615", 1))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sameAsSops(t, d, tc.doc, tc.in, true)
			outs := sameAsSops(t, d, tc.doc, tc.in, false)
			t.Logf("decrypted into %d formats without the MAC check: %q", len(outs), outs[tc.in])
		})
	}
}

// truncateAfterMetadata moves the sops entry of a JSON document first, then cuts the document in the
// middle of the list "b", which sops reads as the document ending before "b".
func truncateAfterMetadata(doc []byte) []byte {
	s := string(doc)
	i := strings.Index(s, ",\n\"sops\": {")
	if i < 0 || !strings.HasSuffix(s, "\n}\n") {
		panic(fmt.Sprintf("unexpected JSON document %s", doc))
	}
	s = "{\n" + s[i+2:len(s)-3] + ",\n" + s[2:i] + "\n}\n"
	j := strings.Index(s, `"b": [`)
	k := strings.Index(s[j:], ",\n")
	return []byte(s[:j+k+1])
}
