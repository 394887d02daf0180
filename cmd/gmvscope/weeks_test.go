package main

import (
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// TestWeekOverWeek crawls weeks 1 and 2 of the sample market into one
// store, as a weekly cron would. The week-2 report's entrants, dropouts,
// climbers and fallers are exactly what the two weeks' ground truths say,
// changes.csv holds every creator of either week, the alert rules fire
// on exactly the creators they describe, and the index and latest/ are
// written.
func TestWeekOverWeek(t *testing.T) {
	const n = 600
	w1, w2 := demo.New(demo.Config{Creators: n}), demo.New(demo.Config{Creators: n, Week: 2})
	var week atomic.Int32
	srv := testkit.Serve(t, http2(func() *demo.Market {
		if week.Load() == 2 {
			return w2
		}
		return w1
	}))
	cfg, db := siteConfig(t, srv.URL)
	text, _ := os.ReadFile(cfg)
	rules := "alerts:\n  rules:\n    - {name: small account in the top 20, when: \"followers < 20000 && gmv_rank <= 20\"}\n" +
		"    - {name: top-50 dropout, when: \"status == 'dropped' && rank_prev <= 50\"}\n" +
		"    - {name: breakout, when: \"gmv_prev < 10000 && gmv >= 3 * gmv_prev\"}\n\nsources:\n"
	a, b := strings.Index(string(text), "\nalerts:\n"), strings.Index(string(text), "\nsources:\n")
	os.WriteFile(cfg, []byte(string(text)[:a+1]+rules+string(text)[b+len("\nsources:\n"):]), 0o644)
	dir := filepath.Dir(db)
	for w := int32(1); w <= 2; w++ {
		week.Store(w)
		m := newTestMain()
		if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitOK {
			t.Fatalf("week %d: exit %d: %s", w, code, lastLines(m.errs.String(), 3))
		}
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prev, _ := s.Snapshot(t.Context(), 1)
	cur, _ := s.Snapshot(t.Context(), 2)
	hist, _ := s.History(t.Context(), "demo")
	ch := market.Compare(prev, cur, hist[0], 10)

	var entered, dropped []string
	for _, c := range w2.Creators {
		if _, ok := w1.Creator(c.Handle); !ok {
			entered = append(entered, c.Handle)
		}
	}
	for _, c := range w1.Creators {
		if _, ok := w2.Creator(c.Handle); !ok {
			dropped = append(dropped, c.Handle)
		}
	}
	handles := func(cs []market.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Handle)
		}
		sort.Strings(out)
		return out
	}
	sort.Strings(entered)
	sort.Strings(dropped)
	if got := handles(ch.Entered); strings.Join(got, ",") != strings.Join(entered, ",") || len(entered) == 0 {
		t.Errorf("entered %v, want %v", got, entered)
	}
	if got := handles(ch.Dropped); strings.Join(got, ",") != strings.Join(dropped, ",") || len(dropped) == 0 {
		t.Errorf("dropped %v, want %v", got, dropped)
	}
	for _, c := range ch.Rows {
		a, inA := w1.Creator(c.Handle)
		b, inB := w2.Creator(c.Handle)
		wantRank := func(in bool, r int) int {
			if !in {
				return 0
			}
			return r
		}
		if c.RankPrev != wantRank(inA, a.Rank) || c.RankNow != wantRank(inB, b.Rank) {
			t.Errorf("%s: ranks %d → %d, want %d → %d", c.Handle, c.RankPrev, c.RankNow, wantRank(inA, a.Rank), wantRank(inB, b.Rank))
		}
	}
	for _, c := range ch.Up {
		a, _ := w1.Creator(c.Handle)
		b, _ := w2.Creator(c.Handle)
		if c.RankChange() != a.Rank-b.Rank || c.RankChange() <= 0 {
			t.Errorf("climber %s: %d places, want %d", c.Handle, c.RankChange(), a.Rank-b.Rank)
		}
	}
	best := 0
	for _, c := range w2.Creators {
		if a, ok := w1.Creator(c.Handle); ok && a.Rank-c.Rank > best {
			best = a.Rank - c.Rank
		}
	}
	if len(ch.Up) == 0 || ch.Up[0].RankChange() != best {
		t.Errorf("the top climber rose %v places, want %d", ch.Up, best)
	}

	// changes.csv: every creator of either week, once.
	f, err := os.Open(filepath.Join(dir, "reports", "2", "changes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0][:8], ",") != "\ufeffhandle,status,followers_prev,followers_now,gmv_prev_usd,gmv_now_usd,rank_prev,rank_now" {
		t.Errorf("header %q", rows[0])
	}
	union := map[string]bool{}
	for _, c := range w1.Creators {
		union[c.Handle] = true
	}
	for _, c := range w2.Creators {
		union[c.Handle] = true
	}
	if len(rows)-1 != len(union) {
		t.Errorf("changes.csv has %d rows, want %d creators of either week", len(rows)-1, len(union))
	}
	for _, r := range rows[1:] {
		a, inA := w1.Creator(r[0])
		_, inB := w2.Creator(r[0])
		want := map[[2]bool]string{{true, true}: "stayed", {false, true}: "entered", {true, false}: "dropped"}[[2]bool{inA, inB}]
		if r[1] != want || (inA && r[6] != strconv.Itoa(a.Rank)) || (!inA && (r[2] != "" || r[4] != "" || r[6] != "")) {
			t.Errorf("changes.csv row %v: want %s with rank before %d", r, want, a.Rank)
		}
	}

	// The alerts fired exactly where the rules say.
	html, _ := os.ReadFile(filepath.Join(dir, "reports", "2", "index.html"))
	alerts, _ := os.ReadFile(filepath.Join(dir, "reports", "2", "alerts.json"))
	wantAlerts := 0
	for _, c := range w2.Creators {
		if c.Followers < 20000 && c.Rank <= 20 {
			wantAlerts++
			if !strings.Contains(string(alerts), `"handle": "`+c.Handle+`"`) {
				t.Errorf("no alert for %s (%d followers, rank %d)", c.Handle, c.Followers, c.Rank)
			}
		}
	}
	for _, h := range dropped {
		if a, _ := w1.Creator(h); a.Rank <= 50 {
			wantAlerts++
		}
	}
	for _, c := range w2.Creators {
		if a, ok := w1.Creator(c.Handle); ok && float64(a.GMVCents)/100 < 10000 && c.GMVCents >= 3*a.GMVCents {
			wantAlerts++
		}
	}
	if got := strings.Count(string(alerts), `"rule": `); got != wantAlerts || wantAlerts == 0 {
		t.Errorf("%d alerts in alerts.json, want %d", got, wantAlerts)
	}
	for _, want := range []string{"What changed", "Compared with snapshot 1 of", "Over the weeks", "alerts from the rules"} {
		if !strings.Contains(pageText(string(html)), want) {
			t.Errorf("the week-2 report lacks %q", want)
		}
	}
	week1, _ := os.ReadFile(filepath.Join(dir, "reports", "1", "index.html"))
	if !strings.Contains(string(week1), "first stored snapshot") {
		t.Error("the week-1 report does not say there is nothing to compare yet")
	}
	index, err := os.ReadFile(filepath.Join(dir, "reports", "index.html"))
	if err != nil || !strings.Contains(string(index), `<a href="2/index.html">2</a>`) || !strings.Contains(string(index), `<a href="1/index.html">1</a>`) {
		t.Errorf("the index of reports lists both snapshots (%v)", err)
	}
	latest, err := os.ReadFile(filepath.Join(dir, "reports", "latest", "demo", "index.html"))
	if err != nil || string(latest) != string(html) {
		t.Errorf("latest/demo is not the week-2 report (%v)", err)
	}
}

// http2 serves whichever market market returns at the time of each request.
func http2(market func() *demo.Market) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { market().Handler().ServeHTTP(w, r) })
}

