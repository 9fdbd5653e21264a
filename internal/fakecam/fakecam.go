// Package fakecam makes the camera frames that tests and benchmarks send
// to the widget: a real photo seen by a pinhole camera, either as a
// person (the photo is placed as it is) or as an attacker would show it —
// a print or a screen held at any angle, bent, or warped by software
// before it is sent. Each frame can be given the small differences of a
// real camera (a little scale and shift, another JPEG encoding), so that
// no two frames are alike.
package fakecam

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Frame size and focal length of the simulated camera: a 640×480 webcam
// with a 60° horizontal field of view.
const (
	W, H  = 640, 480
	focal = W / 2 / 0.5773502691896257 // W/2 / tan(30°)
)

// Surface is how the photo is held in front of the camera, in the
// photo's own frame: X right, Y down, in units of the photo's height, its
// centre at the origin.
type Surface int

const (
	Flat     Surface = iota // a print or a screen
	Folded                  // a print folded along its vertical centre line
	Cylinder                // a print curved around a vertical axis
)

// Pose places the photo: its surface, a rotation (degrees) about its
// centre — Yaw about the vertical axis (positive brings the photo's right
// edge towards the camera), Pitch about the horizontal one (positive
// brings its top edge towards the camera), Roll in the image plane
// (positive anticlockwise) — and its height in the frame (Size, a fraction of the
// frame's height, at the photo's plane). Bend is the fold's angle
// between the two halves' normals in degrees, or the cylinder's arc
// across the photo's width in degrees.
type Pose struct {
	Surface          Surface
	Yaw, Pitch, Roll float64
	Size             float64
	Bend             float64
	// DX, DY shift the photo's centre in the frame, in pixels.
	DX, DY float64
	// FoldX moves the fold line (or the cylinder's centre line) off the
	// photo's centre, in units of its height.
	FoldX float64
}

// Warp is a software warp applied to the photo before the camera sees
// it: it maps a position of the warped photo (in the photo's normalised
// frame) back to the original's. Nil is no warp.
type Warp func(x, y float64) (float64, float64)

// Squeeze compresses the photo's right half (right=true) or left half
// horizontally by factor k (0 < k ≤ 1), keeping the centre line: the
// cheap imitation of a head turn.
func Squeeze(right bool, k float64) Warp {
	return func(x, y float64) (float64, float64) {
		if (x > 0) == right {
			return x / k, y
		}
		return x, y
	}
}

// Render draws src as the camera sees it in pose, after warp, on a grey
// background, W×H.
func Render(img image.Image, p Pose, warp Warp) *image.RGBA {
	src := RGBA(img)
	b := src.Bounds()
	sw, sh := float64(b.Dx()), float64(b.Dy())
	size := p.Size
	if size == 0 {
		size = 0.9
	}
	// The photo's plane stands at distance d, where its height (1 unit)
	// spans size·H pixels.
	d := focal / (size * H)
	rot := rotation(p.Yaw, p.Pitch, p.Roll)
	rt := transpose(rot)
	dst := image.NewRGBA(image.Rect(0, 0, W, H))
	cx, cy := W/2+p.DX, H/2+p.DY
	for v := range H {
		for u := range W {
			// The ray through the pixel, in the photo's frame.
			ray := [3]float64{(float64(u) + 0.5 - cx) / focal, (float64(v) + 0.5 - cy) / focal, 1}
			o := mulv(rt, [3]float64{0, 0, -d}) // camera centre
			dir := mulv(rt, ray)
			x, y, ok := hit(p, o, dir)
			if ok && warp != nil {
				x, y = warp(x, y)
			}
			// Photo normalised frame → source pixels.
			sx, sy := x*sh+sw/2, y*sh+sh/2
			c := color.RGBA{128, 128, 128, 255}
			if ok && sx >= 0 && sy >= 0 && sx < sw-1 && sy < sh-1 {
				c = bilinear(src, b.Min.X, b.Min.Y, sx, sy)
			}
			dst.SetRGBA(u, v, c)
		}
	}
	return dst
}

