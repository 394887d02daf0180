package main

import (
	"context"

	"errors"
	"fmt"
	"gmvscope"
	"os"
	"path/filepath"

	"gmvscope/config"
	"gmvscope/pipeline"
	"gmvscope/store"
	"gmvscope/templates"
)

// where are the flags every command that reads config and the store
// takes: --config, --db and --out.
type where struct {
	config, db, out string
	lang            string // --lang, for commands that write reports or charts
}

func (w *where) add(fs *flags) {
	fs.StringVar(&w.config, "config", "", "read the config from `FILE` (default: $GMVSCOPE_CONFIG, ./config.yaml, then ~/.config/gmvscope/config.yaml)")
	fs.StringVar(&w.db, "db", "", "the SQLite store `FILE` (default: the config's store)")
	fs.StringVar(&w.out, "out", "", "the output folder `DIR` (default: the config's output)")
}

// addLang adds --lang, the language of the reports or charts a command writes.
func (w *where) addLang(fs *flags) {
	fs.StringVar(&w.lang, "lang", "", "write reports and charts in language `TAG`: en, ar, or a regional tag such as ar-AE for Latin digits (default: the config's lang, else en)")
}

// applyLang sets cfg's language from --lang, when given.
func (w where) applyLang(cfg *config.Config) error {
	if w.lang == "" {
		return nil
	}
	if err := config.CheckLang(w.lang); err != nil {
		return &UsageError{Msg: "--lang: " + err.Error()}
	}
	cfg.Lang = w.lang
	return nil
}

// loadConfig finds and loads the config, with --db, --out and --lang applied.
func (m *Main) loadConfig(w where) (*config.Config, error) {
	path, err := config.Find(config.Where{Flag: w.config, Getenv: m.getenv, UserDir: m.UserConfigDir})
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path, m.getenv)
	if err != nil {
		return nil, err
	}
	if w.db != "" {
		cfg.Store = w.db
	}
	if w.out != "" {
		cfg.Output = w.out
	}
	return cfg, w.applyLang(cfg)
}

// loadOrBuiltIn is loadConfig, falling back to the config built into the
// binary when none is found: for commands that can work with the bundled
// sample market's settings (demo, report).
func (m *Main) loadOrBuiltIn(w where) (*config.Config, error) {
	cfg, err := m.loadConfig(w)
	if !errors.Is(err, config.ErrNoConfig) {
		return cfg, err
	}
	if cfg, err = config.Parse("(built-in config)", gmvscope.DefaultConfig, m.getenv); err != nil {
		return nil, err
	}
	if w.db != "" {
		cfg.Store = w.db
	}
	if w.out != "" {
		cfg.Output = w.out
	}
	return cfg, w.applyLang(cfg)
}

// errNoStore means the store does not exist yet: nothing was ever stored.
var errNoStore = errors.New("no store yet")

// openStored loads the config (or the built-in one), checks the source
// named (if any) and the report assets, and opens the existing store: what
// report and export need before they read a snapshot.
func (m *Main) openStored(ctx context.Context, w where, source string) (*config.Config, *pipeline.Pipeline, error) {
	cfg, err := m.loadOrBuiltIn(w)
	if err != nil {
		return nil, nil, err
	}
	if source != "" {
		if _, err := cfg.Source(source); err != nil {
			return nil, nil, &UsageError{Msg: err.Error()}
		}
	}
	if err := checkAssets(); err != nil {
		return nil, nil, err
	}
	p, err := m.open(ctx, cfg, false)
	return cfg, p, err
}

// open opens cfg's store and returns the pipeline on it; the caller
// closes the store. With create false a store that does not exist is an
// error that says so, and no file is made.
func (m *Main) open(ctx context.Context, cfg *config.Config, create bool) (*pipeline.Pipeline, error) {
	if !create {
		if _, err := os.Stat(cfg.Store); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist: nothing has been crawled or imported with this config (run gmvscope demo, run or import first)", errNoStore, cfg.Store)
		}
	} else if err := os.MkdirAll(filepath.Dir(cfg.Store), 0o755); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	db, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	return &pipeline.Pipeline{Config: cfg, Store: db, Log: m.Log, Now: m.Now, Clock: m.Clock, Getenv: m.getenv,
		Owner: pipeline.ThisProcess(), Gone: pipeline.ProcessGone, Progress: m.progress, OneAtATime: true}, nil
}

// checkAssets fails before any work when the report's echarts build was
// not fetched into this binary (make assets).
func checkAssets() error {
	if _, err := templates.Echarts(); err != nil {
		return fmt.Errorf("reports cannot be written by this build: %w (build with make build, which fetches it)", err)
	}
	return nil
}

// printReport prints a report's path, saying when it was a missing one.
func (m *Main) printReport(w pipeline.Written) {
	if w.Missing {
		fmt.Fprintf(m.Stdout, "report: %s (snapshot %d had none)\n", w.Path, w.Snapshot)
		return
	}
	fmt.Fprintf(m.Stdout, "report: %s\n", w.Path)
}
