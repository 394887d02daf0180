// Command serve serves the sample market on 127.0.0.1 until interrupted,
// for profiling a crawl or a report by hand:
//
//	go run ./bench/serve -creators 600000 -week 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"gmvscope/demo"
)

func main() {
	creators := flag.Int("creators", 20000, "creators in the sample market")
	week := flag.Int("week", 1, "the week of the market to serve")
	flag.Parse()
	srv, err := demo.New(demo.Config{Creators: *creators, Week: *week}).Serve()
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Println(srv.URL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	<-ctx.Done()
	srv.Close(context.Background())
}
