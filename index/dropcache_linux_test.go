package index

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// dropCache has the kernel drop f's pages from its cache.
func dropCache(b *testing.B, f *os.File) {
	if err := f.Sync(); err != nil { // dirty pages are not dropped
		b.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		b.Fatal(err)
	}
}
