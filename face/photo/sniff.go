package photo

import "bytes"

// sniff names the format of b from its magic bytes; a file name or a declared
// content type is never trusted. supported reports whether Decode reads the
// format. An empty name means the bytes match no image format known here,
// which Decode reports as IMAGE_INVALID: garbage is not an unsupported image.
func sniff(b []byte) (name string, supported bool) {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return "jpeg", true
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "png", true
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "gif", true
	case has(0, "RIFF") && has(8, "WEBP"):
		return "webp", true
	case has(0, "BM"):
		return "bmp", true
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "tiff", true
	case has(0, "II+\x00"), has(0, "MM\x00+"):
		return "bigtiff", false
	// ICO and CUR: reserved 0, type 1 or 2, then a non-zero image count.
	case (has(0, "\x00\x00\x01\x00") || has(0, "\x00\x00\x02\x00")) && len(b) >= 6 && b[4]|b[5] != 0:
		return "ico", false
	case has(4, "ftyp"):
		return isoImageBrand(b), false
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL \r\n\x87\n"):
		return "jpeg xl", false
	case has(0, "\x00\x00\x00\x0cjP  \r\n\x87\n"), has(0, "\xff\x4f\xff\x51"):
		return "jpeg 2000", false
	case has(0, "8BPS"):
		return "psd", false
	case isSVG(b):
		return "svg", false
	}
	return "", false
}

// isoImageBrand names the still-image formats of the ISO media file family
// (HEIF from iPhones, AVIF) by the major brand; other members, such as MP4
// video, are not images at all.
func isoImageBrand(b []byte) string {
	if len(b) < 12 {
		return ""
	}
	switch string(b[8:12]) {
	case "avif", "avis":
		return "avif"
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
		return "heif"
	}
	return ""
}

// isSVG looks for an <svg element near the start of what must be markup.
func isSVG(b []byte) bool {
	head := b[:min(len(b), 1024)]
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(head) > 0 && head[0] == '<' && bytes.Contains(head, []byte("<svg"))
}
