package bucket

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"
)

// Lease is the right to publish under a prefix until Expires, held by
// whoever acquired it with [Store.AcquireLease] and kept with
// [Store.RenewLease]. It is not safe for concurrent use.
//
// # Design
//
// The lease is one object, [LeaseKey], written only with conditional PUTs,
// which the store checks and applies atomically:
//
//   - acquiring creates it with If-None-Match: * (only if absent), or, when
//     the lease in it has expired or was released, replaces it with
//     If-Match: <the ETag just read>, so of two publishers that find the
//     same expired lease only one takes it over;
//   - renewing and releasing replace it with If-Match: <the ETag of our own
//     last write>, which fails once another publisher has taken it over.
//
// Every write carries a fresh random token, so each has a new ETag. The
// lease is never deleted: releasing writes an expired lease that the next
// publisher takes over at once. Expiry is judged by each publisher's own
// clock, so the time to live must exceed the clock skew between publishers
// plus the longest pause between two renewals.
type Lease struct {
	Holder  string    // who holds it, as given to AcquireLease
	Expires time.Time // when it lapses unless renewed (UTC)

	etag string // of our own last write
}

// leaseBody is the lease object's JSON.
type leaseBody struct {
	Holder   string    `json:"holder"`
	Token    string    `json:"token"`
	Expires  time.Time `json:"expires"`
	Released bool      `json:"released,omitempty"`
}

var leaseMeta = Meta{ContentType: "application/json", CacheControl: "no-store"}

// AcquireLease takes the prefix's lease for holder (a name for messages:
// host and process) for ttl. When another publisher holds an unexpired
// lease, the error wraps [ErrLeaseHeld] and names it and its expiry.
func (s *Store) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (*Lease, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("%w: lease time to live %v is not positive", ErrConfig, ttl)
	}
	// Each round either succeeds, or finds a lease that is held, or
	// loses a race to another publisher that changed the object (then
	// looks again); three rounds lost in a row mean contention.
	for range 3 {
		l := &Lease{Holder: holder, Expires: s.now().Add(ttl).UTC()}
		etag, err := s.writeLease(ctx, l, false, func(o *minio.PutObjectOptions) { o.SetMatchETagExcept("*") })
		if err == nil {
			l.etag = etag
			return l, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
		data, _, cur, err := s.get(ctx, LeaseKey)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
			continue // deleted or changed while being read: look again
		}
		if err != nil {
			return nil, err
		}
		var b leaseBody
		if json.Unmarshal(data, &b) == nil && !b.Released && s.now().Before(b.Expires) {
			return nil, &Error{Op: "lease", Endpoint: s.endpoint, Bucket: s.cfg.Bucket, Key: s.name(LeaseKey), Kind: ErrLeaseHeld,
				Err: fmt.Errorf("held by %q until %s", b.Holder, b.Expires.Format(time.RFC3339))}
		}
		// Expired, released or unreadable: take it over, unless another
		// publisher does first.
		etag, err = s.writeLease(ctx, l, false, func(o *minio.PutObjectOptions) { o.SetMatchETag(cur) })
		if err == nil {
			l.etag = etag
			return l, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
	}
	return nil, &Error{Op: "lease", Endpoint: s.endpoint, Bucket: s.cfg.Bucket, Key: s.name(LeaseKey), Kind: ErrLeaseHeld,
		Err: errors.New("other publishers kept changing the lease")}
}

// RenewLease extends the lease to ttl from now. When another publisher has
// taken it over, the error wraps [ErrLeaseLost]: stop publishing.
func (s *Store) RenewLease(ctx context.Context, l *Lease, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("%w: lease time to live %v is not positive", ErrConfig, ttl)
	}
	next := &Lease{Holder: l.Holder, Expires: s.now().Add(ttl).UTC()}
	etag, err := s.writeLease(ctx, next, false, func(o *minio.PutObjectOptions) { o.SetMatchETag(l.etag) })
	if err != nil {
		return lost(err)
	}
	l.Expires, l.etag = next.Expires, etag
	return nil
}

// ReleaseLease gives the lease up, so that the next publisher need not wait
// for it to expire. When it was already taken over, the error wraps
// [ErrLeaseLost].
func (s *Store) ReleaseLease(ctx context.Context, l *Lease) error {
	_, err := s.writeLease(ctx, &Lease{Holder: l.Holder}, true, func(o *minio.PutObjectOptions) { o.SetMatchETag(l.etag) })
	if err != nil {
		return lost(err)
	}
	l.Expires, l.etag = time.Time{}, ""
	return nil
}

// lost turns a failed condition on our own lease into ErrLeaseLost.
func lost(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == ErrConflict {
		e.Kind = ErrLeaseLost
	}
	return err
}

// writeLease writes the lease object for l under a condition.
func (s *Store) writeLease(ctx context.Context, l *Lease, released bool, cond func(*minio.PutObjectOptions)) (string, error) {
	var token [16]byte
	rand.Read(token[:])
	data, err := json.Marshal(leaseBody{Holder: l.Holder, Token: hex.EncodeToString(token[:]), Expires: l.Expires, Released: released})
	if err != nil {
		return "", err
	}
	return s.put(ctx, LeaseKey, bytes.NewReader(data), int64(len(data)), leaseMeta, cond)
}
