/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3/cmd/sops/formats"
)

// formatNames name the SOPS formats in messages.
var formatNames = map[formats.Format]string{
	formats.Binary: "binary",
	formats.Dotenv: "dotenv",
	formats.Ini:    "INI",
	formats.Json:   "JSON",
	formats.Yaml:   "YAML",
}

// markers are the bytes that only a SOPS-encrypted document of each format contains (its encrypted MAC), as
// Flux detects them. A binary file is encrypted into a JSON envelope.
var markers = map[formats.Format][]byte{
	formats.Binary: []byte(`"mac": "ENC[`),
	formats.Dotenv: []byte("sops_mac=ENC["),
	formats.Ini:    []byte("[sops]"),
	formats.Json:   []byte(`"mac": "ENC[`),
	formats.Yaml:   []byte("mac: ENC["),
}

// isEncrypted reports whether data looks like a SOPS document of format f.
func isEncrypted(data []byte, f formats.Format) bool {
	return bytes.Contains(data, markers[f])
}

// decrypt returns the plaintext of the SOPS document data, read in format in and written in format out, byte
// for byte as sops writes it. verifyMAC checks the document's MAC, which only holds for a document as sops
// wrote it (a file, or a Secret data entry holding a file); kustomize rewrites the objects it builds (key
// order, namespace, labels), so their MAC is not checked, as in Flux, but every encrypted value is still
// authenticated by AES-GCM with its path. Errors never quote a value or a MAC.
func (d *Decryptor) decrypt(data []byte, in, out formats.Format, verifyMAC bool) (plain []byte, err error) {
	defer func() {
		// A last resort: the code below is written not to panic, and a panic value could hold a value.
		if r := recover(); r != nil {
			plain, err = nil, fmt.Errorf("malformed SOPS %s document", formatNames[in])
		}
	}()
	branches, meta, err := load(data, in)
	if err != nil {
		return nil, fmt.Errorf("not a valid SOPS %s document: %s", formatNames[in], shorten(err.Error()))
	}
	key, err := d.dataKey(meta)
	if err != nil {
		return nil, d.noKeyError(meta)
	}
	mac, err := decryptTree(branches, meta, key)
	if err != nil {
		return nil, err
	}
	if verifyMAC {
		if err := checkMAC(meta, key, mac); err != nil {
			return nil, err
		}
	}
	plain, err = emit(branches, out)
	if err != nil {
		return nil, fmt.Errorf("the decrypted %s document cannot be written as %s: %w", formatNames[in], formatNames[out], err)
	}
	return plain, nil
}

// load reads a document and its metadata. A binary document is a JSON envelope.
func load(data []byte, f formats.Format) ([]mapping, *metadata, error) {
	var (
		branches []mapping
		err      error
	)
	switch f {
	case formats.Yaml:
		branches, err = loadYAML(data)
	case formats.Dotenv:
		branches, err = loadDotenv(data)
	case formats.Ini:
		branches, err = loadINI(data)
	default:
		branches, err = loadJSON(data)
	}
	if err != nil {
		return nil, nil, err
	}
	var meta *metadata
	switch f {
	case formats.Dotenv:
		var flat mapping
		if flat, err = extractFlat(branches); err == nil {
			var fs fields
			if fs, err = unflatten(flat); err == nil {
				meta, err = parseMetadata(fs)
			}
		}
	case formats.Ini:
		meta, err = iniMetadata(branches)
	default:
		var nested mapping
		if nested, err = extractNested(branches); err == nil {
			meta, err = nestedMetadata(nested)
		}
	}
	return branches, meta, err
}

// emit writes decrypted branches in format f.
func emit(branches []mapping, f formats.Format) ([]byte, error) {
	switch f {
	case formats.Yaml:
		return emitYAML(branches)
	case formats.Json:
		return emitJSON(branches)
	case formats.Dotenv:
		return emitDotenv(branches)
	case formats.Ini:
		return emitINI(branches)
	default:
		return emitBinary(branches)
	}
}

// shorten cuts a load error to 200 bytes. Load errors describe the encrypted document (whose plain parts are
// plain by the author's choice), never a decrypted value.
func shorten(msg string) string {
	if len(msg) > 200 {
		return msg[:200] + "..."
	}
	return msg
}

// errMACMismatch is a document changed after sops wrote it.
var errMACMismatch = errors.New("MAC mismatch: the document was changed after it was encrypted " +
	"(edit it with sops, or encrypt it again)")

// checkMAC compares, in constant time, the document's MAC (decrypted with its lastmodified time as
// additional data) with the one computed while decrypting, as `sops --decrypt` does.
func checkMAC(m *metadata, key []byte, computed string) error {
	if m.mac == "" {
		return errors.New("the document has no MAC")
	}
	c := &valueCipher{key: key}
	stored, err := c.decrypt(m.mac, m.lastModified.Format(time.RFC3339))
	s, ok := stored.(string)
	if err != nil || !ok || subtle.ConstantTimeCompare([]byte(s), []byte(computed)) != 1 {
		return errMACMismatch
	}
	return nil
}
