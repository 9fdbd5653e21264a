package face

import "github.com/visagehq/visage/face/photo"

// Crop is a grey square around a face at a fixed size, whatever the
// photo's: what liveness needs to follow patches of skin from one camera
// frame to the next (package liveness). It is a picture of the face, kept
// in memory for a widget session only and never stored or logged.
type Crop struct {
	Size int     // side, in pixels
	Pix  []uint8 // Size×Size, row by row
	// The crop's pixel (u, v) shows the photo's point
	// (X + (u+0.5)·Scale − 0.5, Y + (v+0.5)·Scale − 0.5).
	X, Y, Scale float32
}

// In maps a point of the photo into the crop's pixels.
func (c *Crop) In(p Point) Point {
	return Point{(p.X-c.X+0.5)/c.Scale - 0.5, (p.Y-c.Y+0.5)/c.Scale - 0.5}
}

// The crop is 1.5 times the detector box, 320 pixels a side: the face,
// brow to chin, is then about 200 pixels tall, enough for patches of
// skin to be followed to a tenth of a pixel.
const (
	CropSize  = 320
	cropScale = 1.5
)

// crop fills a Crop of the face in box; back maps the decoded image's
// pixels to the photo's.
func (w *worker) crop(img *photo.RGB, box Rect, back float32) *Crop {
	sq := box.square(cropScale)
	w.warp(&w.cropImg, img, boxAffine(sq, CropSize, CropSize))
	c := &Crop{Size: CropSize, Pix: make([]uint8, CropSize*CropSize),
		X: sq.X * back, Y: sq.Y * back, Scale: sq.W * back / CropSize}
	for i := range c.Pix {
		p := w.cropImg.Pix[i*3 : i*3+3]
		c.Pix[i] = uint8((299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2]) + 500) / 1000)
	}
	return c
}
