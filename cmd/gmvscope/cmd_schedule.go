package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"gmvscope/config"
	"gmvscope/pipeline"
	"gmvscope/schedule"
)

// ScheduleCommand is the daemon: it crawls each source on its cron
// schedule until stopped.
type ScheduleCommand struct {
	m      *Main
	where  where
	listen string
	now    bool
}

// ParseFlags reads the schedule flags.
func (c *ScheduleCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("schedule", "schedule [--listen ADDR] [--now] [--config FILE] [--db FILE] [--out DIR]\n\n"+
		"Run as a daemon: crawl each source whose config has a cron expression on that schedule, write its report\n"+
		"and send its alerts, prune old pages, and serve /healthz and /metrics. SIGTERM or SIGINT stops it gracefully\n"+
		"(a second one at once); SIGHUP reloads the config, keeping the old one if the new one is invalid.",
		"gmvscope schedule --listen :9187")
	c.where.add(fs)
	fs.StringVar(&c.listen, "listen", "", "serve /healthz and /metrics on `ADDR` (host:port; :port is loopback; default: the config's schedule.listen, else off)")
	fs.BoolVar(&c.now, "now", false, "run every scheduled source once at start, then on its schedule")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run runs the daemon until a signal stops it.
func (c *ScheduleCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	if err := checkAssets(); err != nil {
		return err
	}
	p, err := c.m.open(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer p.Store.Close()
	d := &schedule.Daemon{Store: p.Store, Log: c.m.Log, Clock: c.m.ScheduleClock, Now: c.now, New: func(cfg *config.Config) *pipeline.Pipeline {
		q := *p
		q.Config = cfg
		q.Progress = nil     // a daemon logs; it draws no bar
		q.OneAtATime = false // its jobs overlap: no report's memory limit would be the process's
		return &q
	}}
	// SIGINT and SIGTERM cancel ctx (main); a second one exits at once.
	// SIGHUP reloads the config. Caught before the schedule is loaded (and
	// says so in the log): a SIGHUP before would end the process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	d.Load(cfg)
	listen := c.listen
	if listen == "" {
		listen = cfg.Schedule.Listen
	}
	go func() {
		stops := 0
		for s := range sigs {
			if s != syscall.SIGHUP {
				if stops++; stops > 1 {
					c.m.Log.Warn("second signal: exiting now", "signal", s.String())
					os.Exit(ExitError)
				}
				c.m.Log.Info("stopping: running jobs finish or leave their pages in the frontier", "signal", s.String())
				continue
			}
			next, err := c.m.loadConfig(c.where)
			if err != nil {
				c.m.Log.Error("reload refused: the schedule in force is kept", "err", err)
				continue
			}
			d.Load(next)
		}
	}()
	fmt.Fprintf(c.m.Stdout, "gmvscope schedule: %s, store %s\n", cfg.File, cfg.Store)
	return d.Run(ctx, listen)
}
