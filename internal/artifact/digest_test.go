/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package artifact

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDigest(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := DigestBytes([]byte(tt.in)); got != tt.want {
			t.Errorf("DigestBytes(%q) = %s, want %s", tt.in, got, tt.want)
		}
		dw := NewDigestWriter()
		io.WriteString(dw, tt.in)
		if dw.Digest() != tt.want || dw.Size() != int64(len(tt.in)) {
			t.Errorf("DigestWriter(%q) = %s, %d", tt.in, dw.Digest(), dw.Size())
		}
		got, n, err := DigestOf(strings.NewReader(tt.in))
		if err != nil || got != tt.want || n != int64(len(tt.in)) {
			t.Errorf("DigestOf(%q) = %s, %d, %v", tt.in, got, n, err)
		}
	}
}

func TestVerifyingReader(t *testing.T) {
	const content = "abc"
	tests := []struct {
		name      string
		want      string
		invalid   bool
		mismatch  bool
		readFirst int // bytes read before Verify; -1 reads all
	}{
		{name: "sha256 match", want: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", readFirst: -1},
		{name: "sha512 match", want: "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", readFirst: -1},
		{name: "mismatch", want: DigestBytes([]byte("abd")), mismatch: true, readFirst: -1},
		{name: "partial read mismatches", want: DigestBytes([]byte(content)), mismatch: true, readFirst: 2},
		{name: "no algorithm", want: "ba7816bf", invalid: true},
		{name: "unknown algorithm", want: "md5:900150983cd24fb0d6963f7d28e17f72", invalid: true},
		{name: "bad hex length", want: "sha256:abc", invalid: true},
		{name: "empty", want: "", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vr, err := NewVerifyingReader(strings.NewReader(content), tt.want)
			if tt.invalid {
				if err == nil {
					t.Fatal("expected an invalid digest error")
				}
				if ValidateDigest(tt.want) == nil {
					t.Error("ValidateDigest accepted it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.readFirst < 0 {
				_, err = io.Copy(io.Discard, vr)
			} else {
				_, err = io.CopyN(io.Discard, vr, int64(tt.readFirst))
			}
			if err != nil {
				t.Fatal(err)
			}
			err = vr.Verify()
			var mm *DigestMismatchError
			if tt.mismatch != errors.As(err, &mm) || (!tt.mismatch && err != nil) {
				t.Fatalf("Verify() = %v, mismatch expected: %v", err, tt.mismatch)
			}
		})
	}
}

func TestVerifyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, n, err := DigestFile(p)
	if err != nil || n != 3 || d != DigestBytes([]byte("abc")) {
		t.Fatalf("DigestFile = %s, %d, %v", d, n, err)
	}
	if err := VerifyFile(p, d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("abd"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mm *DigestMismatchError
	if err := VerifyFile(p, d); !errors.As(err, &mm) {
		t.Fatalf("VerifyFile of a changed file = %v, want a mismatch", err)
	}
	if err := VerifyFile(p+".missing", d); err == nil {
		t.Fatal("VerifyFile of a missing file succeeded")
	}
}
