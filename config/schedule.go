package config

import (
	"net"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// Schedule is how the daemon (gmvscope schedule) runs: the time zone its
// cron expressions are read in, when it rewrites the reports' index, where
// it serves health and metrics, and how long raw pages are kept.
type Schedule struct {
	Timezone  string   `yaml:"timezone"`   // IANA zone of every cron expression; default UTC
	Reports   string   `yaml:"reports"`    // cron: when the index of reports and latest/ are rewritten; default: after each run only
	Listen    string   `yaml:"listen"`     // host:port for /healthz and /metrics; "" serves nothing; ":9187" means loopback
	KeepPages Duration `yaml:"keep_pages"` // raw pages older than this lose their bodies (snapshots, records and rejects stay); 0 keeps them

	tz      *time.Location
	reports cron.Schedule
}

// cronParser reads the five standard fields and the @hourly, @daily,
// @weekly, @monthly and @every descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseCron compiles a cron expression, saying what one looks like.
func parseCron(n *yaml.Node, key, spec string) (cron.Schedule, error) {
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, errAt(n, key, "%v; want five fields (minute hour day-of-month month day-of-week, such as \"0 6 * * 1\" for Mondays at 06:00) or @hourly, @daily, @weekly, @monthly, @every 6h", err)
	}
	return s, nil
}

// UnmarshalYAML reads the schedule and compiles its parts.
func (s *Schedule) UnmarshalYAML(n *yaml.Node) error {
	type plain Schedule
	*s = Schedule{Timezone: "UTC"}
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	tz, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return errAt(n, "timezone", "not an IANA time zone: %q", s.Timezone)
	}
	s.tz = tz
	if s.Reports != "" {
		if s.reports, err = parseCron(n, "reports", s.Reports); err != nil {
			return err
		}
	}
	if s.Listen != "" {
		_, port, err := net.SplitHostPort(s.Listen)
		if err != nil || port == "" {
			return errAt(n, "listen", "want host:port or :port, such as 127.0.0.1:9187, not %q", s.Listen)
		}

	}
	if s.KeepPages < 0 {
		return errAt(n, "keep_pages", "must be a duration such as 90d, or 0 to keep every page")
	}
	return nil
}

// Location is the zone cron expressions are read in.
func (s *Schedule) Location() *time.Location {
	if s.tz == nil {
		return time.UTC
	}
	return s.tz
}

// ReportsCron is the compiled reports expression, or nil.
func (s *Schedule) ReportsCron() cron.Schedule { return s.reports }

// ListenAddr is Listen with loopback for an address given without a
// host: the daemon is not on the network unless told so.
func ListenAddr(listen string) string {
	if strings.HasPrefix(listen, ":") {
		return "127.0.0.1" + listen
	}
	return listen
}

// CronSchedule is the source's compiled cron expression, or nil when the
// daemon does not run it.
func (s *Source) CronSchedule() cron.Schedule { return s.cron }

// compileCron compiles the source's cron expression, if it has one.
func (s *Source) compileCron() error {
	if s.Cron == "" {
		return nil
	}
	c, err := parseCron(s.node, "cron", s.Cron)
	if err != nil {
		return err
	}
	s.cron = c
	if s.Jitter < 0 || s.Jitter.D() > 24*time.Hour {
		return errAt(s.node, "jitter", "must be a duration from 0 to 24h, not %s", s.Jitter.D())
	}
	return nil
}