// TestPrune: gmvscope prune drops the bodies of pages older than its
// age, keeps every row, snapshot and report, and reparse then says the
// pages are gone rather than rebuilding nothing.
func TestPrune(t *testing.T) {
	var week atomic.Int32
	w1, w2 := demo.New(demo.Config{Creators: 100}), demo.New(demo.Config{Creators: 100, Week: 2})
	srv := testkit.Serve(t, http2(func() *demo.Market {
		if week.Load() == 2 {
			return w2
		}
		return w1
	}))
	cfg, db := siteConfig(t, srv.URL)
	m := newTestMain()
	if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != ExitOK {
		t.Fatalf("crawl: exit %d: %s", code, m.errs)
	}
	week.Store(2) // the pages change: the second crawl stores new bodies
	// Ten days on, a second crawl; then prune what is older than a week.
	later := clock.Add(10 * 24 * time.Hour)
	m = newTestMain()
	m.Now = func() time.Time { return later }
	if code := m.Run(t.Context(), []string{"crawl", "--config", cfg, "--source", "demo"}); code != ExitOK {
		t.Fatalf("second crawl: exit %d: %s", code, m.errs)
	}
	m = newTestMain()
	m.Now = func() time.Time { return later }
	if code := m.Run(t.Context(), []string{"prune", "--config", cfg, "--older-than", "7d"}); code != ExitOK {
		t.Fatalf("prune: exit %d: %s", code, m.errs)
	}
	if !strings.HasPrefix(m.out.String(), "pruned ") {
		t.Errorf("prune said %q", m.out)
	}
	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var pruned, kept, rows1, dangling int
	s.SQL().QueryRow(`SELECT count(*) FROM pages WHERE run_id = 1 AND body_zst IS NULL AND pruned_at IS NOT NULL`).Scan(&pruned)
	s.SQL().QueryRow(`SELECT count(*) FROM pages WHERE run_id = 2 AND (body_zst IS NOT NULL OR same_as IS NOT NULL)`).Scan(&kept)
	s.SQL().QueryRow(`SELECT count(*) FROM pages WHERE run_id = 1`).Scan(&rows1)
	// A page of run 2 that reused (304) a body of run 1 still has it.
	s.SQL().QueryRow(`SELECT count(*) FROM pages p JOIN pages o ON o.id = p.same_as WHERE p.run_id = 2 AND o.body_zst IS NULL`).Scan(&dangling)
	snap, serr := s.Snapshot(t.Context(), 1)
	s.Close()
	if pruned != rows1 || kept == 0 || dangling != 0 || serr != nil || len(snap.Creators) != 100 {
		t.Errorf("pruned %d of run 1's %d pages, run 2 kept %d, %d reused bodies lost; snapshot 1: %v", pruned, rows1, kept, dangling, serr)
	}
	m = newTestMain()
	if code := m.Run(t.Context(), []string{"reparse", "1", "--config", cfg, "--no-report"}); code != ExitError ||
		!strings.Contains(m.errs.String(), "reparse run 1: its pages were pruned on ") {
		t.Errorf("reparse of a pruned run: exit %d: %s", code, m.errs)
	}
}

