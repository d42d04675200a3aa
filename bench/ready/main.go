// Command ready waits until a "dropfeed serve" started in the background is
// ready: it reads the serve's log until the "listening on URL" line, then
// polls URL/healthz until it answers 200, every few milliseconds, from one
// process (a shell loop forking curl every 10 ms took a good part of a core
// from the serve it was timing). It prints the URL and exits 0, or exits 1
// when the process is gone or the time is up.
//
//	ready -log serve.log -pid 1234 -timeout 600s
//
// Every request goes to the URL the log names, which must be on loopback.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
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
	flag.Parse()
	if *logPath == "" || *pid <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	deadline := time.Now().Add(*timeout)
	alive := func() bool { return syscall.Kill(*pid, 0) == nil }
	base := ""
	client := &http.Client{Timeout: 5 * time.Second}
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
			if resp, err := client.Get(base + "healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					fmt.Println(base)
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
