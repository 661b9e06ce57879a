/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package git

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Sentinel errors that callers test with errors.Is; the messages of the errors wrapping them say more.
var (
	// ErrAuthentication: the server refused the credentials (or their absence).
	ErrAuthentication = errors.New("authentication failed")
	// ErrReferenceNotFound: the branch, tag, reference, commit or semver match does not exist.
	ErrReferenceNotFound = errors.New("not found")
	// ErrRepositoryNotFound: the server has no repository at the URL.
	ErrRepositoryNotFound = errors.New("repository not found")
	// ErrUnreachable: the server could not be reached (refused connection, unknown host, timeout).
	ErrUnreachable = errors.New("unreachable")
	// ErrHostKey: the SSH host key is not the one in known_hosts.
	ErrHostKey = errors.New("host key verification failed")
	// ErrTLS: the server's TLS certificate is not trusted.
	ErrTLS = errors.New("TLS certificate not trusted")
	// ErrSignature: a signature is missing or no trusted key verifies it.
	ErrSignature = errors.New("signature verification failed")
)

// kindError is an error with its own message that matches a sentinel and unwraps to its cause.
type kindError struct {
	kind error
	msg  string
	err  error
}

func (e *kindError) Error() string   { return e.msg }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

func notFound(format string, args ...any) error {
	return &kindError{kind: ErrReferenceNotFound, msg: fmt.Sprintf(format, args...)}
}

// classify turns an error of a remote operation on url into one whose message tells a user what went wrong,
// matching one of the sentinel errors when it can.
func classify(url string, err error) error {
	if err == nil {
		return nil
	}
	if _, done := err.(*kindError); done {
		return err
	}
	msg := err.Error()
	k := func(kind error, format string, args ...any) error {
		return &kindError{kind: kind, msg: fmt.Sprintf(format, args...), err: err}
	}
	var (
		netErr     *net.OpError
		dnsErr     *net.DNSError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		verifyErr  *tls.CertificateVerificationError
		refSpecErr gogit.NoMatchingRefSpecError
	)
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed),
		strings.Contains(msg, "unable to authenticate"):
		return k(ErrAuthentication, "authentication to %s failed, check the credentials in the secret: %s", url, msg)
	case errors.Is(err, ErrHostKey), strings.Contains(msg, "handshake failed") && strings.Contains(msg, "known_hosts"):
		return k(ErrHostKey, "SSH host key verification for %s failed, check 'known_hosts' in the secret: %s", url, msg)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &verifyErr):
		return k(ErrTLS, "TLS certificate of %s is not trusted (add its CA to the secret as 'ca.crt'): %s", url, msg)
	case errors.Is(err, context.DeadlineExceeded):
		return k(ErrUnreachable, "timed out talking to %s: %s", url, msg)
	case errors.As(err, &dnsErr), errors.As(err, &netErr), strings.Contains(msg, "connection refused"):
		return k(ErrUnreachable, "unable to reach %s: %s", url, msg)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return k(ErrRepositoryNotFound, "repository %s not found: %s", url, msg)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return k(ErrReferenceNotFound, "repository %s is empty", url)
	case errors.As(err, &refSpecErr):
		return k(ErrReferenceNotFound, "%s", msg)
	}
	return fmt.Errorf("%s: %w", url, err)
}
