package face

import "github.com/visagehq/visage/face/photo"

// FindInSquare runs the mesh model on the square sq of img, upright: the
// crop Human feeds it, so that the tests can compare with Human's mesh.
func (m *FaceMesh) FindInSquare(img *photo.RGB, sq Rect) *Mesh {
	return m.run(img, sq.center(), sq.W, 0)
}
