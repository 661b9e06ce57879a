/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/cmd/sops/formats"
)

func TestNewReadsKeysFromSecretEntries(t *testing.T) {
	a, b := newAgeKey(t), newAgeKey(t)
	_, armored := newPGPKey(t)
	pub, _ := newPGPKey(t)
	var pubArmored bytes.Buffer
	if err := pub.Serialize(&pubArmored); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		entries   map[string][]byte
		wantErr   string
		ages, pgp int
	}{
		{name: "identities on several lines, comments, CRLF and spaces",
			entries: map[string][]byte{"keys.agekey": []byte("# public key: x\r\n" + a.String() + "\r\n\n  " + b.String() + "  \n")},
			ages:    2},
		{name: "several entries, other entries ignored",
			entries: map[string][]byte{"a.agekey": []byte(a.String()), "b.agekey": []byte(b.String()), "README": []byte("x")},
			ages:    2},
		{name: "OpenPGP private key", entries: map[string][]byte{"sops.asc": armored}, pgp: 1},
		{name: "unsupported entries are kept for messages",
			entries: map[string][]byte{"sops.aws-kms": []byte("aws_access_key_id: x"), "a.agekey": []byte(a.String())}, ages: 1},
		{name: "not an identity", entries: map[string][]byte{"k.agekey": []byte("# c\nAGE-SECRET-KEY-1NOTAKEY\n")},
			wantErr: "entry 'k.agekey' line 2 is not an age identity"},
		{name: "no identity", entries: map[string][]byte{"k.agekey": []byte("# only a comment\n")},
			wantErr: "entry 'k.agekey' holds no age identity"},
		{name: "not an OpenPGP key", entries: map[string][]byte{"k.asc": []byte("-----BEGIN NOTHING-----")},
			wantErr: "entry 'k.asc' is not an armored OpenPGP key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New("flux-system/sops-keys", tc.entries)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "NOTAKEY") {
					t.Errorf("the error quotes the key material: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.ageIDs) != tc.ages || len(d.pgp) != tc.pgp {
				t.Errorf("parsed %d age identities and %d OpenPGP keys, want %d and %d", len(d.ageIDs), len(d.pgp), tc.ages, tc.pgp)
			}
		})
	}
}

