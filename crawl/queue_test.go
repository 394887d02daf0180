package crawl

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gmvscope/market"
)

// urlsToAdd is a mix a crawl sees: many URLs, repeats, one far longer than
// a chunk, an empty one, and bytes that are not text.
func urlsToAdd() []string {
	r := rand.New(rand.NewPCG(1, 2))
	var us []string
	for i := range 30000 {
		us = append(us, fmt.Sprintf("http://127.0.0.1:8089/creator/c%d?p=%d", r.IntN(20000), i%7))
	}
	us = append(us, "", "http://x/"+strings.Repeat("é", urlChunk), "http://x/\xff\x00", "")
	return us
}

// testSet holds the set to a map of strings, the structure it replaces.
func testSet(t *testing.T, s *urlSet) {
	t.Helper()
	want := map[string]bool{}
	refs := map[string]urlRef{}
	for i, u := range urlsToAdd() {
		r, isNew := s.add(u)
		if isNew == want[u] {
			t.Fatalf("add #%d %.40q: new %v, but seen before %v", i, u, isNew, want[u])
		}
		if got := s.url(r); got != u {
			t.Fatalf("add #%d: kept %.40q as %.40q", i, u, got)
		}
		if old, ok := refs[u]; ok && old != r {
			t.Fatalf("add #%d %.40q: kept at %x, then at %x", i, u, old, r)
		}
		want[u], refs[u] = true, r
	}
	for u, r := range refs { // nothing written later overwrote an earlier URL
		if got := s.url(r); got != u {
			t.Fatalf("%.40q became %.40q", u, got)
		}
	}
}

func TestURLSetAsMap(t *testing.T) { s := newURLSet(); testSet(t, &s) }

// TestURLSetCollisions: with every URL on one hash, the set still tells
// each URL from every other.
func TestURLSetCollisions(t *testing.T) {
	s := newURLSet()
	s.hash = func(maphash.Seed, string) uint64 { return 7 }
	testSet(t, &s)
	if len(s.index) != 1 || len(s.other) < 20000 {
		t.Fatalf("the collisions were not exercised: %d hashes, %d URLs apart", len(s.index), len(s.other))
	}
}

// TestQueueKeepsLinks: links pass through claim, enqueue, next, a retry and
// a resumed run's load with their URL, kind and attempts, in order, each
// URL claimed once.
func TestQueueKeepsLinks(t *testing.T) {
	q := newQueue()
	q.load([]market.FrontierEntry{{Link: market.Link{URL: "http://x/p1", Kind: "leaderboard"}, Attempts: 2}}, []string{"http://x/done"})
	fresh, refs := q.claim([]market.Link{{URL: "http://x/done", Kind: "profile"}, {URL: "http://x/a", Kind: "profile"},
		{URL: "http://x/b", Kind: "product"}, {URL: "http://x/a", Kind: "profile"}, {URL: "http://x/p1", Kind: "leaderboard"}})
	if len(fresh) != 2 || fresh[0].URL != "http://x/a" || fresh[1].URL != "http://x/b" || len(refs) != 2 {
		t.Fatalf("claimed %v", fresh)
	}
	q.enqueue(fresh, refs)
	want := []item{{Link: market.Link{URL: "http://x/p1", Kind: "leaderboard"}, attempts: 2},
		{Link: market.Link{URL: "http://x/a", Kind: "profile"}}, {Link: market.Link{URL: "http://x/b", Kind: "product"}}}
	var got []item
	for range want {
		it, ok := q.next()
		if !ok {
			t.Fatal("the queue ended early")
		}
		got = append(got, it)
	}
	for i := range want {
		if got[i].Link != want[i].Link || got[i].attempts != want[i].attempts {
			t.Errorf("next #%d: %+v, want %+v", i, got[i], want[i])
		}
	}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	q.retry(item{Link: got[2].Link, ref: got[2].ref, attempts: 1, due: now.Add(time.Second)})
	if next := q.release(now); !next.Equal(now.Add(time.Second)) || q.left() != 1 {
		t.Fatalf("a retry not due was released (next %v, %d left)", next, q.left())
	}
	q.release(now.Add(time.Second))
	it, ok := q.next()
	if !ok || it.Link != got[2].Link || it.attempts != 1 {
		t.Fatalf("the retry came back as %+v", it)
	}
	for range 3 {
		q.done()
	}
	if _, ok := q.next(); ok || !q.isClosed() {
		t.Fatal("the queue did not close with its last link done")
	}
}
