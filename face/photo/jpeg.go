package photo

/*
#cgo LDFLAGS: -lturbojpeg
#include <turbojpeg.h>
*/
import "C"

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"unsafe"

	"github.com/visagehq/visage"
)

// decodeFlags are the TurboJPEG flags of every decode. LIMITSCANS refuses a
// progressive JPEG with an absurd number of scans, a CPU bomb that fits in a
// few kilobytes. The accurate IDCT and smooth chroma upsampling, which are
// libjpeg-turbo's defaults, are kept: on a 640x480 photo, FASTDCT and
// FASTUPSAMPLE together save 0.07 ms of 0.79 (BenchmarkDecodeJPEG640x480),
// and they move pixels by 1 on average, by up to 53 at colour edges.
const decodeFlags = C.TJFLAG_LIMITSCANS

// The speed flags that the benchmarks measure against decodeFlags.
const (
	fastDCT      = C.TJFLAG_FASTDCT
	fastUpsample = C.TJFLAG_FASTUPSAMPLE
)

// decodeJPEG decodes with libjpeg-turbo straight into the RGB buffer (buf
// when it is large enough), using
// the IDCT's own scaling when the image is far larger than lim.MaxSide. It
// returns the stored width and height too. The few valid JPEGs TurboJPEG
// will not take (CMYK, 4:1:0 chroma) go to image/jpeg instead: they come
// from print workflows and old encoders, not from cameras, so its speed will
// do.
func decodeJPEG(data []byte, lim Limits, flags int, buf []byte) (*RGB, int, int, error) {
	// libjpeg's messages, warnings included, land in a thread-local
	// string that tjGetErrorStr2 reads back. Each cgo call may run on
	// another OS thread, so without this the message read after a
	// decode could be another decode's, from another thread: a corrupt
	// image's "premature end" then read as a harmless warning of some
	// other photo, and the image let through (a test saw it under load).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tj := C.tjInitDecompress()
	if tj == nil {
		return nil, 0, 0, visage.Errorf(visage.CodeInternal, "cannot start the JPEG decoder")
	}
	defer C.tjDestroy(tj)
	// The Go memory is only borrowed for the call: TurboJPEG keeps no
	// pointer to either buffer, and neither holds Go pointers.
	src, size := (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data))

	var w, h, subsamp, colorspace C.int
	if C.tjDecompressHeader3(tj, src, size, &w, &h, &subsamp, &colorspace) != 0 {
		// TurboJPEG 2.1 names the chroma subsampling to plan its output and
		// refuses a valid one it has no name for, such as 4:1:0.
		if strings.HasSuffix(C.GoString(C.tjGetErrorStr2(tj)), "Could not determine subsampling type for JPEG image") {
			return decodeStd("jpeg", data, lim)
		}
		if err := tjError(tj, data); err != nil {
			return nil, 0, 0, err
		}
	}
	if err := checkPixels("jpeg", int(w), int(h), lim); err != nil {
		return nil, 0, 0, err
	}
	if colorspace == C.TJCS_CMYK || colorspace == C.TJCS_YCCK {
		// libjpeg-turbo does not convert CMYK to RGB, and Adobe's inverted
		// CMYK is flagged in a marker that image/jpeg already reads.
		return decodeStd("jpeg", data, lim)
	}

	sw, sh := jpegScaledSize(int(w), int(h), lim.MaxSide)
	img := &RGB{W: sw, H: sh, Pix: buf}
	if cap(buf) >= sw*sh*3 {
		img.Pix = buf[:sw*sh*3]
	} else {
		img = newRGB(sw, sh)
	}
	dst := (*C.uchar)(unsafe.Pointer(&img.Pix[0]))
	// TurboJPEG picks the largest scaling that fits in sw x sh, which is
	// exactly the one jpegScaledSize chose, so the pitch matches the buffer.
	if C.tjDecompress2(tj, src, size, dst, C.int(sw), C.int(sw*3), C.int(sh), C.TJPF_RGB, C.int(flags)) != 0 {
		if err := tjError(tj, data); err != nil {
			return nil, 0, 0, err
		}
	}
	return img, int(w), int(h), nil
}

// jpegScaledSize picks the smallest of the IDCT scalings 1/8, 1/4 and 1/2
// whose longest side still reaches maxSide, so that Downscale's area
// averaging finishes the job from less than twice the target size. Scaling
// in the IDCT skips most of the decoding work and is itself a low-pass
// filter, unlike dropping pixels. The rounding is TurboJPEG's TJSCALED.
func jpegScaledSize(w, h, maxSide int) (int, int) {
	if maxSide > 0 {
		for _, d := range []int{8, 4, 2} {
			sw, sh := (w+d-1)/d, (h+d-1)/d
			if max(sw, sh) >= maxSide {
				return sw, sh
			}
		}
	}
	return w, h
}

// tjError turns TurboJPEG's last failure into an image error, or nil for a
// warning that leaves the pixels whole (such as "extraneous bytes before
// marker", common in camera files).
//
// libjpeg "recovers" from a truncated file by painting the missing part grey
// and warning "Premature end of JPEG file", and from a segment cut short with
// "premature end of data segment": both are IMAGE_INVALID here. Only the
// first warning's text is kept, so a benign one can hide a later truncation;
// jpegReachesEOI catches that from the bytes themselves.
func tjError(tj C.tjhandle, data []byte) error {
	msg := C.GoString(C.tjGetErrorStr2(tj))
	if C.tjGetErrorCode(tj) == C.TJERR_WARNING &&
		!strings.Contains(strings.ToLower(msg), "premature end") && jpegReachesEOI(data) {
		return nil
	}
	err := errors.New(msg)
	// "Unsupported JPEG data precision 12", "Unsupported JPEG process: SOF
	// type 0xc3" (lossless): real JPEGs that libjpeg-turbo 2.1 does not read.
	if strings.HasPrefix(msg, "Unsupported JPEG") {
		return visage.Wrap(visage.CodeImageUnsupported, err, "this kind of jpeg image is not supported")
	}
	return invalid("jpeg", err)
}

// jpegReachesEOI reports whether the marker structure of a JPEG runs to an
// EOI marker, which a truncated file lacks. Segments are skipped by their
// length (an EXIF thumbnail's own EOI sits inside one); in entropy-coded data
// a 0xFF is always followed by 0x00 (stuffing) or a restart marker, so the
// next other marker ends the scan. Stray bytes between markers are skipped,
// as libjpeg does.
func jpegReachesEOI(b []byte) bool {
	i := 2 // past SOI
	for i < len(b) {
		j := bytes.IndexByte(b[i:], 0xFF)
		if j < 0 || i+j+1 >= len(b) {
			return false
		}
		i += j
		switch m := b[i+1]; {
		case m == 0xD9:
			return true
		case m == 0xFF: // fill byte
			i++
		case m == 0x00, m == 0x01, m >= 0xD0 && m <= 0xD8: // no length follows
			i += 2
		default:
			if i+4 > len(b) {
				return false
			}
			i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
		}
	}
	return false
}
