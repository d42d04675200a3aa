//go:build linux

package watch

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// remoteMagics are the statfs f_type values of file systems on which inotify
// does not see changes made by other machines (docs/watching.md R14).
var remoteMagics = map[uint32]string{
	unix.NFS_SUPER_MAGIC:  "nfs",
	unix.SMB_SUPER_MAGIC:  "smb",
	unix.CIFS_SUPER_MAGIC: "cifs",
	unix.SMB2_SUPER_MAGIC: "smb2",
	unix.V9FS_MAGIC:       "9p",
	unix.FUSE_SUPER_MAGIC: "fuse",
	unix.CODA_SUPER_MAGIC: "coda",
	unix.AFS_SUPER_MAGIC:  "afs",
	unix.AFS_FS_MAGIC:     "kafs",
	unix.CEPH_SUPER_MAGIC: "ceph",
}

// remoteFS reports the name of the network or FUSE file system that holds
// path, or "" for a local one.
func remoteFS(path string) (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "", fmt.Errorf("statfs %s: %w", path, err)
	}
	return remoteMagics[uint32(st.Type)], nil
}
