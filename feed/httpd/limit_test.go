package httpd

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestLimitListener: at most n connections are accepted at once; closing
// one (once or twice) frees one slot; closing the listener wakes an Accept
// that waits for a slot.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := LimitListener(inner, 2)
	accepted := make(chan net.Conn, 8)
	acceptErr := make(chan error, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", inner.Addr().String()) // the kernel's backlog takes it
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	next := func(what string) net.Conn {
		t.Helper()
		select {
		case c := <-accepted:
			return c
		case <-time.After(10 * time.Second):
			t.Fatalf("no connection accepted %s", what)
			return nil
		}
	}
	// notAccepted only ever fails when the cap is broken: a slow machine
	// makes it pass, never fail.
	notAccepted := func(what string) {
		t.Helper()
		select {
		case c := <-accepted:
			c.Close()
			t.Fatalf("a connection was accepted %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
	a, b := next("first"), next("second")
	notAccepted("while 2 of 2 were open")
	a.Close()
	a.Close() // a second Close frees nothing more
	c := next("after one of two closed")
	notAccepted("after one was closed twice and its slot taken")
	b.Close()
	d := next("after the second closed")
	// Both slots are taken again and Accept waits for one: Close wakes it.
	l.Close()
	select {
	case err := <-acceptErr:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close = %v, want %v", err, net.ErrClosed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waits for a slot after Close")
	}
	c.Close()
	d.Close()
}
