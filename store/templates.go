package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/visagehq/visage"
)

// templatesVersion starts the serialised form, so it can change later.
// Version 2 adds each template's flags (learned); templates without any
// are still written as version 1, which the binaries before it read.
const (
	templatesVersion        = 1
	templatesVersionFlagged = 2
)

// flagLearned marks a learned template in version 2.
const flagLearned = 1

// marshalTemplates serialises templates compactly, without field names or
// text floats: version (1 byte), count (uvarint), then for each template,
// in version 2 its flags (uvarint), the model ID (uvarint length +
// bytes), the dimension (uvarint) and the vector as little-endian
// float32s. A 512-d template takes about 2 KiB.
func marshalTemplates(ts []visage.Template) []byte {
	size := 1 + binary.MaxVarintLen64
	version := byte(templatesVersion)
	for _, t := range ts {
		size += 3*binary.MaxVarintLen64 + len(t.Model) + 4*len(t.Vector)
		if t.Learned {
			version = templatesVersionFlagged
		}
	}
	b := make([]byte, 0, size)
	b = append(b, version)
	b = binary.AppendUvarint(b, uint64(len(ts)))
	for _, t := range ts {
		if version == templatesVersionFlagged {
			var flags uint64
			if t.Learned {
				flags |= flagLearned
			}
			b = binary.AppendUvarint(b, flags)
		}
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
	if len(b) == 0 || (b[0] != templatesVersion && b[0] != templatesVersionFlagged) {
		return nil, errTemplates
	}
	flagged := b[0] == templatesVersionFlagged
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
		if flagged {
			flags, ok := uvarint(1)
			if !ok || flags&^flagLearned != 0 {
				return nil, errTemplates
			}
			ts[i].Learned = flags&flagLearned != 0
		}
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
