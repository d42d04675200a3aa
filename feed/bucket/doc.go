// Package bucket publishes files to one prefix of a bucket of an
// S3-compatible object store (Amazon S3, R2, GCS's S3 interface, MinIO,
// Ceph, SeaweedFS): the primitives a publisher drives to keep the static
// output of a bundle there.
//
// [ConfigFromEnv] reads the target "s3://BUCKET[/PREFIX]", the endpoint and
// the key the way the AWS tools do; [New] makes a [Store]. Its primitives:
//
//   - [Store.Put]: one object, exact bytes, with Content-Type,
//     Cache-Control and Content-Encoding ([Meta]);
//   - [Store.Delete]: many objects, 1,000 a request;
//   - [Store.List]: what is under the prefix, to recover when the manifest
//     is missing or stale;
//   - [Store.LoadManifest], [Store.SaveManifest]: dropfeed's record of
//     what it published, saved with a condition so no update is lost;
//   - [Store.AcquireLease], [Store.RenewLease], [Store.ReleaseLease]: one
//     publisher per prefix at a time (see [Lease] for the design).
//
// It knows nothing of feeds: which files to write, in which order and with
// which metadata is the caller's business.
//
// # Objects
//
// Under PREFIX (keys are relative to it, slash-separated, without a
// leading slash):
//
//   - the site's files (feeds, index, pages, media...), written and deleted
//     only by the publisher through Put and Delete, which refuse keys under
//     .dropfeed/. Nothing else under the prefix is touched: the publisher
//     deletes only keys its manifest says it wrote.
//   - .dropfeed/manifest.json ([ManifestKey]): what the publisher wrote,
//     in the caller's format, replaced only by a conditional PUT on the
//     ETag it was read with.
//   - .dropfeed/lease.json ([LeaseKey]): who publishes now and until when,
//     written only by conditional PUTs, never deleted.
//
// Both bookkeeping objects are sent with "Cache-Control: no-store". They
// name the published paths and the lease holder (host and process): a
// bucket served to the public should not serve .dropfeed/.
//
// # Errors
//
// A failed request is an [*Error] naming the operation, the object and the
// endpoint; it wraps one sentinel callers branch on with [errors.Is]:
// [ErrUnreachable], [ErrCredentials], [ErrNoBucket], [ErrForbidden],
// [ErrFull], [ErrNotFound], [ErrConflict], [ErrLeaseHeld], [ErrLeaseLost];
// a bad configuration wraps [ErrConfig]. Its message says what to check.
//
// Package bucket is the only importer of the S3 client
// (github.com/minio/minio-go/v7) and imports nothing of dropfeed.
package bucket
