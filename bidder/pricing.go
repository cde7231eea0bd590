package bidder

import (
	"math"

	"github.com/prebid/openrtb/v20/adcom1"
)

// Pricing: a campaign's bid value is its base CPM scaled by how much better (or worse) than
// average this impression is expected to do on the campaign's objective:
//
//	value = base_cpm × clamp(p / p̄, 0.5, 2.5), capped at max_cpm
//
// where p is the predicted click-through rate (objective "ctr") or completion rate
// ("completion") of this impression and p̄ the prediction for the same context with an unknown
// viewer. The predictor is a logistic model over a handful of features: the viewer's
// historical rate (from the featurestore, when personalization is allowed), device type,
// placement and interstitial. Without viewer features the ratio is the context's lift alone.
type predictor struct {
	bias        float64
	wViewer     float64 // weight of logit(viewer rate) − logit(prior)
	prior       float64 // population rate the viewer's rate is compared with
	wCTV        float64
	wMobile     float64
	wInstl      float64
	wInstream   float64
	wStandalone float64
}

var (
	ctrModel = predictor{bias: logit(0.002), wViewer: 0.8, prior: 0.002, wCTV: -0.7, wMobile: 0.25, wInstl: 0.6, wInstream: 0.1, wStandalone: -0.3}
	vcrModel = predictor{bias: logit(0.7), wViewer: 0.9, prior: 0.7, wCTV: 0.9, wMobile: -0.2, wInstl: 0.3, wInstream: 0.4, wStandalone: -0.8}
)

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// impContext is what the model knows about the impression's context.
type impContext struct {
	deviceType adcom1.DeviceType
	instl      bool
	plcmt      adcom1.VideoPlcmtSubtype
}

func (m *predictor) contextLogit(x impContext) float64 {
	z := m.bias
	switch x.deviceType {
	case adcom1.DeviceTV, adcom1.DeviceConnected, adcom1.DeviceSetTopBox:
		z += m.wCTV
	case adcom1.DeviceMobile, adcom1.DevicePhone, adcom1.DeviceTablet:
		z += m.wMobile
	}
	if x.instl {
		z += m.wInstl
	}
	switch x.plcmt {
	case adcom1.VideoPlcmtInstream:
		z += m.wInstream
	case adcom1.VideoPlcmtNoContent:
		z += m.wStandalone
	}
	return z
}

// lift returns p / p̄ for the viewer rate (0 = unknown) in context x.
func (m *predictor) lift(x impContext, viewerRate float64) float64 {
	if viewerRate <= 0 {
		return 1
	}
	r := min(max(viewerRate, 1e-4), 1-1e-4)
	z := m.contextLogit(x)
	return sigmoid(z+m.wViewer*(logit(r)-logit(m.prior))) / sigmoid(z)
}

// contextLift is the context's predicted rate relative to the population prior.
func (m *predictor) contextLift(x impContext) float64 {
	return sigmoid(m.contextLogit(x)) / m.prior
}

// multipliers are an impression's value multipliers per objective: [flat, ctr, completion].
type multipliers [3]float64

// objectiveMultipliers evaluates the models once per impression: every campaign with the same
// objective shares the multiplier.
func objectiveMultipliers(x impContext, v *ViewerFeatures) multipliers {
	var ctr, vcr float64
	if v != nil {
		ctr, vcr = v.CTR, v.Completion
	}
	return multipliers{
		1,
		min(max(ctrModel.contextLift(x)*ctrModel.lift(x, ctr), 0.5), maxMultiplier),
		min(max(vcrModel.contextLift(x)*vcrModel.lift(x, vcr), 0.5), maxMultiplier),
	}
}

// valueMicros is the campaign's value of the impression in USD micros CPM.
func valueMicros(c *Campaign, x impContext, v *ViewerFeatures) int64 {
	m := objectiveMultipliers(x, v)
	return valueAt(c, &m)
}

// valueAt is the campaign's value under precomputed multipliers.
func valueAt(c *Campaign, m *multipliers) int64 {
	return valueOf(c.BaseCPMMicros, c.MaxCPMMicros, objectiveIndex(c.Objective), m)
}

// objectiveIndex is the objective's index in multipliers.
func objectiveIndex(objective string) uint8 {
	switch objective {
	case "ctr":
		return 1
	case "completion":
		return 2
	}
	return 0
}

func valueOf(base, maxCPM int64, obj uint8, m *multipliers) int64 {
	val := int64(float64(base) * m[obj])
	if maxCPM > 0 && val > maxCPM {
		val = maxCPM
	}
	return val
}

// maxMultiplier bounds every objective's multiplier (see objectiveMultipliers).
const maxMultiplier = 2.5
