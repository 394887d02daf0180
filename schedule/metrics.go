package schedule

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// SourceState is what the daemon knows of a source: its last run and its
// next scheduled one.
type SourceState struct {
	LastRun      time.Time `json:"last_run,omitzero"`
	Status       string    `json:"status,omitempty"` // ok, partial, failed, cancelled, locked
	Duration     float64   `json:"duration_seconds,omitempty"`
	Fetched      int       `json:"pages_fetched"`
	Failed       int       `json:"pages_failed"`
	Rejects      int       `json:"rejects"`
	LastGood     time.Time `json:"last_good_snapshot,omitzero"` // the newest ok snapshot
	Next         time.Time `json:"next_run,omitzero"`
	Reason       string    `json:"reason,omitempty"`
	runsByStatus map[string]float64
}

// state holds every source's state for /healthz and /metrics.
type state struct {
	mu      sync.Mutex
	sources map[string]*SourceState
	next    func() map[string]time.Time
	started time.Time
}

func newState(next func() map[string]time.Time, now time.Time) *state {
	return &state{sources: map[string]*SourceState{}, next: next, started: now}
}

func (s *state) source(name string) *SourceState {
	st := s.sources[name]
	if st == nil {
		st = &SourceState{runsByStatus: map[string]float64{}}
		s.sources[name] = st
	}
	return st
}

// update changes a source's state under the lock.
func (s *state) update(name string, f func(*SourceState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.source(name))
}

// copy returns every source's state with its next run filled in.
func (s *state) copy() map[string]SourceState {
	next := map[string]time.Time{}
	if s.next != nil {
		next = s.next()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range next {
		s.source(name)
	}
	out := make(map[string]SourceState, len(s.sources))
	for name, st := range s.sources {
		c := *st
		c.Next = next[name]
		c.runsByStatus = map[string]float64{}
		for k, v := range st.runsByStatus {
			c.runsByStatus[k] = v
		}
		out[name] = c
	}
	return out
}

var (
	descLastRun  = prometheus.NewDesc("gmvscope_last_run_timestamp_seconds", "When the source's last run finished.", []string{"source"}, nil)
	descStatus   = prometheus.NewDesc("gmvscope_last_run_status", "1 for the status the source's last run ended with.", []string{"source", "status"}, nil)
	descDuration = prometheus.NewDesc("gmvscope_last_run_duration_seconds", "How long the source's last run took.", []string{"source"}, nil)
	descPages    = prometheus.NewDesc("gmvscope_last_run_pages", "Pages of the source's last run, fetched and read or failed.", []string{"source", "outcome"}, nil)
	descRejects  = prometheus.NewDesc("gmvscope_last_run_rejects", "Values and rows the source's last run rejected.", []string{"source"}, nil)
	descGood     = prometheus.NewDesc("gmvscope_last_good_snapshot_timestamp_seconds", "When the source's newest complete (ok) snapshot was taken: alert when time() minus this is over 8 days.", []string{"source"}, nil)
	descNext     = prometheus.NewDesc("gmvscope_next_run_timestamp_seconds", "When the source runs next.", []string{"source"}, nil)
	descRuns     = prometheus.NewDesc("gmvscope_runs_total", "Runs this daemon made, by how they ended.", []string{"source", "status"}, nil)
	descUp       = prometheus.NewDesc("gmvscope_daemon_start_timestamp_seconds", "When this daemon started.", nil, nil)
)

var statuses = []string{"ok", "partial", "failed", "cancelled", "locked"}

// Describe sends the metrics' descriptions.
func (s *state) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastRun, descStatus, descDuration, descPages, descRejects, descGood, descNext, descRuns, descUp} {
		ch <- d
	}
}

// Collect sends the metrics as they stand.
func (s *state) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, unix(s.started))
	for name, st := range s.copy() {
		if !st.LastRun.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLastRun, prometheus.GaugeValue, unix(st.LastRun), name)
			for _, status := range statuses {
				v := 0.0
				if st.Status == status {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(descStatus, prometheus.GaugeValue, v, name, status)
			}
			ch <- prometheus.MustNewConstMetric(descDuration, prometheus.GaugeValue, st.Duration, name)
			ch <- prometheus.MustNewConstMetric(descPages, prometheus.GaugeValue, float64(st.Fetched), name, "fetched")
			ch <- prometheus.MustNewConstMetric(descPages, prometheus.GaugeValue, float64(st.Failed), name, "failed")
			ch <- prometheus.MustNewConstMetric(descRejects, prometheus.GaugeValue, float64(st.Rejects), name)
		}
		if !st.LastGood.IsZero() {
			ch <- prometheus.MustNewConstMetric(descGood, prometheus.GaugeValue, unix(st.LastGood), name)
		}
		if !st.Next.IsZero() {
			ch <- prometheus.MustNewConstMetric(descNext, prometheus.GaugeValue, unix(st.Next), name)
		}
		for _, status := range statuses {
			ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, st.runsByStatus[status], name, status)
		}
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// handler serves /healthz and /metrics.
func (s *state) handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		all := s.copy()
		names := make([]string, 0, len(all))
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		type src struct {
			Name string `json:"name"`
			SourceState
		}
		out := struct {
			Status  string `json:"status"`
			Sources []src  `json:"sources"`
		}{Status: "ok"}
		for _, n := range names {
			out.Sources = append(out.Sources, src{n, all[n]})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	return mux
}
