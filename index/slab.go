package index

// A slab holds the rows of one model, in blocks of at most blockRows rows.
// Every block but the last is full, so row r is row r%blockRows of block
// r/blockRows, and a search is still a linear pass over a few large runs of
// contiguous memory. Blocks rather than one slice a field: a slice grows by
// copying itself into a larger one, which at a million rows means holding
// the codes twice over for a moment and copying gigabytes while loading.
// A block grows by doubling up to blockRows, then the next one starts: the
// slack is at most one block, and loading copies each row about once.
const (
	blockShift = 12
	blockRows  = 1 << blockShift // 2 MiB of codes at 512 numbers a row
	blockMask  = blockRows - 1
)

// minBlockRows is a new block's capacity: a small app's only block, or
// the one a large app starts whenever the last filled up.
const minBlockRows = 16

type slab struct {
	model  string
	dim    int
	blocks []block
	faces  int // faces with at least one row here
}

// block holds rows: row i's 8-bit codes are codes[i*dim : (i+1)*dim] with
// quant[i] (quant.go), its float32 template is in the vault at refs[i],
// and it belongs to the face in slot owner[i].
type block struct {
	codes []int8
	quant []rowQuant
	refs  []recordID
	owner []int32
}

func newBlock(rows, dim int) block {
	return block{
		codes: make([]int8, 0, rows*dim),
		quant: make([]rowQuant, 0, rows),
		refs:  make([]recordID, 0, rows),
		owner: make([]int32, 0, rows),
	}
}

// len returns the number of rows.
func (s *slab) len() int {
	n := len(s.blocks)
	if n == 0 {
		return 0
	}
	return (n-1)*blockRows + len(s.blocks[n-1].owner)
}

// at returns the block of row r and the row's index in it.
func (s *slab) at(r int32) (*block, int) {
	return &s.blocks[r>>blockShift], int(r & blockMask)
}

// add appends a row for template v, sealed at rf, of the face in slot,
// and returns its number.
func (s *slab) add(v []float32, rf recordID, slot int32) int32 {
	if n := len(s.blocks); n == 0 || len(s.blocks[n-1].owner) == blockRows {
		s.blocks = append(s.blocks, newBlock(minBlockRows, s.dim))
	}
	b := &s.blocks[len(s.blocks)-1]
	i := len(b.owner)
	if i == cap(b.owner) {
		b.resize(min(2*i, blockRows), s.dim)
	}
	b.codes = b.codes[:(i+1)*s.dim]
	b.quant = append(b.quant, quantize(v, b.codes[i*s.dim:]))
	b.refs = append(b.refs, rf)
	b.owner = append(b.owner, slot)
	return int32(s.len() - 1)
}

// move copies row src over row dst.
func (s *slab) move(dst, src int32) {
	db, i := s.at(dst)
	sb, j := s.at(src)
	d := s.dim
	copy(db.codes[i*d:(i+1)*d], sb.codes[j*d:(j+1)*d])
	db.quant[i], db.refs[i], db.owner[i] = sb.quant[j], sb.refs[j], sb.owner[j]
}

// pop removes the last row. It drops the last block when that leaves it
// empty and halves it when it is three-quarters empty, so an app that
// purges most of its faces gives the memory back; halving only then keeps
// a delete's cost constant on average.
func (s *slab) pop() {
	last := len(s.blocks) - 1
	b := &s.blocks[last]
	n := len(b.owner) - 1
	b.codes, b.quant, b.refs, b.owner = b.codes[:n*s.dim], b.quant[:n], b.refs[:n], b.owner[:n]
	switch {
	case n == 0:
		s.blocks[last] = block{}
		s.blocks = s.blocks[:last]
	case cap(b.owner) >= minShrinkRows && n < cap(b.owner)/4:
		b.resize(2*n, s.dim)
	}
}

// minShrinkRows is the smallest block capacity worth shrinking: below it
// the spare memory is half a megabyte at most.
const minShrinkRows = 1024

// resize moves the block's rows into arrays of the given capacity.
func (b *block) resize(rows, dim int) {
	nb := newBlock(rows, dim)
	nb.codes = append(nb.codes, b.codes...)
	nb.quant = append(nb.quant, b.quant...)
	nb.refs = append(nb.refs, b.refs...)
	nb.owner = append(nb.owner, b.owner...)
	*b = nb
}
