// Package metrics holds pingyi's Prometheus metrics: request latency per route pattern,
// ballots cast, where public pages were read from, the standby's lag and the database
// pools. Each web server has its own registry, so tests can build many side by side.
//
// Labels never carry what a visitor typed: a route is chi's pattern (/v/{code}), never
// the path, so no ballot code, receipt or id reaches a label.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is one server's set of metrics and the registry that serves them.
type Metrics struct {
	// Registry is what /metrics serves.
	Registry *prometheus.Registry

	requests     *prometheus.HistogramVec
	ballots      *prometheus.CounterVec
	publicReads  *prometheus.CounterVec
	fallbacks    *prometheus.CounterVec
	standbyLag   prometheus.Gauge
	standbyUsing prometheus.Gauge
	pools        *poolCollector
}

// New makes the metrics with the Go runtime's and the process's own.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pingyi_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by method, route pattern and status code.",
			// From a cached static file to a results workbook of a large round.
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
		ballots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pingyi_ballots_cast_total",
			Help: "Ballots sealed and acknowledged with a receipt, by channel (phone or paper).",
		}, []string{"channel"}),
		publicReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pingyi_public_reads_total",
			Help: "Public pages (公示, 三公开) answered, by the database that answered them (standby or primary).",
		}, []string{"database"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pingyi_standby_fallbacks_total",
			Help: "Public pages sent to the primary although a standby is configured, by reason (lag, down, error, not_found).",
		}, []string{"reason"}),
		standbyLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pingyi_standby_lag_seconds",
			Help: "How far behind the primary the standby was at its last check; -1 if unknown.",
		}),
		standbyUsing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pingyi_standby_usable",
			Help: "1 while public pages are read from the standby, 0 while they go to the primary.",
		}),
	}
	m.standbyLag.Set(-1)
	m.pools = &poolCollector{}
	m.Registry.MustRegister(m.requests, m.ballots, m.publicReads, m.fallbacks, m.standbyLag, m.standbyUsing, m.pools,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one answered request. route is the matched pattern, or
// "unmatched" for a request no route took.
func (m *Metrics) ObserveRequest(method, route string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other" // the method is the client's to choose: keep the label set small
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// BallotCast counts one acknowledged ballot; paper is true for a slip the office entered.
func (m *Metrics) BallotCast(paper bool) {
	if paper {
		m.ballots.WithLabelValues("paper").Inc()
		return
	}
	m.ballots.WithLabelValues("phone").Inc()
}

// PublicRead counts a public page answered by the standby or the primary.
func (m *Metrics) PublicRead(standby bool) {
	if standby {
		m.publicReads.WithLabelValues("standby").Inc()
		return
	}
	m.publicReads.WithLabelValues("primary").Inc()
}

// StandbyFallback counts a public page sent to the primary for the reason given.
func (m *Metrics) StandbyFallback(reason string) { m.fallbacks.WithLabelValues(reason).Inc() }

// StandbyState records the standby's last check: whether it is used and its lag
// (negative when unknown).
func (m *Metrics) StandbyState(usable bool, lag time.Duration) {
	if usable {
		m.standbyUsing.Set(1)
	} else {
		m.standbyUsing.Set(0)
	}
	if lag < 0 {
		m.standbyLag.Set(-1)
		return
	}
	m.standbyLag.Set(lag.Seconds())
}

// WatchPool exports a pgx pool's statistics under the given name (primary, standby).
func (m *Metrics) WatchPool(name string, p *pgxpool.Pool) {
	m.pools.mu.Lock()
	defer m.pools.mu.Unlock()
	m.pools.pools = append(m.pools.pools, namedPool{name, p})
}

// poolCollector reads pgxpool.Stat of every watched pool at every scrape.
type poolCollector struct {
	mu    sync.Mutex
	pools []namedPool
}

type namedPool struct {
	name string
	pool *pgxpool.Pool
}

var (
	poolLabels     = []string{"pool"}
	poolTotal      = prometheus.NewDesc("pingyi_db_pool_connections", "Connections open in the pool.", poolLabels, nil)
	poolAcquired   = prometheus.NewDesc("pingyi_db_pool_acquired_connections", "Connections in use.", poolLabels, nil)
	poolIdle       = prometheus.NewDesc("pingyi_db_pool_idle_connections", "Connections idle in the pool.", poolLabels, nil)
	poolMax        = prometheus.NewDesc("pingyi_db_pool_max_connections", "The pool's size limit.", poolLabels, nil)
	poolAcquires   = prometheus.NewDesc("pingyi_db_pool_acquires_total", "Connections acquired from the pool.", poolLabels, nil)
	poolWaits      = prometheus.NewDesc("pingyi_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", poolLabels, nil)
	poolCancelled  = prometheus.NewDesc("pingyi_db_pool_canceled_acquires_total", "Acquires given up before a connection came.", poolLabels, nil)
	poolWaitTime   = prometheus.NewDesc("pingyi_db_pool_acquire_seconds_total", "Time spent acquiring connections.", poolLabels, nil)
	poolNewConns   = prometheus.NewDesc("pingyi_db_pool_new_connections_total", "Connections opened.", poolLabels, nil)
	poolDescriptor = []*prometheus.Desc{poolTotal, poolAcquired, poolIdle, poolMax, poolAcquires, poolWaits, poolCancelled, poolWaitTime, poolNewConns}
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolDescriptor {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	pools := append([]namedPool(nil), c.pools...)
	c.mu.Unlock()
	for _, p := range pools {
		collectPool(ch, p.name, p.pool.Stat())
	}
}

func collectPool(ch chan<- prometheus.Metric, name string, s *pgxpool.Stat) {
	g := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
	}
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
	}
	g(poolTotal, float64(s.TotalConns()))
	g(poolAcquired, float64(s.AcquiredConns()))
	g(poolIdle, float64(s.IdleConns()))
	g(poolMax, float64(s.MaxConns()))
	n(poolAcquires, float64(s.AcquireCount()))
	n(poolWaits, float64(s.EmptyAcquireCount()))
	n(poolCancelled, float64(s.CanceledAcquireCount()))
	n(poolWaitTime, s.AcquireDuration().Seconds())
	n(poolNewConns, float64(s.NewConnsCount()))
}
