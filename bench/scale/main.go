// Command scale measures gmvscope on the whole-market sample (issue 14):
// it serves the sample market at -creators (600,000 by default), runs a
// leaderboard-only crawl and then, with -full, the full crawl (profiles,
// products, live sessions), each followed by its report; after each, the
// plain net/http + goquery pool on the same pages, storing nothing, and the
// storing floor (the same pool writing the least a store must: raw pages,
// records, a keyed snapshot; bench/plainpool/store.go);
// then it opens each report in headless Chromium and times how long until
// every chart has drawn; and each report again under another GOMEMLIMIT
// (-memlimit; off by default: without the limit a report sets itself).
// It prints one table and the machine it ran on.
//
//	go run ./bench/scale [-creators 600000] [-concurrency 8] [-full] [-chromium PATH] [-memlimit off]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite"

	"gmvscope/bench/internal/proc"
	"gmvscope/demo"
)

func main() {
	creators := flag.Int("creators", 600000, "creators in the sample market")
	conc := flag.Int("concurrency", 8, "workers for gmvscope and the plain pool")
	full := flag.Bool("full", false, "also run the full crawl (profiles, products, live sessions)")
	chromium := flag.String("chromium", "", "Chromium to time the report in (default: chromium on PATH; none: skipped)")
	memlimit := flag.String("memlimit", "off", "also time each report with this GOMEMLIMIT (the Go runtime's soft memory limit; off: without the limit a report sets itself; none: skipped)")
	flag.Parse()
	if err := run(*creators, *conc, *full, *chromium, *memlimit); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct {
	name                  string
	pages, rows           int
	crawl                 proc.Run
	report                proc.Run
	load, analysis, write string // ms, from the report's debug line
	htmlMB                float64
	charts                string // time until every chart drew, or why not measured
	plain, floor          *proc.Run
	plainPages            int
	limited               *proc.Run // the report again, under GOMEMLIMIT
}

func run(creators, conc int, full bool, chromium, memlimit string) error {
	dir, err := os.MkdirTemp("", "gmvscope-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "gmvscope")
	plain := filepath.Join(dir, "plainpool")
	for out, pkg := range map[string]string{bin: "./cmd/gmvscope", plain: "./bench/plainpool"} {
		if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v: %s", pkg, err, b)
		}
	}
	began := time.Now()
	mk := demo.New(demo.Config{Creators: creators})
	srv, err := mk.Serve()
	if err != nil {
		return err
	}
	defer srv.Close(context.Background())
	fmt.Printf("sample market: %d creators, %d leaderboard pages, generated in %.1fs, at %s; concurrency %d\n",
		creators, mk.Pages(), time.Since(began).Seconds(), srv.URL, conc)
	base, err := os.ReadFile("config.yaml")
	if err != nil {
		return err
	}
	if chromium == "" {
		chromium, _ = exec.LookPath("chromium")
	}
	var rows []row
	kinds := []string{"leaderboard only"}
	if full {
		kinds = append(kinds, "full crawl")
	}
	for i, kind := range kinds {
		sub := filepath.Join(dir, strconv.Itoa(i))
		os.MkdirAll(sub, 0o755)
		db := filepath.Join(sub, "g.db")
		text := strings.Replace(string(base), "base_url: http://127.0.0.1:8089", "base_url: "+srv.URL, 1)
		text = strings.Replace(text, "store: output/gmvscope.db", "store: "+db, 1)
		text = strings.Replace(text, "output: output ", "output: "+sub+" ", 1)
		text = strings.Replace(text, "      concurrency: 8", "      concurrency: "+strconv.Itoa(conc), 1)
		if kind == "leaderboard only" {
			text = strings.Replace(text, "        follow:\n          - {selector: td.handle a, kind: profile}\n", "", 1)
		}
		cfg := filepath.Join(sub, "config.yaml")
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			return err
		}
		r := row{name: kind}
		fmt.Printf("%s: crawling…\n", kind)
		if r.crawl, err = proc.Measure([]string{"GMVSCOPE_LOG=warn"}, bin, "crawl", "--config", cfg, "--source", "demo"); err != nil {
			return err
		}
		if r.pages, r.rows, err = counts(db); err != nil {
			return err
		}
		fmt.Printf("%s: report…\n", kind)
		if r.report, err = proc.Measure([]string{"GMVSCOPE_LOG=debug"}, bin, "report", "--config", cfg, "--source", "demo"); err != nil {
			return err
		}
		r.load, r.analysis, r.write = field(r.report.Stderr, "load_ms"), field(r.report.Stderr, "analysis_ms"), field(r.report.Stderr, "write_ms")
		m := regexp.MustCompile(`report: (\S+)`).FindStringSubmatch(r.report.Stdout)
		if m == nil {
			return fmt.Errorf("report printed no path: %s", r.report.Stdout)
		}
		if fi, err := os.Stat(m[1]); err == nil {
			r.htmlMB = float64(fi.Size()) / (1 << 20)
		}
		r.charts = chartsTime(chromium, m[1])
		if memlimit != "none" {
			fmt.Printf("%s: report with GOMEMLIMIT=%s…\n", kind, memlimit)
			lim, err := proc.Measure([]string{"GMVSCOPE_LOG=warn", "GOMEMLIMIT=" + memlimit}, bin, "report", "--config", cfg, "--source", "demo")
			if err != nil {
				return err
			}
			r.limited = &lim
		}
		// The plain pool and the storing floor crawl the same pages: the
		// leaderboard only, or with the profiles' products and live sessions.
		args := []string{"-url", srv.URL + "/leaderboard?page=1", "-concurrency", strconv.Itoa(conc), "-paginate", "-leaderboard-only"}
		if kind != "leaderboard only" {
			args[len(args)-1] = "-full"
		}
		fmt.Printf("%s: plain pool…\n", kind)
		p, err := proc.Measure(nil, plain, args...)
		if err != nil {
			return err
		}
		r.plain = &p
		if m := regexp.MustCompile(`pages=(\d+)`).FindStringSubmatch(p.Stdout); m != nil {
			r.plainPages, _ = strconv.Atoi(m[1])
		}
		fmt.Printf("%s: storing floor…\n", kind)
		f, err := proc.Measure(nil, plain, append(args, "-store", filepath.Join(sub, "floor.db"))...)
		if err != nil {
			return err
		}
		os.Remove(filepath.Join(sub, "floor.db"))
		r.floor = &f
		rows = append(rows, r)
	}
	fmt.Println()
	fmt.Println("| run | pages | rows | crawl + store | pages/s | rows/s | CPU-s | peak RSS | report (load / analysis / write) | report RSS | HTML | charts drawn |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	var ratios []string
	for _, r := range rows {
		fmt.Printf("| gmvscope, %s | %d | %d | %.1f s | %.0f | %.0f | %.1f | %.0f MB | %.1f s (%s / %s / %s ms) | %.0f MB | %.2f MB | %s |\n",
			r.name, r.pages, r.rows, r.crawl.Seconds, float64(r.pages)/r.crawl.Seconds, float64(r.rows)/r.crawl.Seconds, r.crawl.CPU, r.crawl.RSSMB,
			r.report.Seconds, r.load, r.analysis, r.write, r.report.RSSMB, r.htmlMB, r.charts)
		if l := r.limited; l != nil {
			fmt.Printf("| the same report, GOMEMLIMIT=%s | | | | | | | | %.1f s | %.0f MB | | |\n", memlimit, l.Seconds, l.RSSMB)
		}
		if p := r.plain; p != nil {
			fmt.Printf("| plain net/http + goquery pool, %s (stores nothing) | %d | | %.1f s | %.0f | | %.1f | %.0f MB | | | | |\n",
				r.name, r.plainPages, p.Seconds, float64(r.plainPages)/p.Seconds, p.CPU, p.RSSMB)
			f := r.floor
			fmt.Printf("| the same pool storing the least (raw pages, records, a keyed snapshot) | %d | | %.1f s | %.0f | | %.1f | %.0f MB | | | | |\n",
				r.plainPages, f.Seconds, float64(r.plainPages)/f.Seconds, f.CPU, f.RSSMB)
			ratios = append(ratios, fmt.Sprintf("ratio (pages/s ÷ the plain pool's), %s: gmvscope %.2f, the storing floor %.2f", r.name,
				(float64(r.pages)/r.crawl.Seconds)/(float64(r.plainPages)/p.Seconds), p.Seconds/f.Seconds))
		}
	}
	fmt.Println()
	for _, r := range ratios {
		fmt.Println(r)
	}
	fmt.Printf("\nmachine: %s\n", machine())
	return nil
}

// counts returns the pages stored without failure and the records read.
func counts(db string) (pages, rows int, err error) {
	d, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return 0, 0, err
	}
	defer d.Close()
	if err := d.QueryRow(`SELECT count(*) FROM pages WHERE failure = ''`).Scan(&pages); err != nil {
		return 0, 0, err
	}
	err = d.QueryRow(`SELECT count(*) FROM records`).Scan(&rows)
	return pages, rows, err
}

