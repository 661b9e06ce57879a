/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Index maps object keys to their ETags.
type Index map[string]string

// Keys returns the keys in sorted order.
func (idx Index) Keys() []string {
	keys := make([]string, 0, len(idx))
	for k := range idx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Revision returns Flux's Bucket revision of the index: "sha256:" and the hex SHA-256 of one line
// "<key> <etag>\n" per key, keys sorted bytewise. An empty index gives the digest of no bytes.
func Revision(idx Index) string {
	h := sha256.New()
	for _, k := range idx.Keys() {
		_, _ = io.WriteString(h, k+" "+idx[k]+"\n")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// UnsafeKeyError reports an object key that cannot be written as a file inside the download directory.
type UnsafeKeyError struct {
	Key    string
	Reason string
}

// Error implements error.
func (e *UnsafeKeyError) Error() string {
	return fmt.Sprintf("object key %q is not a safe relative path (%s); exclude it with spec.ignore or rename it",
		e.Key, e.Reason)
}

// LocalPath maps an object key to the relative file path it is downloaded to. Only canonical relative keys
// are accepted, so a key maps to exactly one path and no path leaves the directory: an empty key, a key
// starting with "/", an empty, "." or ".." segment (also between backslashes), a NUL byte or a trailing "/" is
// refused with an *UnsafeKeyError.
func LocalPath(key string) (string, error) {
	reason := unsafeReason(key)
	if reason != "" {
		return "", &UnsafeKeyError{Key: key, Reason: reason}
	}
	return filepath.FromSlash(key), nil
}

// unsafeReason says why key is refused, or "" when it is safe.
func unsafeReason(key string) string {
	switch {
	case key == "":
		return "empty"
	case strings.HasPrefix(key, "/"):
		return "absolute path"
	case strings.IndexByte(key, 0) >= 0:
		return "contains a NUL byte"
	case strings.HasSuffix(key, "/"):
		return "directory marker"
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" {
			return "empty path segment"
		}
		// Backslash is a separator on Windows and to some servers; refuse dot segments between them too.
		for part := range strings.SplitSeq(seg, `\`) {
			if part == "." || part == ".." {
				return "'.' or '..' path segment"
			}
		}
	}
	return ""
}
