// Command plainpool is the floor gmvscope's crawl is measured against: a
// plain net/http + goquery worker pool that fetches and parses the sample
// market's leaderboard and profile pages with the same concurrency, and
// stores nothing; with -store, it also writes the least a store must
// (store.go), a floor under gmvscope's crawl and store together.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func main() {
	start := flag.String("url", "", "first leaderboard page")
	workers := flag.Int("concurrency", 8, "workers")
	flag.BoolVar(&leaderboardOnly, "leaderboard-only", false, "fetch the leaderboard pages only, not the profiles")
	flag.BoolVar(&full, "full", false, "also follow each profile's products and live sessions, as config.yaml's full crawl does")
	flag.BoolVar(&paginate, "paginate", false, "enqueue every leaderboard page from the first page's \"Page 1 of N\", as gmvscope's paginate does")
	storePath := flag.String("store", "", "also write every page, record and creator to this new SQLite file (the storing floor)")
	mode := flag.String("snapshot", "keyed", "with -store, how the creators become a snapshot: append, index or keyed")
	flag.Parse()
	if *storePath != "" {
		var err error
		if floor, err = openFloor(*storePath, *mode); err != nil {
			fmt.Fprintln(os.Stderr, "plainpool:", err)
			os.Exit(1)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}, Timeout: 30 * time.Second}

	began := time.Now()
	pages, rows, failed := pool(client, *start, *workers)
	if floor != nil {
		if err := floor.close(); err != nil {
			fmt.Fprintln(os.Stderr, "plainpool:", err)
			os.Exit(1)
		}
	}
	secs := time.Since(began).Seconds()
	fmt.Printf("pages=%d rows=%d failed=%d seconds=%.3f\n", pages, rows, failed, secs)
	if failed > 0 {
		os.Exit(1)
	}
}

// pool crawls from start with workers goroutines and counts the pages
// fetched, the rows they held and the fetches that failed.
func pool(client *http.Client, start string, workers int) (pages, rows, failed int) {
	var mu sync.Mutex
	var queue []string
	seen := map[string]bool{}
	open := 0
	cond := sync.NewCond(&mu)
	add := func(u string) {
		if !seen[u] {
			seen[u] = true
			queue = append(queue, u)
			open++
			cond.Signal()
		}
	}
	mu.Lock()
	add(start)
	mu.Unlock()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(queue) == 0 && open > 0 {
					cond.Wait()
				}
				if open == 0 {
					mu.Unlock()
					cond.Broadcast()
					return
				}
				u := queue[0]
				queue = queue[1:]
				mu.Unlock()
				links, n, err := fetch(client, u)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					pages++
					rows += n
				}
				for _, l := range links {
					add(l)
				}
				open--
				if open == 0 {
					cond.Broadcast()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return pages, rows, failed
}

var (
	leaderboardOnly, paginate, full bool
	floor                           *floorStore // nil unless -store
	pagesRe                         = regexp.MustCompile(`Page 1 of ([\d,]+)`)
)

// fetch gets one page and parses it as the source config would: leaderboard
// rows and links, the profile's JSON, or a product's or live session's texts.
func fetch(c *http.Client, raw string) ([]string, int, error) {
	resp, err := c.Get(raw)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, 0, fmt.Errorf("%s: HTTP %d", raw, resp.StatusCode)
	}
	var body io.Reader = resp.Body
	var data []byte
	if floor != nil {
		if data, err = io.ReadAll(resp.Body); err != nil {
			return nil, 0, err
		}
		body = bytes.NewReader(data)
	}
	doc, err := goquery.NewDocumentFromReader(body)
	if err != nil {
		return nil, 0, err
	}
	base, _ := url.Parse(raw)
	abs := func(h string) string { u, _ := base.Parse(h); return u.String() }
	if strings.Contains(raw, "/creator/") {
		var v struct {
			Products, Lives []struct{ URL string }
		}
		text := doc.Find("script#creator-data").Text()
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, 1, err
		}
		var links []string
		if full {
			for _, l := range append(v.Products, v.Lives...) {
				links = append(links, abs(l.URL))
			}
		}
		if floor != nil {
			floor.put(raw, data, []row{{handle: path.Base(base.Path), fields: text}})
		}
		return links, 1, nil
	}
	if strings.Contains(raw, "/product/") || strings.Contains(raw, "/live/") {
		// A product or a live session: its texts, as the config's fields read them.
		m := doc.Find("main").First()
		texts := []string{"title", m.Find("h1.title").Text()}
		for _, sel := range []string{".price", ".sold", "a.shop", "dd.start time", "dd.length", "dd.viewers", "dd.peak", "dd.gmv", "dd.units"} {
			if f := m.Find(sel); f.Length() > 0 {
				texts = append(texts, sel, f.Text())
			}
		}
		var linked []string
		m.Find("ul a, a.host").Each(func(_ int, a *goquery.Selection) { linked = append(linked, a.AttrOr("href", "")) })
		texts = append(texts, "links", strings.Join(linked, " "))
		if floor != nil {
			id, _ := m.Attr("data-id")
			floor.put(raw, data, []row{{handle: id, fields: string(appendTexts(nil, texts...))}})
		}
		return nil, 1, nil
	}
	var links []string
	var rows []row
	doc.Find("table.leaderboard tbody tr").Each(func(_ int, s *goquery.Selection) {
		r := row{followers: s.Find("td.followers").Text(), gmv: s.Find("td.gmv").Text(), units: s.Find("td.units").Text(), name: s.Find("td.name").Text()}
		h, ok := s.Find("td.handle a").Attr("href")
		if ok && !leaderboardOnly {
			links = append(links, abs(h))
		}
		if floor != nil {
			r.handle, r.category, r.region = path.Base(h), s.Find("td.category").Text(), s.Find("td.region").Text()
		}
		rows = append(rows, r)
	})
	n := len(rows)
	if h, ok := doc.Find("a[rel=next]").Attr("href"); ok {
		links = append(links, abs(h))
	}
	if m := pagesRe.FindStringSubmatch(doc.Find("p.count").Text()); paginate && m != nil {
		last, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		for k := 2; k <= last; k++ {
			links = append(links, abs("/leaderboard?page="+strconv.Itoa(k)))
		}
	}
	if floor != nil {
		floor.put(raw, data, rows)
	}
	return links, n, nil
}
