// Command crawlbench measures gmvscope's whole crawl pipeline against a
// plain net/http + goquery pool on the same sample market, each in its own
// process so that its peak RSS is its own, and against the storing floor:
// the plain pool that also writes the least a store must (plainpool
// -store). Run it through bench/crawl.sh.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"gmvscope/bench/internal/proc"
	"gmvscope/demo"
)

type result struct {
	pages   int
	seconds float64
	cpu     float64 // user + system seconds
	rssMB   float64
}

func (r result) rate() float64 { return float64(r.pages) / r.seconds }

func main() {
	gmv := flag.String("gmvscope", "", "gmvscope binary")
	plain := flag.String("plainpool", "", "plainpool binary")
	creators := flag.Int("creators", 20000, "creators in the sample market")
	rounds := flag.Int("rounds", 3, "runs of each, alternating; medians are reported")
	conc := flag.Int("concurrency", 8, "workers for both")
	flag.BoolVar(&leaderboardOnly, "leaderboard-only", false, "crawl the leaderboard pages only, not the profiles")
	flag.BoolVar(&paginate, "paginate", false, "both reach every leaderboard page from the first (paginate), not one next link at a time")
	flag.Parse()
	if err := run(*gmv, *plain, *creators, *rounds, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "crawlbench:", err)
		os.Exit(1)
	}
}

var leaderboardOnly, paginate bool

func run(gmv, plain string, creators, rounds, conc int) error {
	mk := demo.New(demo.Config{Creators: creators})
	srv, err := mk.Serve()
	if err != nil {
		return err
	}
	defer srv.Close(context.Background())
	dir, err := os.MkdirTemp("", "crawlbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfgText, err := os.ReadFile("bench/config.yaml")
	if err != nil {
		return err
	}
	fmt.Printf("sample market: %d creators, %d leaderboard pages, at %s; concurrency %d; %s\n",
		creators, mk.Pages(), srv.URL, conc, time.Now().Format(time.RFC3339))
	var gs, ps, fs []result
	var ratios, floors []float64 // per round: the runs back to back see the same machine
	for i := range rounds {
		db := filepath.Join(dir, fmt.Sprintf("g%d.db", i))
		cfg := filepath.Join(dir, fmt.Sprintf("config%d.yaml", i))
		text := strings.Replace(string(cfgText), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)
		text = strings.Replace(text, "store: output/gmvscope.db", "store: "+db, 1)
		text = strings.Replace(text, "concurrency: 8", "concurrency: "+strconv.Itoa(conc), 1)
		if leaderboardOnly {
			text = strings.Replace(text, "        follow:\n          - {selector: td.handle a, kind: profile}\n", "", 1)
		}
		if !paginate {
			text = strings.Replace(text, "        paginate: {url: '/leaderboard?page={page}'}\n", "", 1)
		}
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			return err
		}
		g, err := measure(gmv, "crawl", "--config", cfg, "--source", "demo")
		if err != nil {
			return err
		}
		if g.pages, err = countPages(db); err != nil {
			return err
		}
		args := []string{"-url", srv.URL + "/leaderboard?page=1", "-concurrency", strconv.Itoa(conc),
			"-leaderboard-only=" + strconv.FormatBool(leaderboardOnly), "-paginate=" + strconv.FormatBool(paginate)}
		p, err := measure(plain, args...)
		if err != nil {
			return err
		}
		f, err := measure(plain, append(args, "-store", filepath.Join(dir, fmt.Sprintf("floor%d.db", i)))...)
		if err != nil {
			return err
		}
		fmt.Printf("round %d: gmvscope %d pages in %.2fs (%.0f pages/s, %.2f CPU-s, peak RSS %.1f MB); plain pool %d pages in %.2fs (%.0f pages/s, %.2f CPU-s, peak RSS %.1f MB); ratio %.2f; storing floor %.2fs (%.0f pages/s, %.1f MB), ratio %.2f\n",
			i+1, g.pages, g.seconds, g.rate(), g.cpu, g.rssMB, p.pages, p.seconds, p.rate(), p.cpu, p.rssMB, g.rate()/p.rate(),
			f.seconds, f.rate(), f.rssMB, f.rate()/p.rate())
		gs, ps, fs = append(gs, g), append(ps, p), append(fs, f)
		ratios = append(ratios, g.rate()/p.rate())
		floors = append(floors, f.rate()/p.rate())
	}
	g, p := median(gs), median(ps)
	maxRSS := 0.0
	for _, r := range gs {
		maxRSS = max(maxRSS, r.rssMB)
	}
	sort.Float64s(ratios)
	sort.Float64s(floors)
	f := median(fs)
	fmt.Printf("\nmedian: gmvscope %.0f pages/s, plain pool %.0f pages/s, ratio %.2f (target >= 0.80, issue 14)\n", g.rate(), p.rate(), g.rate()/p.rate())
	fmt.Printf("median of the rounds' ratios: %.2f (range %.2f-%.2f)\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	fmt.Printf("storing floor (the plain pool with -store: raw pages, records and a keyed snapshot, nothing else): %.0f pages/s, ratio %.2f (range %.2f-%.2f), peak RSS %.1f MB\n",
		f.rate(), floors[len(floors)/2], floors[0], floors[len(floors)-1], f.rssMB)
	fmt.Printf("gmvscope peak RSS (max of %d runs): %.1f MB (target <= 100 MB); plain pool %.1f MB\n", len(gs), maxRSS, p.rssMB)
	return nil
}

var pagesRe = regexp.MustCompile(`pages=(\d+)`)

// measure runs a command and returns its wall time, peak RSS and, for the
// plain pool, the pages it printed.
func measure(bin string, args ...string) (result, error) {
	run, err := proc.Measure(nil, bin, args...)
	if err != nil {
		return result{}, err
	}
	r := result{seconds: run.Seconds, cpu: run.CPU, rssMB: run.RSSMB}
	if m := pagesRe.FindStringSubmatch(run.Stdout); m != nil {
		r.pages, _ = strconv.Atoi(m[1])
	}
	return r, nil
}

func countPages(db string) (int, error) {
	d, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	var n int
	err = d.QueryRow(`SELECT count(*) FROM pages WHERE failure = ''`).Scan(&n)
	return n, err
}

func median(rs []result) result {
	s := append([]result(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].rate() < s[j].rate() })
	return s[len(s)/2]
}
