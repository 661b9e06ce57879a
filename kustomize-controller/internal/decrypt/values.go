/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package decrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Errors of value decryption. None quotes a value: they are descriptions only.
var (
	errNotEncrypted = errors.New("a value that the document's rules say is encrypted is not: " +
		"was it added or edited without sops?")
	errMalformedValue = errors.New("an encrypted value is malformed: its ENC[...] fields are not base64")
	errAuthentication = errors.New("a value fails authentication: it was changed after encryption, " +
		"or belongs to another document")
	errUnknownType  = errors.New("an encrypted value has an unknown type tag")
	errTypeMismatch = errors.New("a decrypted value does not match the type of its ENC[...] tag: " +
		"the tag was changed")
	errBytesType = errors.New("an encrypted value has the type tag 'bytes', which sops cannot decrypt " +
		"either: encrypt the document again with sops")
	errDataKey = errors.New("the document's data key has an invalid length")
)

// encryptedValue matches a value sops encrypted: ENC[AES256_GCM,data:<base64>,iv:<base64>,tag:<base64>,
// type:<type>]. Like sops, the fields are matched greedily, on the first line, and anything after the
// closing bracket is ignored.
var encryptedValue = regexp.MustCompile(
	`^ENC\[AES256_GCM,data:(?P<data>.+),iv:(?P<iv>.+),tag:(?P<tag>.+),type:(?P<type>.+)\]`)

// valueCipher decrypts the values of one document with its data key.
type valueCipher struct {
	key   []byte
	block cipher.Block
}

// decrypt returns the plaintext of an encrypted value, typed by its tag; additionalData is the value's path,
// which AES-GCM authenticates with it. An empty value is the empty string, as sops writes empty values
// unencrypted.
func (c *valueCipher) decrypt(value, additionalData string) (any, error) {
	if value == "" {
		return "", nil
	}
	m := encryptedValue.FindStringSubmatch(value)
	if m == nil {
		return nil, errNotEncrypted
	}
	var fields [3][]byte
	for i, s := range m[1:4] {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errMalformedValue
		}
		fields[i] = b
	}
	plain, err := c.open(fields[0], fields[1], fields[2], additionalData)
	if err != nil {
		return nil, err
	}
	return typed(plain, m[4])
}

// open authenticates and decrypts data with AES-GCM, with a nonce as long as the IV sops wrote (32 bytes).
func (c *valueCipher) open(data, iv, tag []byte, additionalData string) ([]byte, error) {
	if c.block == nil {
		block, err := aes.NewCipher(c.key)
		if err != nil {
			return nil, errDataKey
		}
		c.block = block
	}
	gcm, err := cipher.NewGCMWithNonceSize(c.block, len(iv))
	if err != nil {
		return nil, errMalformedValue
	}
	sealed := make([]byte, 0, len(data)+len(tag))
	sealed = append(append(sealed, data...), tag...)
	plain, err := gcm.Open(nil, iv, sealed, []byte(additionalData))
	if err != nil {
		return nil, errAuthentication
	}
	return plain, nil
}

// typed converts a decrypted value to the type of its tag, as sops writes them: str, int, float, bool (as
// strconv parses them), time (RFC 3339) and comment. sops cannot decrypt the bytes type (it fails on it), so
// it is refused.
func typed(plain []byte, tag string) (any, error) {
	s := string(plain)
	var (
		v   any
		err error
	)
	switch tag {
	case "str":
		return s, nil
	case "int":
		v, err = strconv.Atoi(s)
	case "float":
		v, err = strconv.ParseFloat(s, 64)
	case "bool":
		v, err = strconv.ParseBool(s)
	case "time":
		var t time.Time
		err = t.UnmarshalText(plain)
		v = t
	case "comment":
		return comment{Value: s}, nil
	case "bytes":
		return nil, errBytesType
	default:
		return nil, errUnknownType
	}
	if err != nil {
		return nil, errTypeMismatch
	}
	return v, nil
}

// macBytes is what a plaintext value adds to the MAC, as sops hashes it: numbers in shortest decimal form,
// booleans as True and False, times in RFC 3339 with nanoseconds.
func macBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case []byte:
		return v, nil
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return nil, errors.New("a time value cannot be written in RFC 3339")
		}
		return b, nil
	case comment:
		return []byte(v.Value), nil
	default:
		return nil, fmt.Errorf("a value has the type %T, which sops does not support", v)
	}
}
