//go:build !linux

package watch

// remoteFS reports the name of the network file system that holds path, or
// "" for a local one. Only Linux is detected; elsewhere every file system
// counts as local and ModeAuto means events.
func remoteFS(string) (string, error) { return "", nil }
