// Command finish measures the end of a whole market's run alone: the
// tally (store.Tally) and the finish that merges the run's records into
// its snapshot and commits it (store.FinishRun). Inside a whole crawl the
// finish moves by seconds from run to run, more than a change to it
// saves; alone, on copies of one store, it does not.
//
// It serves the sample market, crawls it in this process with
// config.yaml's demo source (profiles, products and live sessions) and
// stops the crawl where every page is stored and the run not finished
// (the pipeline's "crawled" point). Then each round times the tally and
// the finish on a fresh copy of that store, in a process of its own
// (bench/internal/proc: wall time, CPU seconds, peak RSS).
//
//	go run ./bench/finish                            # 600,000 creators, 3 rounds
//	go run ./bench/finish -keep /tmp/stopped.db      # and keep the stopped store
//	go run ./bench/finish -stopped /tmp/stopped.db   # time this build on a kept one (another checkout's, say)
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"gmvscope/bench/internal/proc"
	"gmvscope/config"
	"gmvscope/demo"
	"gmvscope/market"
	"gmvscope/pipeline"
	"gmvscope/store"
)

func main() {
	creators := flag.Int("creators", 600000, "creators in the sample market")
	rounds := flag.Int("rounds", 3, "rounds, each on a fresh copy of the stopped store (at least 1)")
	keep := flag.String("keep", "", "keep the stopped store at this path (with its source's description beside it, PATH.json)")
	stopped := flag.String("stopped", "", "time a stopped store kept before with -keep instead of crawling one")
	round := flag.String("round", "", "(internal) run one round on this copy and print its times")
	flag.Parse()
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "finish: -rounds must be at least 1")
		os.Exit(2)
	}
	ctx := context.Background()
	if *round != "" {
		tally, finish, n, err := runRound(ctx, *round)
		if err != nil {
			fmt.Fprintln(os.Stderr, "finish:", err)
			os.Exit(1)
		}
		fmt.Printf("tally_ms=%d finish_ms=%d records=%d\n", tally.Milliseconds(), finish.Milliseconds(), n)
		return
	}
	if err := run(ctx, *creators, *rounds, *keep, *stopped); err != nil {
		fmt.Fprintln(os.Stderr, "finish:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, creators, rounds int, keep, stopped string) error {
	dir, err := os.MkdirTemp("", "gmvscope-finish-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := stopped
	if src == "" {
		src = filepath.Join(dir, "stopped.db")
		if keep != "" {
			src = keep
		}
		base, err := os.ReadFile("config.yaml")
		if err != nil {
			return err
		}
		began := time.Now()
		fmt.Printf("sample market: %d creators; crawling it, to stop before the finish…\n", creators)
		pages, err := stop(ctx, creators, base, src, time.Now)
		if err != nil {
			return err
		}
		fmt.Printf("stopped: %d pages stored, the run not finished, in %.1f s (%s)\n", pages, time.Since(began).Seconds(), src)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("| round | tally | finish | CPU-s | peak RSS |")
	fmt.Println("|---|---|---|---|---|")
	var finishes []float64
	var records string
	for i := 1; i <= rounds; i++ {
		cp := filepath.Join(dir, "round.db")
		if err := copyStore(src, cp); err != nil {
			return err
		}
		r, err := proc.Measure(nil, self, "-round", cp)
		if err != nil {
			return fmt.Errorf("round %d: %w: %s", i, err, r.Stderr)
		}
		tally, finish, n := field(r.Stdout, "tally_ms"), field(r.Stdout, "finish_ms"), field(r.Stdout, "records")
		if tally < 0 || finish < 0 {
			return fmt.Errorf("round %d printed no times: %s", i, r.Stdout)
		}
		records = strconv.Itoa(n)
		finishes = append(finishes, float64(finish)/1000)
		fmt.Printf("| %d | %.2f s | %.2f s | %.1f | %.0f MB |\n", i, float64(tally)/1000, float64(finish)/1000, r.CPU, r.RSSMB)
		if err := removeStore(cp); err != nil {
			return err
		}
	}
	slices.Sort(finishes)
	n := len(finishes)
	median := (finishes[(n-1)/2] + finishes[n/2]) / 2
	fmt.Printf("\nfinish: median %.2f s, range %.2f-%.2f s, over %d rounds of %s records\n",
		median, finishes[0], finishes[n-1], rounds, records)
	fmt.Printf("machine: %d CPUs, %s %s/%s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// errStopped ends the crawl's goroutine at the pipeline's "crawled" point.
var errStopped = errors.New("stopped before the finish")

// stop serves a sample market of creators, crawls it into a new store at
// path with base's demo source, and stops where every page is stored
// and the run is not finished. It writes the source's description beside
// the store (path.json), for the rounds' snapshots. It returns the pages
// stored.
func stop(ctx context.Context, creators int, base []byte, path string, now func() time.Time) (int, error) {
	if err := removeStore(path); err != nil {
		return 0, err
	}
	srv, err := demo.New(demo.Config{Creators: creators}).Serve()
	if err != nil {
		return 0, err
	}
	defer srv.Close(context.Background())
	text := strings.Replace(string(base), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)
	cfg, err := config.Parse("config.yaml", []byte(text), func(string) string { return "" })
	if err != nil {
		return 0, err
	}
	src, err := cfg.Source("demo")
	if err != nil {
		return 0, err
	}
	info, err := json.Marshal(cfg.Info(src))
	if err != nil {
		return 0, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	p := &pipeline.Pipeline{Config: cfg, Store: db, Now: now}
	// The hook ends the crawl's goroutine there (its deferred steps run:
	// the source's lock is released), as a crash would end the process.
	pipeline.CrashHook = func(point string) {
		if point == "crawled" {
			panic(errStopped)
		}
	}
	defer func() { pipeline.CrashHook = nil }()
	err = func() (err error) {
		defer func() {
			switch r := recover(); r {
			case nil:
			case errStopped:
				err = nil
			default:
				panic(r)
			}
		}()
		_, err = p.Crawl(ctx, src, false)
		if err == nil {
			err = errors.New("the crawl did not stop at the crawled point")
		}
		return err
	}()
	if err != nil {
		db.Close()
		return 0, err
	}
	var pages int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pages`).Scan(&pages); err != nil {
		db.Close()
		return 0, err
	}
	if err := db.Close(); err != nil { // the last connection's close checkpoints the WAL into the file
		return 0, err
	}
	return pages, os.WriteFile(path+".json", info, 0o644)
}

// runRound times the tally and the finish of path's unfinished run, as
// the pipeline runs them (a crawl that stopped with its frontier empty).
// It returns the run's records.
func runRound(ctx context.Context, path string) (tally, finish time.Duration, records int, err error) {
	b, err := os.ReadFile(path + ".json")
	if err != nil {
		return 0, 0, 0, err
	}
	var info market.SourceInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return 0, 0, 0, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	var runID int64
	var started string
	if err := db.SQL().QueryRowContext(ctx, `SELECT id, started_at FROM runs WHERE status = ? ORDER BY id DESC LIMIT 1`, market.RunRunning).Scan(&runID, &started); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = errors.New("no unfinished run: not a stopped store")
		}
		return 0, 0, 0, err
	}
	at, _ := time.Parse(time.RFC3339Nano, started)
	began := time.Now()
	t, err := db.Tally(ctx, runID, true)
	if err != nil {
		return 0, 0, 0, err
	}
	tally = time.Since(began)
	began = time.Now()
	if _, err := db.FinishRun(ctx, runID, market.RunOK, "frontier empty", at, "{}", &market.Draft{Source: info, Records: t.Records}); err != nil {
		return 0, 0, 0, err
	}
	return tally, time.Since(began), t.Records, db.Close()
}

// copyStore copies a closed store's file (and its description) to dst.
func copyStore(src, dst string) error {
	if err := removeStore(dst); err != nil {
		return err
	}
	for _, suffix := range []string{"", ".json"} {
		in, err := os.Open(src + suffix)
		if err != nil {
			return err
		}
		out, err := os.Create(dst + suffix)
		if err != nil {
			in.Close()
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func removeStore(path string) error {
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".json"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// field reads name=N from a round's output; -1 when absent.
func field(s, name string) int {
	m := regexp.MustCompile(name + `=(\d+)`).FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
