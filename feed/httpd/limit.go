package httpd

import (
	"fmt"
	"net"
	"sync"
)

// DefaultMaxConnections is how many connections a server holds open at once
// unless told otherwise.
const DefaultMaxConnections = 1024

// Listen listens on the TCP address addr, holding at most n connections
// open at once (see LimitListener).
func Listen(addr string, n int) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return LimitListener(l, n), nil
}

// LimitListener returns a listener that holds at most n connections open at
// once. While n are open, Accept waits for one to close, so further clients
// wait in the kernel's listen backlog instead of each costing the server a
// goroutine and its buffers. Idle keep-alive connections count until the
// server's IdleTimeout closes them.
func LimitListener(l net.Listener, n int) net.Listener {
	return &limitedListener{Listener: l, slots: make(chan struct{}, n), closed: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots     chan struct{} // one value per open connection
	closeOnce sync.Once
	closed    chan struct{}
}

// Accept waits for a free slot, then for a connection.
func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

// Close closes the listener and wakes an Accept waiting for a slot.
func (l *limitedListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.closed) })
	return err
}

// limitedConn gives its slot back when it is closed the first time.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
