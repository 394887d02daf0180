package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
	"gmvscope/market"
	"gmvscope/store"
)

// faultReason is the failure a page kind's attempt that met f ends with,
// and whether the crawl tries again after it.
func faultReason(f demo.Fault, kind string) (reason string, retry bool) {
	noRows := map[string]string{"leaderboard": "no rows where 1 or more expected", "profile": "no script matches script#creator-data",
		"product": "no rows where 1 or more expected", "live": "no rows where 1 or more expected"}[kind]
	switch f {
	case demo.FaultTooMany:
		return "HTTP 429", true
	case demo.FaultBusyDate:
		return "HTTP 503", true
	case demo.FaultServer:
		return "HTTP 500", true
	case demo.FaultReset:
		return "network error: the connection closed before a response", true
	case demo.FaultTruncated:
		return "truncated body: shorter than its Content-Length", true
	case demo.FaultStall:
		return "timeout: the body did not arrive within 2s", true
	case demo.FaultCaptcha:
		return "soft block: captcha", true
	case demo.FaultHuman, demo.FaultLoginInline, demo.FaultEmpty, demo.FaultGarbage:
		return noRows, true
	case demo.FaultNoRows:
		return map[string]string{"leaderboard": "no rows where 1 or more expected", "profile": "no rows where 1 or more expected",
			"product": "no title on the page where its records have one", "live": "no gmv on the page where its records have one"}[kind], true
	case demo.FaultLoginWall:
		return "soft block: login wall (redirected to /login)", true
	case demo.FaultHuge, demo.FaultBomb:
		return "body over 256 KB (politeness.max_body_kb)", false
	case demo.FaultPDF:
		return "unexpected content type application/pdf", false
	case demo.FaultNotFound:
		return "HTTP 404", false
	case demo.FaultOtherPort:
		return "redirect outside allowed_hosts", false
	}
	return "", false // none, or a slow body that arrives: the page
}

// TestChaosMix runs the whole pipeline through seeded faults of every
// kind on a share of all requests (retries included) and holds the
// outcome to what the faults imply, page by page: every page the crawl
// reached ends parsed, with the market's exact values, or failed with the
// reason of the fault its last attempt met after exactly the attempts the
// retry rules allow; the pages after a failed leaderboard page are counted
// as never reached; nothing reaches another port; and the run is ok
// exactly when nothing is missing.
func TestChaosMix(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos mix")
	}
	retryable := []demo.Fault{demo.FaultTooMany, demo.FaultBusyDate, demo.FaultServer, demo.FaultReset, demo.FaultTruncated,
		demo.FaultSlow, demo.FaultCaptcha, demo.FaultHuman, demo.FaultLoginInline, demo.FaultEmpty, demo.FaultGarbage,
		demo.FaultNoRows, demo.FaultLoginWall}
	for _, tc := range []struct {
		name     string
		creators int
		seed     uint64
		rate     float64
		faults   []demo.Fault
		ok       bool // what the faults this seed draws imply
	}{
		{"every fault on 20% of requests", 2000, 21, 0.2, nil, false},
		{"faults a retry gets past on 10% of requests", 600, 3, 0.1, retryable, true},
	} {
		t.Run(tc.name, func(t *testing.T) { chaosMix(t, tc.creators, tc.seed, tc.rate, tc.faults, tc.ok) })
	}
}

