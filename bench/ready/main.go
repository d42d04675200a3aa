// Command ready waits until a "dropfeed serve" started in the background is
// ready: it reads the serve's log until the "listening on URL" line, then
// polls URL/healthz until it answers 200, every few milliseconds, from one
// process (a shell loop forking curl every 10 ms took a good part of a core
// from the serve it was timing). It prints the URL and exits 0, or exits 1
// when the process is gone or the time is up.
//
// With -first PATH it also polls URL/PATH until it answers 200 (a restart
// serves the feeds its last run saved before its first build), keeps that
// first body in the -first-out file, and prints on a second line the
// seconds from -since (Unix nanoseconds, the serve's exec) to that answer,
// or to /healthz's 200 when that came first.
//
//	ready -log serve.log -pid 1234 -timeout 600s
//	ready -log serve.log -pid 1234 -first rss.xml -first-out early.xml -since 1700000000000000000
//
// Every request goes to the URL the log names, which must be on loopback.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ready:", err)
		os.Exit(1)
	}
}

func run() error {
	logPath := flag.String("log", "", "the serve's log (its stderr)")
	pid := flag.Int("pid", 0, "the serve's process id")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	every := flag.Duration("every", 5*time.Millisecond, "poll period")
	first := flag.String("first", "", "also time the first 200 of this `path` under the URL")
	firstOut := flag.String("first-out", "", "write that first body to this `file`")
	since := flag.Int64("since", 0, "the serve's exec time, in Unix nanoseconds")
	flag.Parse()
	if *logPath == "" || *pid <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	deadline := time.Now().Add(*timeout)
	alive := func() bool { return syscall.Kill(*pid, 0) == nil }
	base := ""
	client := &http.Client{Timeout: 5 * time.Second}
	var firstAt time.Time // the first 200 of -first
	// takeFirst records the first 200 of -first; ready (/healthz said 200
	// first): the time is now, whatever the answer.
	takeFirst := func(ready bool) error {
		if *first == "" || !firstAt.IsZero() {
			return nil
		}
		now := time.Now()
		body, ok := get(client, base+*first)
		switch {
		case ready:
			firstAt = now
		case ok:
			firstAt = time.Now()
		}
		if !ok {
			return nil
		}
		return writeFirst(*firstOut, body)
	}
	for {
		if base == "" {
			base = listening(*logPath)
			if base != "" {
				u, err := url.Parse(base)
				if err != nil {
					return err
				}
				if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
					return errors.New("the serve listens on " + u.Host + ", not on loopback")
				}
			}
		}
		if base != "" {
			if err := takeFirst(false); err != nil {
				return err
			}
			if resp, err := client.Get(base + "healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					fmt.Println(base)
					if *first != "" {
						if err := takeFirst(true); err != nil {
							return err
						}
						fmt.Printf("%.3f\n", float64(firstAt.UnixNano()-*since)/1e9)
					}
					return nil
				}
			}
		}
		if !alive() {
			return fmt.Errorf("serve (pid %d) exited before it was ready", *pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("serve not ready after %s", *timeout)
		}
		time.Sleep(*every)
	}
}

// get returns the body of a 200 answer to a GET of u.
func get(client *http.Client, u string) ([]byte, bool) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, err == nil && resp.StatusCode == http.StatusOK
}

// writeFirst writes the first body to path, if one is named.
func writeFirst(path string, body []byte) error {
	if path == "" {
		return nil
	}
	return os.WriteFile(path, body, 0o644)
}

// listening returns the URL of the "listening on URL" line of the log, or "".
func listening(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok && strings.HasPrefix(u, "http:") {
			return u
		}
	}
	return ""
}
