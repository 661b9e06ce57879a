/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Signature is the identity and time of an author, committer or tagger.
type Signature struct {
	Name  string
	Email string
	When  time.Time
}

// Commit is the commit a reference resolved to, with what signature verification needs.
type Commit struct {
	// Hash is the hexadecimal SHA-1 of the commit.
	Hash string
	// Reference is the full name of the reference checked out ("refs/heads/main", "refs/tags/v1"); empty
	// for a commit checked out by hash without a branch.
	Reference string
	// Revision is the Flux revision string: "main@sha1:<hash>", "v1.0.0@sha1:<hash>",
	// "refs/pull/1/head@sha1:<hash>" or "sha1:<hash>".
	Revision string
	// Message is the full commit message.
	Message string
	// Author and Committer of the commit.
	Author, Committer Signature
	// Signature is the armored signature of the commit ("-----BEGIN PGP SIGNATURE-----" or
	// "-----BEGIN SSH SIGNATURE-----"); empty when unsigned.
	Signature string
	// Encoded is the commit object without its signature: the payload the signature covers.
	Encoded []byte
	// Tag is the annotated tag the reference pointed to; nil for branches, commits and lightweight tags.
	Tag *Tag
}

// Tag is an annotated tag object.
type Tag struct {
	// Name is the tag's name ("v1.0.0").
	Name string
	// Hash is the hexadecimal SHA-1 of the tag object.
	Hash string
	// Message is the tag message, without the signature.
	Message string
	// Tagger of the tag.
	Tagger Signature
	// Signature is the armored signature of the tag; empty when unsigned.
	Signature string
	// Encoded is the tag object without its signature: the payload the signature covers.
	Encoded []byte
}

// ShortMessage returns the first line of the commit message, cut to 80 characters, for events.
func (c *Commit) ShortMessage() string {
	line, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	if len(line) > 80 {
		line = line[:77] + "..."
	}
	return line
}

func signatureOf(s object.Signature) Signature {
	return Signature{Name: s.Name, Email: s.Email, When: s.When}
}

// encodedWithoutSignature returns the payload a signature of o covers.
func encodedWithoutSignature(encode func(plumbing.EncodedObject) error) ([]byte, error) {
	obj := &plumbing.MemoryObject{}
	if err := encode(obj); err != nil {
		return nil, err
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	return io.ReadAll(r)
}

// newCommit builds a Commit from a go-git commit object.
func newCommit(c *object.Commit, reference, revisionName string) (*Commit, error) {
	encoded, err := encodedWithoutSignature(c.EncodeWithoutSignature)
	if err != nil {
		return nil, fmt.Errorf("encoding commit %s: %w", c.Hash, err)
	}
	return &Commit{
		Hash:      c.Hash.String(),
		Reference: reference,
		Revision:  Revision(revisionName, c.Hash.String()),
		Message:   c.Message,
		Author:    signatureOf(c.Author),
		Committer: signatureOf(c.Committer),
		Signature: c.PGPSignature,
		Encoded:   encoded,
	}, nil
}

// newTag builds a Tag from a go-git tag object.
func newTag(t *object.Tag) (*Tag, error) {
	encoded, err := encodedWithoutSignature(t.EncodeWithoutSignature)
	if err != nil {
		return nil, fmt.Errorf("encoding tag %s: %w", t.Name, err)
	}
	return &Tag{
		Name:      t.Name,
		Hash:      t.Hash.String(),
		Message:   t.Message,
		Tagger:    signatureOf(t.Tagger),
		Signature: t.PGPSignature,
		Encoded:   encoded,
	}, nil
}