// hit intersects the ray o + t·dir with the surface and returns the
// photo coordinates it meets.
func hit(p Pose, o, dir [3]float64) (x, y float64, ok bool) {
	if p.Surface != Flat && p.FoldX != 0 {
		o[0] -= p.FoldX
		x, y, ok = hit(Pose{Surface: p.Surface, Bend: p.Bend}, o, dir)
		return x + p.FoldX, y, ok
	}
	switch p.Surface {
	case Folded:
		// Two half-planes meeting on the y axis, each turned by Bend/2:
		// with Bend > 0 the centre line comes towards the camera, as a
		// nose does (a print folded to imitate a face); below 0 it goes
		// away.
		a := p.Bend / 2 * math.Pi / 180
		best := math.Inf(1)
		for _, side := range []float64{-1, 1} {
			// The half-plane's in-plane direction away from the fold.
			e := [3]float64{side * math.Cos(a), 0, math.Sin(a)}
			n := [3]float64{-e[2], 0, e[0]}
			den := dot(n, dir)
			if math.Abs(den) < 1e-12 {
				continue
			}
			t := -dot(n, o) / den
			if t <= 0 || t >= best {
				continue
			}
			q := [3]float64{o[0] + t*dir[0], o[1] + t*dir[1], o[2] + t*dir[2]}
			if s := dot(q, e); s >= 0 {
				best, x, y, ok = t, side*s, q[1], true
			}
		}
		return x, y, ok
	case Cylinder:
		// A cylinder of radius r about the vertical axis through (0, 0, r),
		// the photo's centre line touching z = 0 and its edges bending
		// away from the camera; Bend is the arc across the photo.
		arc := p.Bend * math.Pi / 180
		if arc <= 0 {
			break
		}
		r := 1.0 / arc // the photo is about 1 unit wide
		ox, oz := o[0], o[2]-r
		a := dir[0]*dir[0] + dir[2]*dir[2]
		bb := 2 * (ox*dir[0] + oz*dir[2])
		c := ox*ox + oz*oz - r*r
		disc := bb*bb - 4*a*c
		if disc < 0 {
			return 0, 0, false
		}
		t := (-bb - math.Sqrt(disc)) / (2 * a)
		qx, qz := ox+t*dir[0], oz+t*dir[2]
		th := math.Atan2(qx, -qz)
		return th * r, o[1] + t*dir[1], true
	}
	den := dir[2]
	if math.Abs(den) < 1e-12 {
		return 0, 0, false
	}
	t := -o[2] / den
	return o[0] + t*dir[0], o[1] + t*dir[1], t > 0
}

// Camera adds what a real camera changes between frames (Jitter) and
// encodes the frame as a JPEG at a random quality, from r.
func Camera(img image.Image, r *rand.Rand) []byte {
	return JPEG(Jitter(img, r), 70+r.IntN(26))
}

// Jitter is img as another frame of a camera would show it: zoomed by a
// few percent and shifted by a few pixels, at random from r, W×H.
func Jitter(img image.Image, r *rand.Rand) *image.RGBA {
	src := RGBA(img)
	zoom := 1 + (r.Float64()-0.5)*0.04
	dx, dy := (r.Float64()-0.5)*8, (r.Float64()-0.5)*8
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	b := src.Bounds()
	for v := range H {
		for u := range W {
			sx := (float64(u)+0.5-W/2-dx)/zoom + W/2 - 0.5
			sy := (float64(v)+0.5-H/2-dy)/zoom + H/2 - 0.5
			c := color.RGBA{128, 128, 128, 255}
			if sx >= 0 && sy >= 0 && sx < float64(b.Dx()-1) && sy < float64(b.Dy()-1) {
				c = bilinear(src, b.Min.X, b.Min.Y, sx, sy)
			}
			out.SetRGBA(u, v, c)
		}
	}
	return out
}

// JPEG encodes img at quality q.
func JPEG(img image.Image, q int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		panic(err) // encoding to memory fails only on a bad image
	}
	return buf.Bytes()
}

// RGBA is img as an *image.RGBA, converted only when it is not one, so
// that sampling reads pixels directly.
func RGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(b)
	draw.Draw(m, b, img, b.Min, draw.Src)
	return m
}

// bilinear samples img at (x, y), relative to (x0, y0); the caller keeps
// the four pixels inside the image.
func bilinear(img *image.RGBA, x0, y0 int, x, y float64) color.RGBA {
	ix, iy := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(ix), y-float64(iy)
	i := img.PixOffset(x0+ix, y0+iy)
	p := img.Pix
	s := img.Stride
	var c [3]uint8
	for k := range 3 {
		top := float64(p[i+k])*(1-fx) + float64(p[i+4+k])*fx
		bot := float64(p[i+s+k])*(1-fx) + float64(p[i+s+4+k])*fx
		c[k] = uint8(top*(1-fy) + bot*fy + 0.5)
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// rotation is Rz(roll)·Rx(pitch)·Ry(yaw) in the camera's frame (x right,
// y down, z forward).
func rotation(yaw, pitch, roll float64) [3][3]float64 {
	y, p, r := yaw*math.Pi/180, pitch*math.Pi/180, -roll*math.Pi/180
	ry := [3][3]float64{{math.Cos(y), 0, math.Sin(y)}, {0, 1, 0}, {-math.Sin(y), 0, math.Cos(y)}}
	rx := [3][3]float64{{1, 0, 0}, {0, math.Cos(p), -math.Sin(p)}, {0, math.Sin(p), math.Cos(p)}}
	rz := [3][3]float64{{math.Cos(r), -math.Sin(r), 0}, {math.Sin(r), math.Cos(r), 0}, {0, 0, 1}}
	return mulm(rz, mulm(rx, ry))
}

func mulm(a, b [3][3]float64) (c [3][3]float64) {
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func mulv(a [3][3]float64, v [3]float64) (r [3]float64) {
	for i := range 3 {
		r[i] = a[i][0]*v[0] + a[i][1]*v[1] + a[i][2]*v[2]
	}
	return r
}

func transpose(a [3][3]float64) (t [3][3]float64) {
	for i := range 3 {
		for j := range 3 {
			t[i][j] = a[j][i]
		}
	}
	return t
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