func TestFingerprintChangesWithTheKeysOnly(t *testing.T) {
	a, b := newAgeKey(t), newAgeKey(t)
	fp := func(secret string, entries map[string][]byte) string {
		return decryptorForName(t, secret, entries).Fingerprint()
	}
	one := fp("ns/keys", ageEntries(a))
	if one != fp("ns/keys", ageEntries(a)) {
		t.Error("the same keys give another fingerprint")
	}
	for name, other := range map[string]string{
		"rotated key":  fp("ns/keys", ageEntries(b)),
		"other Secret": fp("ns/other", ageEntries(a)),
		"added entry":  fp("ns/keys", map[string][]byte{"age.agekey": ageEntries(a)["age.agekey"], "x": nil}),
	} {
		if other == one {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	if strings.Contains(one, a.String()) || strings.Contains(one, a.Recipient().String()) {
		t.Error("the fingerprint reveals the key")
	}
}

func decryptorForName(t *testing.T, secret string, entries map[string][]byte) *Decryptor {
	t.Helper()
	d, err := New(secret, entries)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// plainDocs are plaintext documents of each format, each holding the value "s3cr3t-<format>".
var plainDocs = map[formats.Format]string{
	formats.Yaml:   "db:\n    user: app\n    password: s3cr3t-yaml\nport: 5432\n",
	formats.Json:   `{"user": "app", "password": "s3cr3t-json", "port": 5432}`,
	formats.Dotenv: "USER=app\nPASSWORD=s3cr3t-dotenv\n",
	formats.Ini:    "[db]\nuser = app\npassword = s3cr3t-ini\n",
	formats.Binary: "\x00\x01binary s3cr3t-binary\xff",
}

func TestDecryptEachFormatWithAgeAndOpenPGP(t *testing.T) {
	id := newAgeKey(t)
	entity, armored := newPGPKey(t)
	for f, plain := range plainDocs {
		t.Run(formatNames[f], func(t *testing.T) {
			for _, tc := range []struct {
				name    string
				o       sealOpts
				entries map[string][]byte
			}{
				{"age", sealOpts{Age: []string{id.Recipient().String()}}, ageEntries(id)},
				{"OpenPGP", sealOpts{PGP: []*openpgpEntity{entity}}, map[string][]byte{"sops.asc": armored}},
			} {
				sealed := seal(t, []byte(plain), f, tc.o)
				if bytes.Contains(sealed, []byte("s3cr3t")) {
					t.Fatalf("%s: the sealed document holds the plaintext", tc.name)
				}
				if !isEncrypted(sealed, f) {
					t.Fatalf("%s: the sealed document has no SOPS marker", tc.name)
				}
				got, err := decryptorFor(t, tc.entries).decrypt(sealed, f, f, true)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if want := canonical(t, plain, f); !bytes.Equal(got, want) {
					t.Errorf("%s: decrypted %q, want %q", tc.name, got, want)
				}
			}
		})
	}
}

func TestDecryptFailuresNameTheReasonNotTheValue(t *testing.T) {
	id, other := newAgeKey(t), newAgeKey(t)
	entity, _ := newPGPKey(t)
	forID := sealOpts{Age: []string{id.Recipient().String()}}
	cases := []struct {
		name    string
		doc     []byte
		f       formats.Format
		d       *Decryptor
		wantErr string
	}{
		{"wrong age key", seal(t, []byte(plainDocs[formats.Dotenv]), formats.Dotenv, forID), formats.Dotenv,
			decryptorFor(t, ageEntries(other)),
			"no age identity in Secret flux-system/sops-keys matches the recipients " + id.Recipient().String()},
		{"Secret without age key", seal(t, []byte(plainDocs[formats.Yaml]), formats.Yaml, forID), formats.Yaml,
			decryptorFor(t, map[string][]byte{"unrelated": []byte("x")}),
			"Secret flux-system/sops-keys holds no age identity (an entry ending in .agekey) for the recipients"},
		{"no secretRef", seal(t, []byte(plainDocs[formats.Json]), formats.Json, forID), formats.Json,
			decryptorForName(t, "", nil), "spec.decryption.secretRef is not set"},
		{"OpenPGP document, age keys only", seal(t, []byte(plainDocs[formats.Yaml]), formats.Yaml,
			sealOpts{PGP: []*openpgpEntity{entity}}), formats.Yaml, decryptorFor(t, ageEntries(id)),
			fmt.Sprintf("holds no OpenPGP private key (an entry ending in .asc) for the keys %X", entity.PrimaryKey.Fingerprint)},
		{"unsupported entries are named", seal(t, []byte(plainDocs[formats.Yaml]), formats.Yaml, forID), formats.Yaml,
			decryptorFor(t, map[string][]byte{"sops.gcp-kms": []byte("{}")}), "'sops.gcp-kms' (GCP KMS credentials) are not supported"},
		{"not a SOPS document", []byte("a: b\n"), formats.Yaml, decryptorFor(t, ageEntries(id)),
			"not a valid SOPS YAML document: it has no sops metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.d.decrypt(tc.doc, tc.f, tc.f, true)
			t.Logf("error: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error quotes the plaintext: %v", err)
			}
		})
	}
}

func TestTamperedDocumentsAreRefused(t *testing.T) {
	id := newAgeKey(t)
	d := decryptorFor(t, ageEntries(id))
	o := sealOpts{Age: []string{id.Recipient().String()}}
	env := seal(t, []byte("USER=app\nPASSWORD=s3cr3t-dotenv\nTOKEN=s3cr3t-token\n"), formats.Dotenv, o)
	yml := seal(t, []byte("password: s3cr3t-yaml\nport: 5432\nnote_unencrypted: public\n"), formats.Yaml, o)
	lines := strings.Split(string(env), "\n")
	cases := []struct {
		name, doc, wantErr string
		f                  formats.Format
	}{
		{"encrypted value removed", strings.Join(append([]string{lines[0]}, lines[2:]...), "\n"),
			"MAC mismatch", formats.Dotenv},
		{"plain value changed", strings.Replace(string(yml), "note_unencrypted: public", "note_unencrypted: changed", 1),
			"MAC mismatch", formats.Yaml},
		{"MAC replaced", replaceMAC(string(yml)), "MAC mismatch", formats.Yaml},
		{"ciphertext changed", flipCiphertext(string(yml), "password: ENC[AES256_GCM,data:"), "fails authentication", formats.Yaml},
		{"value swapped between keys", swapValues(string(env)), "fails authentication", formats.Dotenv},
		{"type tag changed", strings.Replace(string(yml), "type:str]", "type:int]", 1), "does not match the type", formats.Yaml},
		{"plain value where an encrypted one is expected", strings.Replace(string(env), lines[1], "PASSWORD=s3cr3t-plain", 1),
			"is not: was it added or edited without sops", formats.Dotenv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.doc == string(env) || tc.doc == string(yml) {
				t.Fatal("the document was not changed")
			}
			_, err := d.decrypt([]byte(tc.doc), tc.f, tc.f, true)
			t.Logf("error: %v", err)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "5432") {
				t.Errorf("the error quotes a value: %v", err)
			}
			if strings.Contains(err.Error(), "ENC[AES256_GCM") || macLike.MatchString(err.Error()) {
				t.Errorf("the error quotes a MAC: %v", err)
			}
		})
	}
}

// macLike matches a MAC as sops computes it (the hex of a SHA-512), or a long part of one.
var macLike = regexp.MustCompile(`[0-9A-Fa-f]{32,}`)

// replaceMAC replaces the encrypted MAC of doc with a forged one.
func replaceMAC(doc string) string {
	i := strings.Index(doc, "mac: ENC[")
	j := strings.Index(doc[i:], "]")
	return doc[:i] + "mac: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str" + doc[i+j:]
}

// flipCiphertext changes the first byte of the ciphertext that follows prefix.
func flipCiphertext(doc, prefix string) string {
	i := strings.Index(doc, prefix) + len(prefix)
	c := byte('A')
	if doc[i] == 'A' {
		c = 'B'
	}
	return doc[:i] + string(c) + doc[i+1:]
}

// swapValues swaps the encrypted values of PASSWORD and TOKEN (each is bound to its key).
func swapValues(doc string) string {
	var pw, tok string
	for _, l := range strings.Split(doc, "\n") {
		if v, ok := strings.CutPrefix(l, "PASSWORD="); ok {
			pw = v
		}
		if v, ok := strings.CutPrefix(l, "TOKEN="); ok {
			tok = v
		}
	}
	doc = strings.Replace(doc, "PASSWORD="+pw, "PASSWORD=<tok>", 1)
	doc = strings.Replace(doc, "TOKEN="+tok, "TOKEN="+pw, 1)
	return strings.Replace(doc, "PASSWORD=<tok>", "PASSWORD="+tok, 1)
}
