package face

import "math"

// The quality score says how likely a photo is to be recognised: the
// probability that a face like it matches another photo of the same
// person at the default level (match.DefaultLevel). It is a logistic
// regression on signals each of which is known to predict failures — the
// detector's confidence, the face's size, how far it is turned, how sharp
// the aligned face is and, for the pack it was fitted on, how strongly the
// recogniser responds (the length of its output before normalisation,
// which margin-trained networks shorten for faces they see poorly). `visage
// bench quality` fits it on LFW's and CFP's pairs, each photo labelled by
// the share of its genuine pairs that matched, and prints the models
// below; docs/engine.md has the figures.

// QualityModel is one fitted regression: Quality.Score is
// σ(Bias + Σ weight × feature), the features as QualityFeatures gives them.
type QualityModel struct {
	// Pack is the ID of the pack whose recogniser response (LogNorm) it
	// was fitted with; empty for the generic model, fitted without it,
	// which serves every other pack.
	Pack                                                 string
	Bias, Detector, Size, Yaw, Pitch, Sharpness, LogNorm float64
}

// QualityFeatures are the regression's inputs for a face whose detector
// score is det: the detector's confidence, the face's height in doublings
// above 20 pixels (up to 320, beyond which size no longer helps), |yaw|
// and |pitch| in units of 45°, the logarithm of the sharpness, and the
// recogniser's LogNorm.
func QualityFeatures(det float32, q Quality) [6]float64 {
	var sharp float64
	if q.Sharpness != nil {
		sharp = math.Log1p(max(float64(*q.Sharpness), 0))
	}
	return [6]float64{
		float64(det),
		math.Log2(min(max(float64(q.Size), 20), 320) / 20),
		math.Abs(float64(q.Yaw)) / 45,
		math.Abs(float64(q.Pitch)) / 45,
		sharp,
		float64(q.LogNorm),
	}
}

func (m QualityModel) score(det float32, q Quality) float32 {
	return float32(m.Of(QualityFeatures(det, q)))
}

// Of is the score of a face with features f (QualityFeatures). The
// generic model's LogNorm weight is 0.
func (m QualityModel) Of(f [6]float64) float64 {
	z := m.Bias + m.Detector*f[0] + m.Size*f[1] + m.Yaw*f[2] + m.Pitch*f[3] + m.Sharpness*f[4] + m.LogNorm*f[5]
	return 1 / (1 + math.Exp(-z))
}

// QualityModels are the fitted models (`visage bench quality --pack`): the
// default pack's, fused-mfn512-mfn192's (the default before it), then the
// generic one.
var QualityModels = []QualityModel{
	{Pack: "fr_feature_fast@e3fb7b7680ab*10.37+dlib_resnet128@b1506255006d*28.78+flip>20", Bias: -4.4336, Detector: 0.7365, Sharpness: 0.1138, LogNorm: 5.3207},
	{Pack: "fr_feature_fast@e3fb7b7680ab*10.37+mobilefacenet192@48c2d57736bb*6.872", Bias: -9.6793, Detector: 1.7942, Sharpness: 0.1206, LogNorm: 3.0279},
	{Bias: -5.9508, Detector: 5.3598, Size: 0.0523, Pitch: -0.1539, Sharpness: 0.2610},
}

// qualityModelOf is the model fitted for the pack with that ID, else the
// generic one.
func qualityModelOf(packID string) QualityModel {
	for _, m := range QualityModels {
		if m.Pack == packID {
			return m
		}
	}
	return QualityModels[len(QualityModels)-1]
}
