package photo

// #include <turbojpeg.h>
import "C"
import "unsafe"

func tjInitDestroy() { C.tjDestroy(C.tjInitDecompress()) }

func tjInto(data, pix []byte, w, h, flags int) int {
	tj := C.tjInitDecompress()
	defer C.tjDestroy(tj)
	return int(C.tjDecompress2(tj, (*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(w*3), C.int(h), C.TJPF_RGB, C.int(flags)))
}
