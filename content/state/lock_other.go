//go:build !unix

package state

// daemonLock marks a daemon's store; without flock(2) nothing else knows.
type daemonLock struct{}

func takeDaemonLock(path string, daemon bool) (*daemonLock, error) {
	if daemon {
		return &daemonLock{}, nil
	}
	return nil, nil
}

func (l *daemonLock) held() bool { return l != nil }

func (l *daemonLock) release() {}
