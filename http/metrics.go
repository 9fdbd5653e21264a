package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/replica"
)

// Metrics are the server's Prometheus metrics, on their own registry so
// that tests can make as many servers as they like.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	stages    *prometheus.HistogramVec
	refusals  *prometheus.CounterVec
	verdicts  *prometheus.CounterVec
	galleries func() map[string]int
	replica   func(context.Context) replica.Stats
}

// NewMetrics makes the metrics; gallerySizes reports faces per app.
func NewMetrics(gallerySizes func() map[string]int) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visage_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "visage_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.005, .01, .02, .05, .1, .2, .5, 1, 2, 5, 10, 30},
		}, []string{"route"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "visage_engine_stage_seconds", Help: "Face engine time per stage of one analysis.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5},
		}, []string{"stage"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visage_rate_limit_refusals_total", Help: "Requests refused for an app's rate limit or monthly quota.",
		}, []string{"code"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visage_liveness_verdicts_total", Help: "Widget sessions' liveness verdicts, by reason (live, passive, flat, no_depth).",
		}, []string{"reason"}),
		galleries: gallerySizes,
	}
	m.reg.MustRegister(m.requests, m.latency, m.stages, m.refusals, m.verdicts, m,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

var (
	galleryDesc = prometheus.NewDesc("visage_gallery_faces", "Faces in the in-memory gallery, by app.", []string{"app"}, nil)
	lagDesc     = prometheus.NewDesc("visage_replication_lag_seconds",
		"How long the oldest change of the shared store's log that this replica's gallery has not applied has been committed.", nil, nil)
	appliedDesc  = prometheus.NewDesc("visage_replication_changes_applied_total", "Changes of the shared store's log applied to the gallery.", nil, nil)
	catchUpsDesc = prometheus.NewDesc("visage_replication_catchups_total", "Times the gallery caught up after the store's log could not be read.", nil, nil)
	reloadsDesc  = prometheus.NewDesc("visage_replication_reloads_total", "Times the whole gallery was reloaded because the log no longer held its next change.", nil, nil)
)

// Replication adds the figures of a replica's gallery follower
// (replica.Follower.Stats) to the metrics.
func (m *Metrics) Replication(stats func(context.Context) replica.Stats) { m.replica = stats }

// Describe and Collect make the gallery sizes and the replication figures
// a collector read at scrape time, so they are never stale and cost
// nothing between scrapes.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- galleryDesc
	ch <- lagDesc
	ch <- appliedDesc
	ch <- catchUpsDesc
	ch <- reloadsDesc
}

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	if m.galleries != nil {
		for app, n := range m.galleries() {
			ch <- prometheus.MustNewConstMetric(galleryDesc, prometheus.GaugeValue, float64(n), app)
		}
	}
	if m.replica != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s := m.replica(ctx)
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, s.Lag.Seconds())
		ch <- prometheus.MustNewConstMetric(appliedDesc, prometheus.CounterValue, float64(s.ChangesApplied))
		ch <- prometheus.MustNewConstMetric(catchUpsDesc, prometheus.CounterValue, float64(s.CatchUps))
		ch <- prometheus.MustNewConstMetric(reloadsDesc, prometheus.CounterValue, float64(s.Reloads))
	}
}

// LivenessVerdict counts one widget session's liveness verdict; wire it
// to widget.Config.OnVerdict.
func (m *Metrics) LivenessVerdict(_ string, reason liveness.Reason) {
	m.verdicts.WithLabelValues(string(reason)).Inc()
}

// ObserveTimings records one engine analysis; wire it to face.Config.Observe.
func (m *Metrics) ObserveTimings(t face.Timings) {
	for stage, d := range map[string]time.Duration{
		"queue": t.Queue, "decode": t.Decode, "detect": t.Detect, "landmarks": t.Landmarks,
		"embed": t.Embed, "liveness": t.Liveness, "attributes": t.Attributes, "quality": t.Quality,
	} {
		if d > 0 {
			m.stages.WithLabelValues(stage).Observe(d.Seconds())
		}
	}
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *Metrics) refused(code visage.Code) { m.refusals.WithLabelValues(string(code)).Inc() }

func (m *Metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }
