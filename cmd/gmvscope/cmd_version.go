package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// VersionCommand prints the module version and the VCS revision it was built from.
type VersionCommand struct{ m *Main }

// ParseFlags reads the version flags (none).
func (c *VersionCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("version", "version\n\nPrint gmvscope's version, the commit it was built from, and the Go that built it.", "gmvscope version")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return fs.noArgs(pos)
}

// Run prints the version.
func (c *VersionCommand) Run(context.Context) error {
	fmt.Fprintln(c.m.Stdout, version())
	return nil
}

// version is "gmvscope VERSION (commit REV, DATE[, modified]) GO".
func version() string {
	v, rev, at, modified := "(devel)", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "gmvscope " + v
	if rev != "" {
		out += fmt.Sprintf(" (commit %.12s, %s", rev, at)
		if modified {
			out += ", modified"
		}
		out += ")"
	}
	return out + " " + runtime.Version()
}
