/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	_ "crypto/sha256" // registers sha256 for go-digest
	_ "crypto/sha512" // registers sha384 and sha512 for go-digest
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
)

// DigestMismatchError reports content whose digest differs from the expected one.
type DigestMismatchError struct {
	// Want is the expected digest.
	Want string
	// Got is the digest of the content actually read.
	Got string
}

// Error implements error.
func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("digest mismatch: expected %s, got %s", e.Want, e.Got)
}

// ValidateDigest checks that s is a digest "<algorithm>:<hex>" of a supported algorithm
// (sha256, sha384 or sha512).
func ValidateDigest(s string) error {
	if _, err := digest.Parse(s); err != nil {
		return fmt.Errorf("invalid digest %q: %w", s, err)
	}
	return nil
}

// DigestBytes returns the "sha256:<hex>" digest of b.
func DigestBytes(b []byte) string {
	return digest.Canonical.FromBytes(b).String()
}

// DigestOf reads r to its end and returns its "sha256:<hex>" digest and size.
func DigestOf(r io.Reader) (string, int64, error) {
	dr := NewDigestReader(r)
	if _, err := io.Copy(io.Discard, dr); err != nil {
		return "", dr.Size(), fmt.Errorf("reading content to digest: %w", err)
	}
	return dr.Digest(), dr.Size(), nil
}

// DigestFile returns the "sha256:<hex>" digest and size of the file at path.
func DigestFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("opening %s to digest: %w", path, err)
	}
	defer f.Close()
	d, n, err := DigestOf(f)
	if err != nil {
		return "", n, fmt.Errorf("digesting %s: %w", path, err)
	}
	return d, n, nil
}

// VerifyFile checks that the file at path has the digest want, whatever its algorithm.
func VerifyFile(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening %s to verify: %w", path, err)
	}
	defer f.Close()
	vr, err := NewVerifyingReader(f, want)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, vr); err != nil {
		return fmt.Errorf("reading %s to verify: %w", path, err)
	}
	if err := vr.Verify(); err != nil {
		return fmt.Errorf("verifying %s: %w", path, err)
	}
	return nil
}

// DigestWriter hashes and counts what is written to it, for use with io.MultiWriter.
type DigestWriter struct {
	digester digest.Digester
	n        int64
}

// NewDigestWriter returns a DigestWriter computing a sha256 digest.
func NewDigestWriter() *DigestWriter {
	return &DigestWriter{digester: digest.Canonical.Digester()}
}

// Write implements io.Writer; it never fails.
func (d *DigestWriter) Write(p []byte) (int, error) {
	d.digester.Hash().Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

// Digest returns the "sha256:<hex>" digest of the bytes written so far.
func (d *DigestWriter) Digest() string {
	return d.digester.Digest().String()
}

// Size returns the number of bytes written so far.
func (d *DigestWriter) Size() int64 {
	return d.n
}

// DigestReader passes reads through while hashing them, and can verify the result against an
// expected digest once the content was read to its end.
type DigestReader struct {
	r        io.Reader
	digester digest.Digester
	want     digest.Digest
	n        int64
}

// NewDigestReader returns a DigestReader that computes the sha256 digest of what is read from r.
func NewDigestReader(r io.Reader) *DigestReader {
	return &DigestReader{r: r, digester: digest.Canonical.Digester()}
}

// NewVerifyingReader returns a DigestReader that hashes r with the algorithm of want, for
// Verify to compare once r was read to its end. It fails when want is not a valid digest.
func NewVerifyingReader(r io.Reader, want string) (*DigestReader, error) {
	d, err := digest.Parse(want)
	if err != nil {
		return nil, fmt.Errorf("invalid expected digest %q: %w", want, err)
	}
	return &DigestReader{r: r, digester: d.Algorithm().Digester(), want: d}, nil
}

// Read implements io.Reader.
func (d *DigestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if n > 0 {
		d.digester.Hash().Write(p[:n])
		d.n += int64(n)
	}
	return n, err
}

// Digest returns the digest of the bytes read so far.
func (d *DigestReader) Digest() string {
	return d.digester.Digest().String()
}

// Size returns the number of bytes read so far.
func (d *DigestReader) Size() int64 {
	return d.n
}

// Verify compares the digest of the bytes read so far with the expected digest and returns a
// *DigestMismatchError when they differ.
func (d *DigestReader) Verify() error {
	if d.want == "" {
		return fmt.Errorf("no expected digest to verify against")
	}
	if got := d.digester.Digest(); got != d.want {
		return &DigestMismatchError{Want: d.want.String(), Got: got.String()}
	}
	return nil
}
