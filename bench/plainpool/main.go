// Command plainpool is the floor gmvscope's crawl is measured against: a
// plain net/http + goquery worker pool that fetches and parses the sample
// market's leaderboard and profile pages with the same concurrency, and
// stores nothing.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
	flag.BoolVar(&paginate, "paginate", false, "enqueue every leaderboard page from the first page's \"Page 1 of N\", as gmvscope's paginate does")
	flag.Parse()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2}, Timeout: 30 * time.Second}

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
	add(*start)
	mu.Unlock()
	pages, rows, failed := 0, 0, 0
	began := time.Now()
	var wg sync.WaitGroup
	for range *workers {
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
	secs := time.Since(began).Seconds()
	fmt.Printf("pages=%d rows=%d failed=%d seconds=%.3f\n", pages, rows, failed, secs)
	if failed > 0 {
		os.Exit(1)
	}
}

var (
	leaderboardOnly, paginate bool
	pagesRe                   = regexp.MustCompile(`Page 1 of ([\d,]+)`)
)

// fetch gets one page and parses it as the source config would: leaderboard
// rows and links, or the profile's JSON.
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
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	base, _ := url.Parse(raw)
	abs := func(h string) string { u, _ := base.Parse(h); return u.String() }
	if strings.Contains(raw, "/creator/") {
		var v map[string]any
		err := json.Unmarshal([]byte(doc.Find("script#creator-data").Text()), &v)
		return nil, 1, err
	}
	var links []string
	n := 0
	doc.Find("table.leaderboard tbody tr").Each(func(_ int, s *goquery.Selection) {
		n++
		_ = s.Find("td.followers").Text() + s.Find("td.gmv").Text() + s.Find("td.units").Text() + s.Find("td.name").Text()
		if h, ok := s.Find("td.handle a").Attr("href"); ok && !leaderboardOnly {
			links = append(links, abs(h))
		}
	})
	if h, ok := doc.Find("a[rel=next]").Attr("href"); ok {
		links = append(links, abs(h))
	}
	if m := pagesRe.FindStringSubmatch(doc.Find("p.count").Text()); paginate && m != nil {
		last, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		for k := 2; k <= last; k++ {
			links = append(links, abs("/leaderboard?page="+strconv.Itoa(k)))
		}
	}
	return links, n, nil
}
