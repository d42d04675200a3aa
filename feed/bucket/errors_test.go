package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/minio/minio-go/v7"
)

func TestKindOf(t *testing.T) {
	resp := func(code string, status int) error {
		return fmt.Errorf("wrapped: %w", minio.ErrorResponse{Code: code, Message: "m", StatusCode: status})
	}
	refused := &url.Error{Op: "Put", URL: "http://127.0.0.1:1/b/k", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"connection refused", refused, ErrUnreachable},
		{"unknown host", &url.Error{Op: "Get", URL: "http://nowhere.invalid/", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}, ErrUnreachable},
		{"connection dropped", io.ErrUnexpectedEOF, ErrUnreachable},
		{"unknown key id", resp("InvalidAccessKeyId", 403), ErrCredentials},
		{"wrong secret", resp("SignatureDoesNotMatch", 403), ErrCredentials},
		{"expired token", resp("ExpiredToken", 400), ErrCredentials},
		{"no bucket", resp("NoSuchBucket", 404), ErrNoBucket},
		{"access denied", resp("AccessDenied", 403), ErrForbidden},
		{"403 without a code", resp("", 403), ErrForbidden},
		{"no object", resp("NoSuchKey", 404), ErrNotFound},
		{"precondition", resp("PreconditionFailed", 412), ErrConflict},
		{"quota", resp("QuotaExceeded", 403), ErrFull},
		{"507", resp("", 507), ErrFull},
		{"server error", resp("InternalError", 500), ErrUnreachable},
		{"unavailable", resp("ServiceUnavailable", 503), ErrUnreachable},
		{"other client error", resp("InvalidArgument", 400), nil},
		{"not from the client", errors.New("something else"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := kindOf(tc.err); got != tc.want {
				t.Errorf("kindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	s := &Store{cfg: Config{Bucket: "site", Prefix: "www"}, endpoint: "http://127.0.0.1:8333"}
	err := s.fail(context.Background(), "put", "www/rss.xml", minio.ErrorResponse{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match", StatusCode: 403})
	for _, want := range []string{"put s3://site/www/rss.xml at http://127.0.0.1:8333: ", "credentials refused", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "signature we calculated"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if !errors.Is(err, ErrCredentials) {
		t.Errorf("errors.Is(%v, ErrCredentials) = false", err)
	}
	if e, ok := errors.AsType[*Error](err); !ok || e.Key != "www/rss.xml" || e.Op != "put" {
		t.Errorf("errors.AsType[*Error](%v) = %+v, %v", err, e, ok)
	}
}

func TestErrorWhenContextEnded(t *testing.T) {
	s := &Store{cfg: Config{Bucket: "site"}, endpoint: "http://127.0.0.1:8333"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A request cut short by the caller is not the endpoint's fault: no kind.
	err := s.fail(ctx, "put", "rss.xml", &url.Error{Op: "Put", URL: "http://127.0.0.1:8333/site/rss.xml", Err: context.Canceled})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
		t.Errorf("fail after cancel = %v; want context.Canceled and no ErrUnreachable", err)
	}
}

func TestKeysRefusedBeforeAnyRequest(t *testing.T) {
	// The endpoint is a closed port: a key that got as far as a request
	// would fail with ErrUnreachable instead of the refusal wanted here.
	s, err := New(Config{Endpoint: "http://127.0.0.1:1", Bucket: "site", Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, key := range []string{"", ".", "/rss.xml", "a//b", "../x", "a/./b", "articles/x/", OwnDir, ManifestKey, LeaseKey, OwnDir + "/other"} {
		if err := s.Put(ctx, key, strings.NewReader("x"), 1, Meta{}); err == nil || errors.Is(err, ErrUnreachable) {
			t.Errorf("Put(%q) = %v; want a refusal", key, err)
		}
		if err := s.Delete(ctx, []string{"ok.txt", key}); err == nil || errors.Is(err, ErrUnreachable) {
			t.Errorf("Delete(%q) = %v; want a refusal", key, err)
		}
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	s, err := New(Config{Endpoint: endpoint, Bucket: "site", AccessKeyID: "ID", SecretAccessKey: "secret", Region: "us-east-1", Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(t.Context())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), endpoint) || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL") {
		t.Errorf("Check against a closed port = %v; want ErrUnreachable naming %s and AWS_ENDPOINT_URL", err, endpoint)
	}
}
