// Package buckettest runs a real S3-compatible object store for tests: a
// SeaweedFS server ("weed mini": master, volume, filer and S3 gateway in one
// process) on loopback, with authentication enforced by three keys (admin,
// writer, read-only) and the buckets a test asks for.
//
// The weed binary is found through the DROPFEED_TEST_WEED environment
// variable (the CI script sets it and builds the binary in the background,
// so [Binary] waits for it, bounded) or in the cache the build script
// .ci/seaweedfs fills. Without it, tests skip, or fail when CI=true.
//
// Only tests import this package.
package buckettest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// EnvBinary names the environment variable holding the weed binary's path.
const EnvBinary = "DROPFEED_TEST_WEED"

// EnvWait names the environment variable bounding how long [Binary] waits
// for a binary that is still being built (a Go duration; default 10m).
const EnvWait = "DROPFEED_TEST_WEED_WAIT"

// Key is an access key of the server.
type Key struct{ ID, Secret string }

// Server is a running weed mini. Stop it with [Server.Stop] (Start
// registers it as a cleanup of the test).
type Server struct {
	Endpoint string // "http://127.0.0.1:PORT", the S3 gateway
	Admin    Key    // may do anything, create buckets included
	Writer   Key    // may read, list, write and delete objects
	Reader   Key    // may only read and list
	Ports    []int  // every TCP port it was told to listen on
	Dir      string // its data folder

	cmd      *exec.Cmd
	waitErr  error
	exited   chan struct{}
	stopOnce sync.Once
	log      *os.File
}

// Binary returns the path of the weed binary. When DROPFEED_TEST_WEED names
// a file that does not exist yet (CI builds it in the background), it waits
// for it, up to DROPFEED_TEST_WEED_WAIT and the test's deadline, and fails
// early when the build left a "<path>.failed" file. Without a binary the
// test is skipped, or fails when CI=true.
func Binary(tb testing.TB) string {
	tb.Helper()
	bin, how := os.Getenv(EnvBinary), "set by "+EnvBinary
	if bin == "" {
		bin, how = cachedBinary(), "the cache of .ci/seaweedfs"
	}
	if bin == "" {
		missing(tb, "no SeaweedFS binary: set "+EnvBinary+" or run .ci/seaweedfs (it builds weed once, in minutes, and caches it)")
		return ""
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if os.Getenv(EnvBinary) == "" {
		missing(tb, fmt.Sprintf("no SeaweedFS binary at %s (%s): run .ci/seaweedfs to build it", bin, how))
		return ""
	}
	wait := 10 * time.Minute
	if s := os.Getenv(EnvWait); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			tb.Fatalf("%s=%q: %v", EnvWait, s, err)
		}
		wait = d
	}
	deadline := time.Now().Add(wait)
	if t, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := t.Deadline(); ok && d.Add(-2*time.Minute).Before(deadline) {
			deadline = d.Add(-2 * time.Minute)
		}
	}
	tb.Logf("waiting up to %s for the SeaweedFS build to write %s", time.Until(deadline).Round(time.Second), bin)
	start := time.Now()
	for time.Now().Before(deadline) {
		if _, err := os.Stat(bin); err == nil {
			tb.Logf("SeaweedFS binary ready after %s", time.Since(start).Round(time.Second))
			return bin
		}
		if log, err := os.ReadFile(bin + ".failed"); err == nil {
			tb.Fatalf("the SeaweedFS build failed (%s.failed):\n%s", bin, tail(log, 40))
		}
		time.Sleep(time.Second)
	}
	missing(tb, fmt.Sprintf("the SeaweedFS binary %s did not appear within %s", bin, wait))
	return ""
}

// cachedBinary asks the build script, found above the working directory,
// where its cached binary is; "" when there is no script.
func cachedBinary() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		script := filepath.Join(dir, ".ci", "seaweedfs")
		if _, err := os.Stat(script); err == nil {
			out, err := exec.Command("bash", script, "-path").Output()
			if err != nil {
				return ""
			}
			return strings.TrimSpace(string(out))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func missing(tb testing.TB, reason string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(reason + " (CI=true: the CI script must provide it)")
	}
	tb.Skip(reason)
}

// Start runs weed mini on loopback with fresh ports and a temporary data
// folder, creates the buckets, and returns once the S3 gateway serves
// signed requests. The server is stopped when the test ends.
func Start(tb testing.TB, buckets ...string) *Server {
	tb.Helper()
	bin := Binary(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartBinary(ctx, bin, buckets...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("stop SeaweedFS: %v", err)
		}
	})
	return s
}

