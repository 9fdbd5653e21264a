package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/visagehq/visage"
)

// templatesVersion starts the serialised form, so it can change later.
const templatesVersion = 1

// marshalTemplates serialises templates compactly, without field names or
// text floats: version (1 byte), count (uvarint), then for each template
// the model ID (uvarint length + bytes), the dimension (uvarint) and the
// vector as little-endian float32s. A 512-d template takes about 2 KiB.
func marshalTemplates(ts []visage.Template) []byte {
	size := 1 + binary.MaxVarintLen64
	for _, t := range ts {
		size += 2*binary.MaxVarintLen64 + len(t.Model) + 4*len(t.Vector)
	}
	b := make([]byte, 0, size)
	b = append(b, templatesVersion)
	b = binary.AppendUvarint(b, uint64(len(ts)))
	for _, t := range ts {
		b = binary.AppendUvarint(b, uint64(len(t.Model)))
		b = append(b, t.Model...)
		b = binary.AppendUvarint(b, uint64(len(t.Vector)))
		for _, v := range t.Vector {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

var errTemplates = errors.New("malformed serialised templates")

// unmarshalTemplates reverses marshalTemplates. Its input has passed GCM
// authentication, but it still checks every length against what is left,
// so a bug elsewhere cannot make it allocate without bound.
func unmarshalTemplates(b []byte) ([]visage.Template, error) {
	if len(b) == 0 || b[0] != templatesVersion {
		return nil, errTemplates
	}
	b = b[1:]
	uvarint := func(unit int) (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(len(b)-n)/uint64(unit) {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	count, ok := uvarint(2) // each template takes at least two bytes
	if !ok {
		return nil, errTemplates
	}
	ts := make([]visage.Template, count)
	for i := range ts {
		n, ok := uvarint(1)
		if !ok {
			return nil, errTemplates
		}
		ts[i].Model, b = string(b[:n]), b[n:]
		if n, ok = uvarint(4); !ok {
			return nil, errTemplates
		}
		ts[i].Vector = make([]float32, n)
		for j := range ts[i].Vector {
			ts[i].Vector[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
		b = b[4*n:]
	}
	if len(b) != 0 {
		return nil, errTemplates
	}
	return ts, nil
}
