package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// CheckCommand validates the config, or runs one source's extractor on a
// saved page or a URL and prints what it extracts.
type CheckCommand struct {
	m      *Main
	where  where
	source string
	kind   string
	url    string
	target string
}

// ParseFlags reads the check flags.
func (c *CheckCommand) ParseFlags(args []string) error {
	fs := c.m.newFlags("check", "check [--config FILE] [--source NAME --kind KIND [--url URL] FILE|URL]\n\n"+
		"Validate the config. With a saved page (or a URL on the source's allowed origins), run the source's\n"+
		"extractor for the page kind on it and print the records, rejects and links as JSON, exactly as a crawl stores them.",
		"gmvscope check --source demo --kind leaderboard --url https://example.org/top saved.html")
	fs.StringVar(&c.where.config, "config", "", "read the config from `FILE` (default: $GMVSCOPE_CONFIG, ./config.yaml, then ~/.config/gmvscope/config.yaml)")
	fs.StringVar(&c.source, "source", "", "the source `NAME` whose extractor to run")
	fs.StringVar(&c.kind, "kind", "", "the page `KIND` of the page (a key under the source's pages)")
	fs.StringVar(&c.url, "url", "", "the `URL` the saved file was fetched from, to resolve its links")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	hint := `Run "gmvscope check --help" for its flags.`
	switch {
	case len(pos) > 1:
		return &UsageError{Msg: "check takes one file or URL", Hint: hint}
	case len(pos) == 1 && (c.source == "" || c.kind == ""):
		return &UsageError{Msg: "check FILE needs --source and --kind", Hint: hint}
	case len(pos) == 0 && (c.kind != "" || c.url != ""):
		return &UsageError{Msg: "--kind and --url need a FILE or URL to check", Hint: hint}
	}
	if len(pos) == 1 {
		c.target = pos[0]
	}
	return nil
}

// checkOutput is what check prints for a page: the records exactly as a
// crawl stores them.
type checkOutput struct {
	URL     string          `json:"url"`
	Kind    string          `json:"kind"`
	Failure string          `json:"failure,omitempty"` // the page is not a good page of its kind: a crawl fails it
	Listing *market.Listing `json:"listing,omitempty"`
	Records []checkRecord   `json:"records"`
	Rejects []market.Reject `json:"rejects"`
	Links   []market.Link   `json:"links"`
}

type checkRecord struct {
	Entity market.Entity           `json:"entity"`
	Key    string                  `json:"key"`
	Fields map[string]market.Value `json:"fields"`
}

// Run validates, then extracts when a page was given.
func (c *CheckCommand) Run(ctx context.Context) error {
	cfg, err := c.m.loadConfig(c.where)
	if err != nil {
		return err
	}
	if c.target == "" {
		for _, s := range cfg.Sources {
			var kinds []string
			for k := range s.Pages {
				kinds = append(kinds, k)
			}
			sort.Strings(kinds)
			fmt.Fprintf(c.m.Stdout, "source %s: %d start URLs, pages %s, currency %s, period %s\n",
				s.Name, len(s.Start), strings.Join(kinds, ", "), s.Currency, s.Period)
		}
		fmt.Fprintf(c.m.Stdout, "%s is valid\n", cfg.File)
		return nil
	}
	src, err := cfg.Source(c.source)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	ex, ok := src.Extractors()[c.kind]
	if !ok {
		var kinds []string
		for k := range src.Pages {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return &UsageError{Msg: fmt.Sprintf("source %s has no page kind %q; it has %s", src.Name, c.kind, strings.Join(kinds, ", "))}
	}
	body, pageURL, err := c.load(ctx, cfg, src)
	if err != nil {
		return err
	}
	u, err := url.Parse(pageURL)
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("bad --url: %v", err)}
	}
	res := ex.Extract(parse.Input{URL: u, Body: body})
	out := checkOutput{URL: pageURL, Kind: c.kind, Failure: res.Failure, Rejects: res.Rejects, Links: res.Links}
	if res.Listing != (market.Listing{}) {
		out.Listing = &res.Listing
	}
	for _, r := range res.Records {
		out.Records = append(out.Records, checkRecord{Entity: r.Entity, Key: r.Key, Fields: r.Fields})
	}
	enc := json.NewEncoder(c.m.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	fmt.Fprintf(c.m.Stderr, "%d records, %d rejects, %d links\n", len(out.Records), len(out.Rejects), len(out.Links))
	if res.Failure != "" {
		return fmt.Errorf("a crawl would fail this page: %s", res.Failure)
	}
	return nil
}

// load reads the page from a file, or fetches it when target is a URL on
// one of the source's allowed origins (redirects included).
func (c *CheckCommand) load(ctx context.Context, cfg *config.Config, src *config.Source) ([]byte, string, error) {
	if strings.HasPrefix(c.target, "http://") || strings.HasPrefix(c.target, "https://") {
		u, err := url.Parse(c.target)
		if err != nil {
			return nil, "", &UsageError{Msg: err.Error()}
		}
		if !config.OriginAllowed(src.Origins(), u) {
			return nil, "", fmt.Errorf("check %s: %s is not on the source's allowed_hosts (%s)", c.target, crawl.OriginOf(u), config.OriginList(src.Origins()))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.target, nil)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("User-Agent", cfg.UserAgent)
		client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if len(via) >= 10 || !config.OriginAllowed(src.Origins(), r.URL) {
				return fmt.Errorf("redirect to %s: not on the source's allowed_hosts", crawl.OriginOf(r.URL))
			}
			return nil
		}}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", fmt.Errorf("check %s: %w", c.target, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("check %s: HTTP %d", c.target, resp.StatusCode)
		}
		limit := int64(src.Politeness.MaxBodyKB) << 10
		body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if int64(len(body)) > limit {
			return nil, "", fmt.Errorf("check %s: body over %d KB (politeness.max_body_kb)", c.target, src.Politeness.MaxBodyKB)
		}
		return body, resp.Request.URL.String(), err
	}
	body, err := os.ReadFile(c.target)
	if err != nil {
		return nil, "", fmt.Errorf("check: %w", err)
	}
	pageURL := c.url
	if pageURL == "" {
		pageURL = "file:///" + strings.TrimPrefix(c.target, "/")
		if len(src.StartLinks()) > 0 {
			pageURL = src.StartLinks()[0].URL
		}
	}
	return body, pageURL, nil
}
