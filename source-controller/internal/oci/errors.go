/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package oci

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kinds of errors, for errors.Is; the messages of the wrapping errors are meant for users.
var (
	// ErrInvalid marks a wrong spec or Secret: retrying will not help until the object changes.
	ErrInvalid = errors.New("invalid OCIRepository settings")
	// ErrUnsupported marks a setting that this controller does not implement.
	ErrUnsupported = errors.New("not supported")
	// ErrAuth marks a registry that refused the request: missing or wrong credentials, or no access.
	ErrAuth = errors.New("registry authentication failed")
	// ErrNotFound marks a repository, tag, digest or semver range that matches nothing in the registry.
	ErrNotFound = errors.New("not found in the registry")
	// ErrNoLayer marks an artifact without a layer that matches the layer selector.
	ErrNoLayer = errors.New("no matching layer in the artifact")
)

// kindError is an error of one of the kinds above with its own message and an optional cause.
type kindError struct {
	kind       error
	msg        string
	cause      error
	printCause bool
}

// Error returns the message, followed by the cause when it adds information.
func (e *kindError) Error() string {
	if e.printCause && e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

// Unwrap returns the kind and the cause.
func (e *kindError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// invalid returns an ErrInvalid error; cause, when not nil, is appended to the message.
func invalid(cause error, format string, args ...any) error {
	return &kindError{kind: ErrInvalid, msg: fmt.Sprintf(format, args...), cause: cause, printCause: true}
}

// unsupported returns an ErrUnsupported error.
func unsupported(format string, args ...any) error {
	return &kindError{kind: ErrUnsupported, msg: fmt.Sprintf(format, args...)}
}

// registryError turns an error of a registry request into a message for users. op says what was being done
// ("resolving tag '1.0.0' of host/repo"); withCreds tells whether credentials were sent.
func registryError(op string, withCreds bool, err error) error {
	// TLS problems first: go-containerregistry may report them together with a failed plain-HTTP attempt.
	if msg := tlsProblem(err); msg != "" {
		return &kindError{kind: errTLS, msg: op + ": " + msg, cause: err}
	}
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return fmt.Errorf("%s: %w", op, err)
	}
	code := ""
	if len(terr.Errors) > 0 && terr.Errors[0].Code != "" {
		code = " " + string(terr.Errors[0].Code)
	}
	status := fmt.Sprintf("(%d %s%s)", terr.StatusCode, http.StatusText(terr.StatusCode), code)
	switch terr.StatusCode {
	case http.StatusUnauthorized:
		msg := "the registry requires credentials " + status + "; set spec.secretRef to a " +
			"kubernetes.io/dockerconfigjson Secret"
		if withCreds {
			msg = "the registry rejected the credentials of spec.secretRef " + status
		}
		return &kindError{kind: ErrAuth, msg: op + ": " + msg, cause: err}
	case http.StatusForbidden:
		return &kindError{kind: ErrAuth, msg: op + ": access denied " + status, cause: err}
	case http.StatusNotFound:
		return &kindError{kind: ErrNotFound, msg: op + ": not found in the registry " + status, cause: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// errTLS marks TLS failures; it is not exported because callers treat them like other network errors.
var errTLS = errors.New("TLS failure")

// tlsProblem explains common TLS mistakes, or returns "".
func tlsProblem(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknownCA):
		return "the registry's TLS certificate is signed by an unknown authority; put that CA under 'ca.crt' " +
			"in the spec.certSecretRef Secret (" + unknownCA.Error() + ")"
	case errors.As(err, &hostname):
		return "the registry's TLS certificate is not valid for its address (" + hostname.Error() + ")"
	case errors.As(err, &invalidCert):
		return "the registry's TLS certificate is not valid (" + invalidCert.Error() + ")"
	case strings.Contains(err.Error(), "tls: bad certificate"), strings.Contains(err.Error(), "certificate required"):
		return "the registry refused the TLS client certificate; put one it trusts under 'tls.crt' and " +
			"'tls.key' in the spec.certSecretRef Secret (" + err.Error() + ")"
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the registry answers plain HTTP; set spec.insecure to true to allow it (" + err.Error() + ")"
	}
	return ""
}
