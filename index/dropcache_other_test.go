//go:build !linux

package index

import (
	"os"
	"testing"
)

func dropCache(b *testing.B, _ *os.File) { b.Skip("dropping a file's cached pages needs Linux") }