// TestAlertsWebhook: a run's alerts are POSTed as JSON to the webhook
// the config names through an environment variable; a webhook that keeps
// failing is tried three times and logged without its URL, and the run
// still succeeds.
func TestAlertsWebhook(t *testing.T) {
	mk := demo.New(demo.Config{Creators: 200})
	srv := testkit.Serve(t, mk.Handler())
	var mu sync.Mutex
	var got []string
	fail := true
	hook := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
		if fail {
			http.Error(w, "down", http.StatusBadGateway)
		}
	}))
	cfg, _ := siteConfig(t, srv.URL)
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(text), "  # webhook: ${GMVSCOPE_WEBHOOK}", "  webhook: ${GMVSCOPE_WEBHOOK}", 1)), 0o644)
	secret := hook.URL + "/hooks/T0KEN-s3cret"
	for _, failing := range []bool{true, false} {
		mu.Lock()
		fail, got = failing, nil
		mu.Unlock()
		m := newTestMain()
		m.Getenv = testkit.Env{"GMVSCOPE_WEBHOOK": secret}.Get
		if code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"}); code != ExitOK {
			t.Fatalf("exit %d with the webhook failing=%v: %s", code, failing, lastLines(m.errs.String(), 3))
		}
		mu.Lock()
		calls := got
		mu.Unlock()
		want := 1
		if failing {
			want = 3
		}
		if len(calls) != want || !strings.HasPrefix(calls[0], "POST application/json {") || !strings.Contains(calls[0], `"rule":"small account in the top 20"`) {
			t.Errorf("failing=%v: %d calls, want %d: %.200v", failing, len(calls), want, calls)
		}
		if strings.Contains(m.errs.String()+m.out.String(), "T0KEN") {
			t.Errorf("the webhook's URL was logged")
		}
		if failing && strings.Count(m.errs.String(), `msg="alerts webhook failed"`) != 3 {
			t.Errorf("the failures were not logged: %s", grepLines(m.errs.String(), "webhook"))
		}
	}
}
