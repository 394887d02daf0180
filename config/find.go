package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoConfig means no config file was found where gmvscope looks.
var ErrNoConfig = errors.New("no config file")

// Where lists the places a config is looked for, in order: the --config
// flag, $GMVSCOPE_CONFIG, ./config.yaml, then the user config folder
// (~/.config/gmvscope/config.yaml on Linux).
type Where struct {
	Flag   string              // --config, "" when not given
	Getenv func(string) string // nil: os.Getenv
	// UserDir is the user config folder; "" asks the operating system.
	UserDir string
}

// Find returns the first config file that exists. A --config or
// $GMVSCOPE_CONFIG that names a missing file is an error: it was asked
// for. When none is found the error says where it looked.
func Find(w Where) (string, error) {
	getenv := w.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if w.Flag != "" {
		if _, err := os.Stat(w.Flag); err != nil {
			return "", fmt.Errorf("config %s (--config): %w", w.Flag, err)
		}
		return w.Flag, nil
	}
	if env := getenv("GMVSCOPE_CONFIG"); env != "" {
		if _, err := os.Stat(env); err != nil {
			return "", fmt.Errorf("config %s ($GMVSCOPE_CONFIG): %w", env, err)
		}
		return env, nil
	}
	tried := []string{"--config (not given)", "$GMVSCOPE_CONFIG (not set)"}
	candidates := []string{"config.yaml"}
	dir := w.UserDir
	if dir == "" {
		dir, _ = os.UserConfigDir()
	}
	if dir != "" {
		candidates = append(candidates, filepath.Join(dir, "gmvscope", "config.yaml"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
		tried = append(tried, c+" (not there)")
	}
	return "", fmt.Errorf("%w: looked at %s; write one with gmvscope init, or name one with --config", ErrNoConfig, strings.Join(tried, ", "))
}