// StartBinary is [Start] for callers without a test, such as a TestMain
// that shares one server among the tests of a package: the caller must
// call [Server.Stop]. ctx bounds the start.
func StartBinary(ctx context.Context, bin string, buckets ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "weed-")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Dir:    dir,
		Admin:  Key{"ADMINKEY0000000000", "admin-secret-" + randHex()},
		Writer: Key{"WRITERKEY000000000", "writer-secret-" + randHex()},
		Reader: Key{"READERKEY000000000", "reader-secret-" + randHex()},
		exited: make(chan struct{}),
	}
	fail := func(err error) (*Server, error) {
		if s.cmd != nil {
			s.Stop()
		} else {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	config, err := json.Marshal(map[string]any{"identities": []any{
		identity("admin", s.Admin, "Admin", "Read", "List", "Tagging", "Write"),
		identity("writer", s.Writer, "Read", "List", "Write"),
		identity("reader", s.Reader, "Read", "List"),
	}})
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), config, 0o600); err != nil {
		return fail(err)
	}
	// Every port a component would otherwise pick (or derive as port+10000)
	// is given explicitly; webdav, the admin UI (its server still runs, for
	// maintenance workers), Iceberg, Lance and HTTPS are off.
	names := []string{"master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
		"filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc"}
	ports, err := freePorts(len(names))
	if err != nil {
		return fail(err)
	}
	s.Ports = ports
	args := []string{
		"-logdir=" + dir, "mini",
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
		"-dir=" + filepath.Join(dir, "data"),
		"-s3.config=" + filepath.Join(dir, "s3.json"),
		"-s3.port.https=0", "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-webdav=false", "-admin.ui=false", "-admin.port.legacy=0", "-s3.autoCreateBucket=false",
		"-metricsPort=0", "-s3.metricsPort=0",
		"-filer.localSocket=" + filepath.Join(dir, "f.sock"),
		"-s3.localSocket=" + filepath.Join(dir, "s.sock"),
		"-master.volumeSizeLimitMB=64", "-volume.max=8",
	}
	for i, n := range names {
		args = append(args, "-"+n+"="+strconv.Itoa(ports[i]))
	}
	if len(buckets) > 0 {
		args = append(args, "-bucket="+strings.Join(buckets, ","))
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return fail(err)
	}
	s.log, err = os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env(dir)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bin, err))
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(ports[slices.Index(names, "s3.port")])
	if err := s.waitReady(ctx, buckets); err != nil {
		return fail(fmt.Errorf("SeaweedFS did not become ready: %w\n%s", err, s.LogTail(40)))
	}
	return s, nil
}

func identity(name string, k Key, actions ...string) map[string]any {
	return map[string]any{
		"name":        name,
		"credentials": []any{map[string]string{"accessKey": k.ID, "secretKey": k.Secret}},
		"actions":     actions,
	}
}

// env is the server's environment: ours without AWS_ and WEED_ variables
// (which would configure it), with HOME and TMPDIR in its own folder so it
// reads no configuration file of the user and leaves nothing behind.
func env(dir string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "WEED_") || k == "HOME" || k == "TMPDIR" || k == "S3_BUCKET" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "HOME="+dir, "TMPDIR="+dir)
}

// waitReady polls, with a deadline, until the admin key can list the
// buckets and sees every bucket asked for.
func (s *Server) waitReady(ctx context.Context, buckets []string) error {
	client, err := s.Client(s.Admin)
	if err != nil {
		return err
	}
	var last error
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("weed exited: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := client.ListBuckets(rctx)
		cancel()
		if err != nil {
			last = err
			continue
		}
		have := map[string]bool{}
		for _, b := range list {
			have[b.Name] = true
		}
		last = nil
		for _, b := range buckets {
			if !have[b] {
				last = fmt.Errorf("bucket %s not created yet", b)
			}
		}
		if last == nil {
			return nil
		}
	}
}

// Client returns an S3 client of the server signing with key.
func (s *Server) Client(k Key) (*minio.Client, error) {
	return minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds:        credentials.NewStaticV4(k.ID, k.Secret, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop ends the server by its process id (SIGTERM, then SIGKILL after 20
// seconds), reaps it and removes its folder. Calling it again does nothing.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		if s.cmd != nil {
			select {
			case <-s.exited:
			default:
				s.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-s.exited:
				case <-time.After(20 * time.Second):
					s.cmd.Process.Kill()
					select {
					case <-s.exited:
					case <-time.After(10 * time.Second):
						err = fmt.Errorf("weed (pid %d) did not exit after SIGKILL", s.cmd.Process.Pid)
					}
				}
			}
		}
		if s.log != nil {
			s.log.Close()
		}
		if err == nil {
			err = os.RemoveAll(s.Dir)
		}
	})
	return err
}

// LogTail returns the last n lines the server printed.
func (s *Server) LogTail(n int) string {
	data, _ := os.ReadFile(filepath.Join(s.Dir, "weed.log"))
	return tail(data, n)
}

func randHex() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func tail(data []byte, n int) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 now. Another
// process may take one before the server binds it; the server then fails
// to start, and the test with it, rather than binding elsewhere.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