// field reads name=value from a log line.
func field(log, name string) string {
	if m := regexp.MustCompile(name + `=(\d+)`).FindStringSubmatch(log); m != nil {
		return m[1]
	}
	return "?"
}

// chartsTime opens the report in headless Chromium (network off) and
// returns the time from navigation until every chart element holds a
// drawn SVG, polled every 10 ms: an upper bound, within the poll.
func chartsTime(exe, report string) string {
	if exe == "" {
		return "not measured (no Chromium)"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel3()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // the browser started: not timed
		return "not measured: " + err.Error()
	}
	abs, _ := filepath.Abs(report)
	start := time.Now()
	done := `(function () { var els = document.querySelectorAll("[data-chart]");
		if (!els.length || !window.gmvscopeCharts || Object.keys(window.gmvscopeCharts).length !== els.length) return false;
		for (var i = 0; i < els.length; i++) { if (!els[i].querySelector("svg path")) return false; }
		return true; })()`
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+abs)); err != nil {
		return "not measured: " + err.Error()
	}
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](done))
		if err != nil {
			return "not measured: " + err.Error()
		}
		if ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-chart]").length`))
	if err != nil {
		return "not measured: " + err.Error()
	}
	return fmt.Sprintf("%.2f s (%d charts)", took.Seconds(), n)
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(b); m != nil {
			model = string(m[1])
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if m := regexp.MustCompile(`MemTotal:\s*(\d+) kB`).FindSubmatch(b); m != nil {
			kb, _ := strconv.Atoi(string(m[1]))
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d CPUs%s, %s %s/%s", model, runtime.NumCPU(), mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
