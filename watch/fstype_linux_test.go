//go:build linux

package watch

import "testing"

func TestRemoteMagics(t *testing.T) {
	tests := []struct {
		magic uint32
		want  string
	}{
		{0x6969, "nfs"},
		{0x517b, "smb"},
		{0xff534d42, "cifs"},
		{0xfe534d42, "smb2"},
		{0x01021997, "9p"},
		{0x65735546, "fuse"},
		{0x73757245, "coda"},
		{0x5346414f, "afs"},
		{0x00c36400, "ceph"},
		{0xef53, ""},     // ext2/3/4
		{0x01021994, ""}, // tmpfs
		{0x9123683e, ""}, // btrfs
	}
	for _, tc := range tests {
		if got := remoteMagics[tc.magic]; got != tc.want {
			t.Errorf("remoteMagics[%#x] = %q, want %q", tc.magic, got, tc.want)
		}
	}
}

func TestRemoteFS(t *testing.T) {
	if _, err := remoteFS(t.TempDir()); err != nil {
		t.Errorf("remoteFS(temp dir) = %v, want no error", err)
	}
	if _, err := remoteFS("/nonexistent/dropfeed"); err == nil {
		t.Errorf("remoteFS(missing) = nil error, want one")
	}
}
