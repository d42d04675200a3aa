package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/minio/minio-go/v7"
)

// Errors callers branch on with [errors.Is]. A failed request is an [*Error]
// that wraps one of the first six (or none, when no kind fits) and the
// client's own error.
var (
	// ErrConfig: the configuration or the target is not usable.
	ErrConfig = errors.New("bucket: bad configuration")
	// ErrUnreachable: the endpoint could not be reached (connection
	// refused, name not found, timeout) or answered with a server error.
	ErrUnreachable = errors.New("bucket: endpoint unreachable or failing")
	// ErrCredentials: the endpoint refused the key (unknown key id, wrong
	// secret, expired token).
	ErrCredentials = errors.New("bucket: credentials refused")
	// ErrNoBucket: the bucket does not exist.
	ErrNoBucket = errors.New("bucket: no such bucket")
	// ErrForbidden: the key is valid but may not do this.
	ErrForbidden = errors.New("bucket: access denied")
	// ErrFull: the store is out of space or over a quota.
	ErrFull = errors.New("bucket: storage full or quota exceeded")

	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("bucket: no such object")
	// ErrConflict: a conditional write found the object changed (or
	// present, or absent) since it was read.
	ErrConflict = errors.New("bucket: object changed by another writer")
	// ErrLeaseHeld: another publisher holds an unexpired lease on the prefix.
	ErrLeaseHeld = errors.New("bucket: another publisher holds the lease")
	// ErrLeaseLost: the lease was taken over by another publisher after it
	// expired; whoever held it must stop writing.
	ErrLeaseLost = errors.New("bucket: lease lost to another publisher")
)

// hints say, per kind, what the operator should check.
var hints = map[error]string{
	ErrUnreachable: "check " + envEndpointS3 + " (or " + envEndpoint + ") and that the endpoint is up",
	ErrCredentials: "check " + envKeyID + " and " + envSecret + " (or the AWS profile)",
	ErrNoBucket:    "create the bucket, or check the bucket name of the target",
	ErrForbidden:   "the key needs to list, get, put and delete objects under the prefix",
	ErrFull:        "free space or raise the quota of the bucket",
}

// Error is a failed request to the store.
type Error struct {
	Op       string // "put", "get", "list", "delete", "lease"...
	Endpoint string // the endpoint's URL
	Bucket   string
	Key      string // the full object name, or "" for bucket-wide operations
	Kind     error  // ErrUnreachable, ErrCredentials, ...; nil when none fits
	Err      error  // the client's error
}

// Error reads "put s3://site/www/rss.xml at http://127.0.0.1:8333:
// bucket: credentials refused (check ...): <what the endpoint said>".
func (e *Error) Error() string {
	what := e.Err.Error()
	if e.Kind != nil {
		what = e.Kind.Error()
		if h := hints[e.Kind]; h != "" {
			what += " (" + h + ")"
		}
		what += ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s s3://%s/%s at %s: %s", e.Op, e.Bucket, e.Key, e.Endpoint, what)
}

// Unwrap returns the kind (when there is one) and the client's error.
func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// fail wraps a client error for an operation on key ("" for the bucket).
// When ctx has ended, that is the cause, and the error has no kind.
func (s *Store) fail(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Endpoint: s.endpoint, Bucket: s.cfg.Bucket, Key: key, Err: err}
	if ctx.Err() == nil {
		e.Kind = kindOf(err)
	} else if !errors.Is(err, ctx.Err()) {
		e.Err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return e
}

// kindOf classifies an error of the S3 client by the code and status the
// endpoint answered with, or by the network error when there is no answer.
func kindOf(err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.Code != "" || resp.StatusCode != 0) {
		switch resp.Code {
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
			"InvalidSecurity", "MissingSecurityHeader", "AuthorizationHeaderMalformed", "InvalidClientTokenId":
			return ErrCredentials
		case "NoSuchBucket":
			return ErrNoBucket
		case "AccessDenied", "AllAccessDisabled", "AccountProblem":
			return ErrForbidden
		case "NoSuchKey":
			return ErrNotFound
		case "PreconditionFailed", "ConditionalRequestConflict":
			return ErrConflict
		case "QuotaExceeded", "StorageFull", "XMinioStorageFull", "InsufficientStorage", "EntityTooLarge":
			return ErrFull
		}
		switch {
		case resp.StatusCode == 507:
			return ErrFull
		case resp.StatusCode == 412:
			return ErrConflict
		case resp.StatusCode == 403:
			return ErrForbidden
		case resp.StatusCode >= 500:
			return ErrUnreachable
		}
		return nil
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ErrUnreachable
	}
	return nil
}
