package content

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"testing"
)

// TestFileSum: fileSum is hash/fnv's FNV-128a, byte for byte, at every
// length up to a few hundred bytes and over a large random file: the
// hashes are kept in state files and make the ids of duplicates, so they
// may never change.
func TestFileSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<16)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	want := func(b []byte) (sum [16]byte) {
		h := fnv.New128a()
		h.Write(b)
		h.Sum(sum[:0])
		return sum
	}
	for n := range 600 {
		if got := fileSum(data[:n]); got != want(data[:n]) {
			t.Fatalf("fileSum of %d bytes = %x, want %x", n, got, want(data[:n]))
		}
	}
	if got := fileSum(data); got != want(data) {
		t.Fatalf("fileSum of %d bytes = %x, want %x", len(data), got, want(data))
	}
	// The empty file's hash is FNV-128a's offset basis.
	if got := fmt.Sprintf("%x", fileSum(nil)); got != "6c62272e07bb014262b821756295c58d" {
		t.Fatalf("fileSum(nil) = %s, want the offset basis", got)
	}
}
