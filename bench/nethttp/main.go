// Command nethttp serves one document from a bare net/http handler: the
// responses dropfeed sent for it, plain and gzip, replayed byte for byte
// with the same header fields, on an http.Server with dropfeed's timeouts.
// It is the anchor of bench/serve-nginx.sh that tells how much of the time
// per request is net/http's own (this server) and how much is dropfeed's
// handler, middleware and listener on top of it.
//
//	nethttp -plain PLAIN -gzip GZIP [-addr 127.0.0.1:0]
//
// PLAIN and GZIP are responses as `curl -si` saves them: the status line,
// the header fields, a blank line, the body. Date is left to net/http, as
// dropfeed leaves it. A request whose Accept-Encoding names gzip gets the
// gzip response (the bench asks with "gzip" or with nothing). It prints
// "listening on http://ADDR/" once it accepts connections.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// response is a replayed response: its header fields and body.
type response struct {
	header http.Header
	body   []byte
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	plainPath := flag.String("plain", "", "the plain response, as curl -si saves it")
	gzipPath := flag.String("gzip", "", "the gzip response, as curl -si saves it")
	flag.Parse()
	if *plainPath == "" || *gzipPath == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: nethttp -plain PLAIN -gzip GZIP [-addr 127.0.0.1:0]")
		os.Exit(2)
	}
	plain, err := readResponse(*plainPath)
	if err == nil {
		var gz *response
		if gz, err = readResponse(*gzipPath); err == nil {
			err = serve(*addr, plain, gz)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
}

// readResponse reads a saved response. Its body is checked against its
// Content-Length, so that a truncated file is not served as the anchor.
func readResponse(path string) (*response, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head, body, ok := bytes.Cut(data, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("%s: no blank line after the header", path)
	}
	lines := strings.Split(string(head), "\r\n")
	if !strings.HasPrefix(lines[0], "HTTP/1.1 200 ") {
		return nil, fmt.Errorf("%s: status %q, want 200", path, lines[0])
	}
	h := make(http.Header)
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s: header line %q", path, l)
		}
		k = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if k != "Date" {
			h[k] = append(h[k], strings.TrimSpace(v))
		}
	}
	if cl := h.Get("Content-Length"); cl != fmt.Sprint(len(body)) {
		return nil, fmt.Errorf("%s: Content-Length %q, body of %d bytes", path, cl, len(body))
	}
	return &response{header: h, body: body}, nil
}

// serve answers every request with plain or gz until the process ends.
func serve(addr string, plain, gz *response) error {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := plain
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			res = gz
		}
		wh := w.Header()
		maps.Copy(wh, res.header)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(res.body)
		}
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening on http://%s/\n", l.Addr())
	// The timeouts and limits of dropfeed's servers (feed/httpd.NewServer).
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
