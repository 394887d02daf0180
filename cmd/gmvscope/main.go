// Command gmvscope crawls creator-commerce leaderboards, keeps weekly
// snapshots in SQLite and renders reports comparing followers with sales.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile, err := startProfile(os.Getenv("GMVSCOPE_PROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gmvscope:", err)
		os.Exit(ExitError)
	}
	stopGC := tuneGC(gcFloor)
	code := NewMain().Run(ctx, os.Args[1:])
	stopGC()
	stopProfile()
	stop()
	os.Exit(code)
}
