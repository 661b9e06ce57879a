/*
Copyright 2026 The tide authors.

SPDX-License-Identifier: Apache-2.0
*/

package bucket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/minio/minio-go/v7"
)

// Errors the client wraps, for the reconciler to choose a condition reason with errors.Is.
var (
	// ErrAuthentication: the endpoint refused the credentials (wrong keys, no permission).
	ErrAuthentication = errors.New("authentication failed")
	// ErrBucketNotFound: the bucket does not exist at the endpoint.
	ErrBucketNotFound = errors.New("bucket not found")
	// ErrUnreachable: no connection to the endpoint (DNS, refused, timed out, TLS handshake).
	ErrUnreachable = errors.New("endpoint unreachable")
)

// authCodes are the S3 error codes of refused credentials.
var authCodes = map[string]bool{
	"AccessDenied":                 true,
	"InvalidAccessKeyId":           true,
	"SignatureDoesNotMatch":        true,
	"InvalidToken":                 true,
	"ExpiredToken":                 true,
	"AuthorizationHeaderMalformed": true,
	"AllAccessDisabled":            true,
}

// kindError is an error of one of the Err* kinds with its own message; it unwraps to the kind and the cause.
type kindError struct {
	kind, cause error
	msg         string
}

// Error implements error.
func (e *kindError) Error() string { return e.msg }

// Unwrap lets errors.Is and errors.As see the kind and the cause.
func (e *kindError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// newKind returns an error of kind with a formatted message and cause.
func newKind(kind, cause error, format string, args ...any) error {
	return &kindError{kind: kind, cause: cause, msg: fmt.Sprintf(format, args...)}
}

// describe wraps err from an operation (format and args) with one of the Err* sentinels where it applies and
// a message a user can act on.
func (c *Client) describe(ctx context.Context, err error, format string, args ...any) error {
	op := fmt.Sprintf(format, args...)
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		msg := resp.Message
		if msg == "" {
			msg = resp.Code
		}
		switch {
		case resp.Code == "NoSuchBucket":
			return newKind(ErrBucketNotFound, err, "bucket '%s' does not exist at %s", c.opts.BucketName, c.host)
		case authCodes[resp.Code]:
			hint := "check the accesskey and secretkey of spec.secretRef"
			if c.opts.AccessKey == "" {
				hint = "the bucket is not public: set spec.secretRef to a Secret with accesskey and secretkey"
			}
			return newKind(ErrAuthentication, err, "%s at %s: %s (%s); %s", op, c.host, msg, resp.Code, hint)
		}
		return fmt.Errorf("%s at %s: %s (%s)", op, c.host, msg, resp.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
		return newKind(ErrUnreachable, err, "%s at %s: timed out after %s (spec.timeout)", op, c.host, c.opts.Timeout)
	}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	if errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &recErr) {
		return newKind(ErrUnreachable, err,
			"%s: TLS with %s failed: %v; set spec.certSecretRef to a Secret with the CA in '%s', or spec.insecure for plain HTTP",
			op, c.host, err, CACertKey)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return newKind(ErrUnreachable, err, "%s: %s serves plain HTTP: set spec.insecure to true to allow it", op, c.host)
	}
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.As(err, &netErr) {
		return newKind(ErrUnreachable, err, "%s: cannot reach %s: %v", op, c.host, err)
	}
	return fmt.Errorf("%s at %s: %w", op, c.host, err)
}
