package photo

import (
	"bytes"
	"encoding/binary"
)

// orientation reads the EXIF orientation recorded in data. It returns 1 when
// there is none or it cannot be read: a broken tag must not fail an image
// that decoded.
func orientation(format string, data []byte) int {
	var exif []byte
	switch format {
	case "jpeg":
		exif = jpegExif(data)
	case "png":
		exif = pngExif(data)
	case "webp":
		exif = webpExif(data)
	case "tiff":
		exif = data // EXIF borrows the TIFF structure; a TIFF file has the tag itself
	}
	return tiffOrientation(exif)
}

// tiffOrientation reads the Orientation tag (0x0112) of the first IFD of a
// TIFF-structured block, which is what an EXIF payload is.
//
// It is hand-written rather than an EXIF library because it needs one tag
// from one IFD, and on hostile bytes it must do bounded work: it follows a
// single offset, reads at most 65535 entries of 12 bytes, and checks every
// read against the block. A general EXIF parser walks sub-IFDs, maker notes
// and thumbnails, a large surface for one number.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := uint64(bo.Uint32(b[4:]))
	if ifd+2 > uint64(len(b)) {
		return 1
	}
	n := int(bo.Uint16(b[ifd:]))
	for e := int(ifd) + 2; n > 0 && e+12 <= len(b); e, n = e+12, n-1 {
		if bo.Uint16(b[e:]) != 0x0112 {
			continue
		}
		var v uint32
		switch bo.Uint16(b[e+2:]) {
		case 3: // SHORT, as the standard says
			v = uint32(bo.Uint16(b[e+8:]))
		case 4: // LONG, from some writers
			v = bo.Uint32(b[e+8:])
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}

// jpegExif returns the TIFF block of the first APP1 "Exif\0\0" segment
// before the first scan (an XMP APP1 may come first).
func jpegExif(b []byte) []byte {
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xDA || m == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		if seg := b[i+4 : i+2+n]; m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// pngExif returns the payload of the eXIf chunk. The chunk walk skips data
// by the declared lengths, so it costs one step per chunk.
func pngExif(b []byte) []byte {
	for i := 8; i+12 <= len(b); {
		n := uint64(binary.BigEndian.Uint32(b[i:]))
		if uint64(i)+12+n > uint64(len(b)) {
			return nil
		}
		switch string(b[i+4 : i+8]) {
		case "eXIf":
			return b[i+8 : i+8+int(n)]
		case "IEND":
			return nil
		}
		i += 12 + int(n) // length, type, data, CRC
	}
	return nil
}

// webpExif returns the payload of the EXIF chunk of an extended WebP.
func webpExif(b []byte) []byte {
	for i := 12; i+8 <= len(b); {
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		if uint64(i)+8+n > uint64(len(b)) {
			return nil
		}
		if string(b[i:i+4]) == "EXIF" {
			// Some writers keep JPEG's "Exif\0\0" prefix in the chunk.
			return bytes.TrimPrefix(b[i+8:i+8+int(n)], []byte("Exif\x00\x00"))
		}
		i += 8 + int(n+n&1) // chunks are padded to an even size
	}
	return nil
}
