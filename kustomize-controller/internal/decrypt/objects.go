/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/getsops/sops/v3/cmd/sops/formats"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// DecryptAnnotation set to "disabled" (any case) on an object leaves it encrypted, as in Flux.
const DecryptAnnotation = "kustomize.toolkit.fluxcd.io/decrypt"

// IsEncryptedSecret reports whether obj is a v1 Secret with a top-level sops stanza (Flux's test for the
// Secrets that must not be applied without decryption).
func IsEncryptedSecret(obj *unstructured.Unstructured) bool {
	_, found := obj.Object["sops"]
	return found && obj.GetKind() == "Secret" && obj.GetAPIVersion() == "v1"
}

// DecryptionDisabled reports whether obj opted out with kustomize.toolkit.fluxcd.io/decrypt: disabled.
func DecryptionDisabled(obj *unstructured.Unstructured) bool {
	return strings.EqualFold(obj.GetAnnotations()[DecryptAnnotation], "disabled")
}

// isDocument reports whether obj is a SOPS document: a sops stanza with a MAC (any kind, as in Flux), or an
// encrypted Secret.
func isDocument(obj *unstructured.Unstructured) bool {
	if IsEncryptedSecret(obj) {
		return true
	}
	m, ok := obj.Object["sops"].(map[string]any)
	if !ok {
		return false
	}
	mac, _ := m["mac"].(string)
	return mac != ""
}

// DecryptObject returns a decrypted copy of obj, or nil when obj holds nothing encrypted or opted out. obj is
// never modified. A SOPS-encrypted object is decrypted whole; in a Secret without a sops stanza, each data
// entry holding a SOPS-encrypted file (a secretGenerator file that was not decrypted before the build) is
// decrypted and written in the format of the entry's name, as Flux does. Errors name the object (and entry)
// and the reason, never a value.
func (d *Decryptor) DecryptObject(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	if DecryptionDisabled(obj) {
		return nil, nil
	}
	var (
		out *unstructured.Unstructured
		err error
	)
	switch {
	case isDocument(obj):
		out, err = d.decryptDocument(obj)
	case obj.GetKind() == "Secret" && obj.GetAPIVersion() == "v1":
		out, err = d.decryptEntries(obj)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("decrypting %s: %w", objectRef(obj), err)
	}
	if out != nil && out.GetKind() == "Secret" {
		if err := checkSecret(out); err != nil {
			return nil, fmt.Errorf("decrypting %s: %w", objectRef(obj), err)
		}
	}
	return out, nil
}

// decryptDocument decrypts a SOPS-encrypted object, read and written as JSON.
func (d *Decryptor) decryptDocument(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	data, err := obj.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding it: %w", err)
	}
	plain, err := d.decrypt(data, formats.Json, formats.Json, false)
	if err != nil {
		return nil, err
	}
	out := &unstructured.Unstructured{}
	if err := out.UnmarshalJSON(plain); err != nil {
		return nil, fmt.Errorf("the decrypted document is not a Kubernetes object")
	}
	if out.GetKind() != obj.GetKind() || out.GetName() != obj.GetName() || out.GetNamespace() != obj.GetNamespace() {
		return nil, fmt.Errorf("the decrypted document is another object: its kind, name and namespace must not be encrypted")
	}
	return out, nil
}

// decryptEntries decrypts the data entries of a Secret that hold a SOPS-encrypted file; nil when none does.
func (d *Decryptor) decryptEntries(obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	data, ok := obj.Object["data"].(map[string]any)
	if !ok {
		return nil, nil
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out *unstructured.Unstructured
	for _, k := range keys {
		s, _ := data[k].(string)
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			// Not base64: left for the API server to refuse, as in Flux.
			continue
		}
		in, ok := detectFormat(raw)
		if !ok {
			continue
		}
		plain, err := d.decrypt(raw, in, formatForPath(k), true)
		if err != nil {
			return nil, fmt.Errorf("data entry '%s': %w", k, err)
		}
		if out == nil {
			out = obj.DeepCopy()
		}
		if err := unstructured.SetNestedField(out.Object, base64.StdEncoding.EncodeToString(plain), "data", k); err != nil {
			return nil, fmt.Errorf("data entry '%s': %w", k, err)
		}
	}
	return out, nil
}

// detectFormat returns the format of a SOPS-encrypted file from its marker bytes; false when it is not one.
func detectFormat(data []byte) (formats.Format, bool) {
	// Binary files are encrypted into a JSON envelope, which the JSON store reads.
	for _, f := range []formats.Format{formats.Dotenv, formats.Yaml, formats.Json, formats.Ini} {
		if isEncrypted(data, f) {
			return f, true
		}
	}
	return formats.Binary, false
}

// formatForPath is the format of a file by its name, as sops and Flux choose it: .yaml/.yml, .json, .env,
// .ini, a Docker config (.dockerconfigjson) as JSON, anything else binary.
func formatForPath(path string) formats.Format {
	if strings.HasSuffix(path, corev1.DockerConfigJsonKey) {
		return formats.Json
	}
	return formats.FormatForPath(path)
}

// checkSecret refuses a decrypted Secret whose values the API server would reject while quoting them: data
// values must be base64 strings and stringData values strings (a number encrypted unquoted decrypts as a
// number).
func checkSecret(obj *unstructured.Unstructured) error {
	for _, field := range []string{"data", "stringData"} {
		raw, found := obj.Object[field]
		if !found || raw == nil {
			continue
		}
		m, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not a map after decryption", field)
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("%s entry '%s' is not a string after decryption: quote the value before encrypting it", field, k)
			}
			if field == "data" {
				if _, err := base64.StdEncoding.DecodeString(s); err != nil {
					return fmt.Errorf("data entry '%s' is not base64 after decryption: put plain values in stringData", k)
				}
			}
		}
	}
	return nil
}

// objectRef names an object in messages: "Secret prod/db-password".
func objectRef(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return obj.GetKind() + " " + ns + "/" + obj.GetName()
	}
	return obj.GetKind() + " " + obj.GetName()
}
