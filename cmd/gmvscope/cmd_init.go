package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"gmvscope"
)

// InitCommand writes a commented starter config.
type InitCommand struct {
	m    *Main
	path string
}

// ParseFlags reads the init flags.
func (c *InitCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("init", "init [FILE]\n\n"+
		"Write a commented starter config (the one gmvscope ships: the sample market's source and documented\n"+
		"examples of real page types) to FILE, default config.yaml. An existing file is never overwritten.", "gmvscope init ~/.config/gmvscope/config.yaml")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		c.path = "config.yaml"
	case 1:
		c.path = pos[0]
	default:
		return &UsageError{Msg: "init takes at most one FILE", Hint: `Run "gmvscope init --help" for its flags.`}
	}
	return nil
}

// Run writes the file.
func (c *InitCommand) Run(context.Context) error {
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: gmvscope init never overwrites a config (check it with gmvscope check --config %s)", c.path, c.path)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(gmvscope.DefaultConfig); err != nil {
		f.Close()
		return fmt.Errorf("init: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(c.m.Stdout, "wrote %s: edit its sources, then gmvscope check --config %s\n", c.path, c.path)
	return nil
}
