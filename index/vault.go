package index

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"
	"unsafe"
)

// The scan needs only the 8-bit codes; the float32 templates are read for
// the few rows it cannot rule out (quant.go). So the templates sit apart,
// in a vault: records in a file (Open) or in memory (New), each sealed
// with AES-GCM under a key drawn when the Gallery is made and kept only in
// its memory. A file is unlinked as soon as it is created, so a crash
// leaves nothing behind, and what the disk holds is useless once the
// process is gone: the key dies with it.
//
// A deleted template's record is overwritten with zeros before its space
// is reused, so it cannot be read back even while the process lives, with
// the key. Reusing space, rather than appending and compacting, keeps the
// vault at the most templates it ever held at once, never more, with no
// compaction to pause searches or rewrite every row's recordID; what a mass
// deletion frees stays allocated, as zeros, for the next Puts.

// recordID names a template's record: where it is, and the number of the
// seal that made it, which is the record's GCM nonce. Every seal takes the
// next number, so no nonce is used twice under a key, even when a record
// reuses another's space, and a key serves one vault only. A record read
// back under another seal number fails to open: a stale recordID cannot
// pass off one face's template as another's.
type recordID struct {
	off int64
	seq uint64
}

// backing is where a vault's records are: an unlinked file or memory.
type backing interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
}

type vault struct {
	aead cipher.AEAD // keeps no state between calls: one serves every goroutine
	f    backing

	mu   sync.Mutex
	seq  uint64          // seals made: the next record's nonce
	end  int64           // where the next record goes when none can be reused
	free map[int][]int64 // record size → zeroed records to reuse

	// bufs holds buffers for seal: loading a million templates would
	// otherwise make 2 GB of garbage, and the GC's headroom for it would
	// be a third more memory at the peak.
	bufs sync.Pool
}

func newVault(f backing) *vault {
	key := make([]byte, 32)
	rand.Read(key) // never fails
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // only for a key of another length
	}
	clear(key) // the cipher keeps its own schedule; this copy is not needed
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // only under GODEBUG=fips140=only, which bars counter nonces
	}
	return &vault{aead: aead, f: f, free: make(map[int][]int64), bufs: sync.Pool{New: func() any { return new([]byte) }}}
}

// openVault makes a vault in a new file in dir, unlinked at once, readable
// and writable by this user only.
func openVault(dir string) (*vault, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "visage-templates-*") // mode 0600
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("unlinking the template file: %w", err)
	}
	return newVault(f), nil
}

// recordSize is the size of a sealed template of dim numbers.
func (v *vault) recordSize(dim int) int {
	return 4*dim + v.aead.Overhead()
}

// seal stores a template and returns where it went.
func (v *vault) seal(t []float32) (recordID, error) {
	size := v.recordSize(len(t))
	r := v.alloc(size)
	buf := v.bufs.Get().(*[]byte)
	defer v.bufs.Put(buf)
	*buf = v.aead.Seal((*buf)[:0], nonce(r.seq), asBytes(t), nil)
	if _, err := v.f.WriteAt(*buf, r.off); err != nil {
		v.release(size, r.off) // what it wrote is sealed; the next seal overwrites it
		return recordID{}, err
	}
	return r, nil
}

// alloc takes a seal number and a place for a record of size bytes.
func (v *vault) alloc(size int) recordID {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := recordID{seq: v.seq}
	v.seq++
	if free := v.free[size]; len(free) > 0 {
		r.off = free[len(free)-1]
		v.free[size] = free[:len(free)-1]
	} else {
		r.off = v.end
		v.end += int64(size)
	}
	return r
}

func (v *vault) release(size int, off int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.free[size] = append(v.free[size], off)
}

// open reads the template at r into t, using rec (recordSize(len(t))
// bytes) for the record.
func (v *vault) open(r recordID, rec []byte, t []float32) error {
	if _, err := v.f.ReadAt(rec, r.off); err != nil {
		return err
	}
	_, err := v.aead.Open(asBytes(t)[:0], nonce(r.seq), rec, nil)
	return err
}

// asBytes is the memory of t as bytes, to seal and open templates without
// copying them. A record is read back only by the process that wrote it,
// so the machine's byte order is the record's.
func asBytes(t []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t))), 4*len(t))
}

// erase zeroes the record of a template of dim numbers and frees its
// space. The caller makes sure no search can still read it. A failed
// write leaves the record sealed, unreadable without the key; its space is
// reused all the same, which overwrites it.
func (v *vault) erase(r recordID, dim int) {
	size := v.recordSize(dim)
	v.f.WriteAt(make([]byte, size), r.off)
	v.release(size, r.off)
}

func nonce(seq uint64) []byte {
	n := make([]byte, 12)
	binary.LittleEndian.PutUint64(n, seq)
	return n
}

// memPageSize is the unit of a memory backing's growth: small enough
// that a Gallery of a few faces holds little, large enough that a million
// templates make a page table of a few hundred kilobytes.
const memPageSize = 64 << 10

// memBacking keeps a vault's records in memory, in pages that never move
// once made: growing copies nothing.
type memBacking struct {
	// mu guards the page table. The records need no lock: one is written
	// before its recordID is handed out and erased once no search can read
	// it, and two records never share bytes.
	mu    sync.RWMutex
	pages [][]byte
}

func (m *memBacking) WriteAt(p []byte, off int64) (int, error) {
	if need := int((off + int64(len(p)) + memPageSize - 1) / memPageSize); need > m.len() {
		m.mu.Lock()
		for len(m.pages) < need {
			m.pages = append(m.pages, make([]byte, memPageSize))
		}
		m.mu.Unlock()
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for n := 0; n < len(p); {
		at := off + int64(n)
		n += copy(m.pages[at/memPageSize][at%memPageSize:], p[n:])
	}
	return len(p), nil
}

func (m *memBacking) ReadAt(p []byte, off int64) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if off+int64(len(p)) > int64(len(m.pages))*memPageSize {
		return 0, io.ErrUnexpectedEOF
	}
	for n := 0; n < len(p); {
		at := off + int64(n)
		n += copy(p[n:], m.pages[at/memPageSize][at%memPageSize:])
	}
	return len(p), nil
}

func (m *memBacking) len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.pages)
}

func (m *memBacking) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pages = nil
	return nil
}