func chaosMix(t *testing.T, creators int, seed uint64, rate float64, faults []demo.Fault, wantOK bool) {
	mk := demo.New(demo.Config{Creators: creators})
	const token = "Bearer chaos-s3cret"
	var mu sync.Mutex
	var elsewhere []string
	other := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		elsewhere = append(elsewhere, r.URL.String()+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		mk.Handler().ServeHTTP(w, r)
	}))
	m := newTestMain()
	m.Getenv = testkit.Env{"CHAOS_TOKEN": token}.Get
	ch := &demo.Chaos{Market: mk, Seed: seed, Rate: rate, Faults: faults, OtherPort: other.URL, Now: m.Clock.Now}
	srv := testkit.Serve(t, ch)
	cfg, db := siteConfig(t, srv.URL)
	text, _ := os.ReadFile(cfg)
	edited := strings.Replace(string(text), "      timeout: 10s", "      timeout: 2s\n      max_body_kb: 256", 1)
	edited = strings.Replace(edited, "    period: 28d            # the leaderboard's GMV covers the last 28 days",
		"    period: 28d\n    session:\n      headers: {Authorization: CHAOS_TOKEN}", 1)
	if edited == string(text) {
		t.Fatal("could not edit the config")
	}
	os.WriteFile(cfg, []byte(edited), 0o644)

	code := m.Run(t.Context(), []string{"run", "--config", cfg, "--source", "demo"})

	s, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type final struct {
		kind, state, reason string
		attempts            int
	}
	got := map[string]final{}
	rows, err := s.SQL().Query(`SELECT url, kind, state, reason, attempts FROM frontier WHERE run_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		var f final
		rows.Scan(&u, &f.kind, &f.state, &f.reason, &f.attempts)
		got[strings.TrimPrefix(u, srv.URL)] = f
	}
	rows.Close()

	// What the faults imply, page by page, following the market's links.
	want := map[string]final{}
	// net/http sends a request again by itself when a reused connection
	// closes before any response (FaultReset): such an attempt is the
	// proxy's, not the crawl's, so a reset followed by another request
	// may be one attempt of the crawl.
	outcome := func(uri, kind string) final {
		met := ch.Met(uri)
		resent := len(met) - got[uri].attempts // requests the transport sent again after a reset
		tries := 0
		for i, f := range met {
			if f == demo.FaultReset && i+1 < len(met) && resent > 0 {
				resent--
				continue
			}
			tries++
			reason, retry := faultReason(f, kind)
			switch {
			case reason == "":
				return final{kind, "done", "", tries}
			case !retry || tries == 3:
				return final{kind, "failed", reason, tries}
			}
		}
		return final{kind, "never asked", fmt.Sprint(met), len(met)}
	}
	failedAny, reachedPages := false, 0
	for p := 1; p <= mk.Pages(); p++ {
		uri := fmt.Sprintf("/leaderboard?page=%d", p)
		o := outcome(uri, "leaderboard")
		want[uri] = o
		if o.state != "done" {
			failedAny = true
			break
		}
		reachedPages++
		for _, c := range mk.Creators[(p-1)*demo.PerPage : min(p*demo.PerPage, len(mk.Creators))] {
			puri := "/creator/" + c.Handle
			po := outcome(puri, "profile")
			want[puri] = po
			failedAny = failedAny || po.state != "done"
			if po.state != "done" {
				continue
			}
			for _, id := range c.ProductIDs {
				want["/product/"+id] = outcome("/product/"+id, "product")
			}
			for _, id := range c.Lives {
				want["/live/"+id] = outcome("/live/"+id, "live")
			}
		}
	}
	for uri, w := range want {
		failedAny = failedAny || w.state != "done"
		if g, ok := got[uri]; !ok || g != w {
			t.Errorf("%s met %v: got %+v, want %+v\n%s", uri, ch.Met(uri), g, w, grepLines(m.errs.String(), uri+" "))
		}
	}
	for uri := range got {
		if _, ok := want[uri]; !ok {
			t.Errorf("%s was crawled but no good page links to it", uri)
		}
	}
	if !failedAny && reachedPages != mk.Pages() {
		t.Fatalf("bookkeeping: %d of %d pages", reachedPages, mk.Pages())
	}
	missing := mk.Pages() - reachedPages - 1
	if reachedPages == mk.Pages() {
		missing = 0
	}

	ok := !failedAny
	if ok != wantOK {
		t.Errorf("seed %d: the faults imply a complete run: %v; the test case says %v", seed, ok, wantOK)
	}
	var status market.RunStatus
	var reason string
	s.SQL().QueryRow(`SELECT status, reason FROM runs WHERE id = 1`).Scan(&status, &reason)
	switch {
	case ok && (code != ExitOK || status != market.RunOK):
		t.Errorf("nothing is missing, yet exit %d, run %s (%s): %s", code, status, reason, m.errs)
	case !ok && (code != ExitPartial || status != market.RunPartial):
		t.Errorf("pages are missing, yet exit %d, run %s (%s)", code, status, reason)
	case missing > 0 && !strings.Contains(reason, fmt.Sprintf("%d leaderboard pages never reached", missing)):
		t.Errorf("reason %q does not count the %d leaderboard pages never reached", reason, missing)
	case !ok && !strings.Contains(m.errs.String(), "gmvscope: partial: run 1 of demo: "+reason):
		t.Errorf("stderr does not say the run is partial and why: %s", lastLines(m.errs.String(), 3))
	}
	kinds := map[demo.Fault]int{}
	for uri := range got {
		for _, f := range ch.Met(uri) {
			kinds[f]++
		}
	}
	t.Logf("seed %d: %d URLs, faults met %v; exit %d, %s: %s", seed, len(got), kinds, code, status, reason)

	// Every page that was read gave the market's exact values.
	id, err := s.LatestSnapshot(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	inSnap := map[string]market.Creator{}
	for _, c := range snap.Creators {
		inSnap[c.Handle] = c
	}
	for _, c := range mk.Creators {
		w := want["/creator/"+c.Handle]
		g, in := inSnap[c.Handle]
		switch {
		case w.state == "done" && (!in || g.Followers == nil || g.Followers.Num != c.Followers || g.GMV == nil || g.GMV.Num != c.GMVCents || g.DisplayName != c.DisplayName):
			t.Errorf("%s: %+v, want followers %d, GMV %d, name %q", c.Handle, g, c.Followers, c.GMVCents, c.DisplayName)
		case w.kind == "" && in:
			t.Errorf("%s is on a page never reached, yet in the snapshot", c.Handle)
		case w.kind != "" && !in:
			t.Errorf("%s is on a page that was read, yet not in the snapshot", c.Handle)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(elsewhere) > 0 {
		t.Errorf("%d requests went to another port of the host: %v", len(elsewhere), elsewhere[:min(3, len(elsewhere))])
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
