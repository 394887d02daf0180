package crawl

import (
	"sort"
	"time"
)

// Stats summarise a crawl.
type Stats struct {
	Fetched     int            `json:"fetched"`   // pages fetched and usable
	Failed      int            `json:"failed"`    // pages that ended in failure
	ByStatus    map[int]int    `json:"by_status"` // HTTP responses by status code
	Failures    map[string]int `json:"failures"`  // failed pages by reason
	Records     int            `json:"records"`
	Rejects     int            `json:"rejects"`
	Bytes       int64          `json:"bytes"`
	OffSite     int            `json:"off_site"`          // links dropped: origin not allowed
	RobotsDeny  int            `json:"robots_deny"`       // URLs robots.txt disallowed
	RobotsFetch int            `json:"robots_fetches"`    // robots.txt requests (a stored copy younger than the TTL is not asked for again)
	Retries     int            `json:"retries"`           // failed attempts that were tried again
	Decoded     int            `json:"decoded"`           // pages converted to UTF-8 from a legacy charset
	Repeated    int            `json:"repeated_pages"`    // pagination pages whose rows repeated an earlier page's
	Repaired    int            `json:"repaired_texts"`    // texts made valid UTF-8 or stripped of control characters
	Missing     map[string]int `json:"missing,omitempty"` // values pages mark as missing in optional fields, per field
	NotModified int            `json:"not_modified"`      // 304s: the stored page was reused
	Queued      int            `json:"queued"`            // links waiting when the crawl stopped
	LatencyP50  time.Duration  `json:"latency_p50"`       // nanoseconds
	LatencyP95  time.Duration  `json:"latency_p95"`
	Finish      string         `json:"finish"` // why the crawl stopped
	latencies   []time.Duration
}

// Settled reports whether the crawl left no URL pending: it stopped with
// its frontier empty, or found nothing to fetch.
func (s Stats) Settled() bool { return s.Finish == finishEmpty || s.Finish == finishNothing }

func newStats() Stats { return Stats{ByStatus: map[int]int{}, Failures: map[string]int{}} }

// add counts one attempt.
func (s *Stats) add(o outcome) {
	n := o.note
	s.Records += len(o.Records)
	s.Rejects += len(o.Rejects)
	switch {
	case !o.RetryAt.IsZero():
		s.Retries++
	case o.Page.Failure != "":
		s.Failed++
		s.Failures[o.Page.Failure]++
	default:
		s.Fetched++
	}
	if n.requested {
		s.Bytes += o.Page.Bytes
		s.latencies = append(s.latencies, n.latency)
		if n.status > 0 {
			s.ByStatus[n.status]++
		}
	}
	s.OffSite += n.offSite
	s.Repaired += n.repaired
	for f, k := range n.missing {
		if s.Missing == nil {
			s.Missing = map[string]int{}
		}
		s.Missing[f] += k
	}
	for _, b := range []struct {
		set bool
		n   *int
	}{{n.robotsDeny, &s.RobotsDeny}, {n.notModified, &s.NotModified}, {n.decoded, &s.Decoded}, {n.repeated, &s.Repeated}} {
		if b.set {
			*b.n++
		}
	}
}

// close computes the latency percentiles.
func (s *Stats) close() {
	s.LatencyP50, s.LatencyP95 = percentile(s.latencies, 0.5), percentile(s.latencies, 0.95)
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))]
}
