package photo

// orient returns img turned upright for EXIF orientation o (1..8): the
// camera stores the sensor's rows and records how to display them. Any other
// value means no change. For 5..8 the width and height swap.
func orient(img *RGB, o int) *RGB {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.W, img.H
	// Source pixel (x, y) goes to destination pixel off + x*dx + y*dy, with
	// the destination rows w wide for 1..4 and h wide for 5..8.
	var off, dx, dy int
	switch o {
	case 2: // mirrored left-right
		off, dx, dy = w-1, -1, w
	case 3: // upside down
		off, dx, dy = w*h-1, -1, -w
	case 4: // mirrored top-bottom
		off, dx, dy = (h-1)*w, 1, -w
	case 5: // transposed: source rows become columns, left to right
		off, dx, dy = 0, h, 1
	case 6: // rotate 90 degrees clockwise
		off, dx, dy = h-1, h, -1
	case 7: // transversed
		off, dx, dy = w*h-1, -h, -1
	case 8: // rotate 90 degrees counter-clockwise
		off, dx, dy = (w-1)*h, -h, 1
	}
	out := &RGB{W: w, H: h, Pix: make([]byte, len(img.Pix))}
	if o >= 5 {
		out.W, out.H = h, w
	}
	for y := range h {
		src := img.Pix[y*w*3 : (y+1)*w*3]
		d := off + y*dy
		for x := 0; x < len(src); x += 3 {
			p := out.Pix[d*3 : d*3+3]
			p[0], p[1], p[2] = src[x], src[x+1], src[x+2]
			d += dx
		}
	}
	return out
}
