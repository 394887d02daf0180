// Command gmvscope crawls creator-commerce leaderboards, keeps weekly
// snapshots in SQLite and renders reports comparing followers with sales.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(NewMain().Run(ctx, os.Args[1:]))
}
