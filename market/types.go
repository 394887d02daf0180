package market

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Entity names what a record describes.
type Entity string

// The entities a page can describe.
const (
	EntityCreator Entity = "creator"
	EntityProduct Entity = "product"
	EntityVideo   Entity = "video" // a post or video with its views and estimated earnings
	EntityDaily   Entity = "daily" // one day of a channel's history, keyed by date
	EntityLive    Entity = "live"  // one live-shopping session: its creator, start, length, viewers, GMV
)

// Entities lists every valid Entity. Snapshots merge creators, products
// and live sessions; the others are kept as records.
var Entities = []Entity{EntityCreator, EntityProduct, EntityLive, EntityVideo, EntityDaily}

// Record is what one page said about one creator or product: its key
// (canonical handle or product id) and its fields, each with raw text.
type Record struct {
	Entity Entity           `json:"entity"`
	Key    string           `json:"key"`
	Fields map[string]Value `json:"fields"`
	// Precedence orders records of one key when fields disagree: the higher
	// wins (a profile's exact JSON over a leaderboard's rounded "35.8K").
	Precedence int `json:"precedence"`
	// Line is where on its page the record was: a CSV file's line, a
	// row's position in an HTML table or a JSON list (1 = first); 0 when
	// unknown.
	Line int `json:"line,omitempty"`
}

// Reject is a value, row or page that could not be used, kept with its raw
// text and the reason so that nothing is silently lost.
type Reject struct {
	URL    string `json:"url"`
	Entity Entity `json:"entity,omitempty"`
	Key    string `json:"key,omitempty"`   // the record's key when known
	Field  string `json:"field,omitempty"` // empty for a whole row or page
	Raw    string `json:"raw"`
	Reason string `json:"reason"`
}

// Link is a URL found on a page, with the page kind it leads to.
type Link struct {
	URL  string `json:"url"`
	Kind string `json:"kind,omitempty"`
}

// FrontierEntry is a URL a run still has to fetch, with its attempts so far.
type FrontierEntry struct {
	Link
	Attempts int
}

// Validator is what a conditional GET needs about a page stored earlier.
type Validator struct {
	PageID       int64
	ETag         string
	LastModified string
	ContentType  string
}

// RobotsFile is a fetched robots.txt, kept between runs so a site's rules
// are not asked for again until they are older than the TTL.
type RobotsFile struct {
	Origin    string // scheme://host[:port]
	Status    int    // 2xx: Body holds the rules; 4xx: everything is allowed
	Body      []byte
	FetchedAt time.Time
}

// Page is one fetch: what was asked, what came back and when. A failed fetch
// has Failure set and no body.
type Page struct {
	URL          string
	Kind         string
	Status       int
	ContentType  string
	FetchedAt    time.Time
	Compressed   []byte // the body as received, zstd-compressed, as the store keeps it
	ETag         string // validators the server sent, for a conditional GET next run
	LastModified string
	SameAs       int64  // a 304: the stored page whose body this is (Compressed is then empty)
	Failure      string // empty when the page was fetched and usable
	Attempts     int
	Bytes        int64
	Listing      Listing // what the page said about its listing, if it is one
	SHA256       string  // an imported file's content hash (hex); empty for crawled pages
}

// Listing is what a page of a paginated listing says about the whole
// listing: its rows and pages, this page's number and its last row's
// number. Zero means the page did not say.
type Listing struct {
	Total int64 `json:"total,omitempty"` // rows in the whole listing ("1-50 of 2,000": 2000)
	Pages int64 `json:"pages,omitempty"` // pages in the listing ("page 3 of 40": 40)
	Page  int64 `json:"page,omitempty"`  // this page's number
	Last  int64 `json:"last,omitempty"`  // the number of this page's last row ("1-50 of 2,000": 50)
}

// IsLast reports whether the listing says this is its last page; known is
// false when it does not say enough to tell.
func (l Listing) IsLast() (last, known bool) {
	switch {
	case l.Page > 0 && l.Pages > 0:
		return l.Page >= l.Pages, true
	case l.Last > 0 && l.Total > 0:
		return l.Last >= l.Total, true
	}
	return false, false
}

// PageResult is a fetched page and what the extractor made of it.
type PageResult struct {
	Page    Page
	RetryAt time.Time // set when this failed attempt will be tried again then
	Records []Record
	Rejects []Reject
	Links   []Link
}

// RunStatus is the outcome of a run.
type RunStatus string

// Run statuses. Only ok and partial runs produce a snapshot.
const (
	RunRunning   RunStatus = "running"
	RunOK        RunStatus = "ok"
	RunPartial   RunStatus = "partial" // finished, but some pages failed
	RunFailed    RunStatus = "failed"
	RunCancelled RunStatus = "cancelled"
)

// Run is one execution of the pipeline for one source.
type Run struct {
	ID         int64
	Source     string
	StartedAt  time.Time
	FinishedAt time.Time
	Status     RunStatus
	Reason     string // why the run finished as it did
}

// CanonicalHandle turns a handle as any page writes it ("@MiaBeauty",
// "ＭｉａＢｅａｕｔｙ", " miabeauty ") into one identity: NFKC, no
// leading "@", lower case, trimmed.
func CanonicalHandle(s string) string {
	s = norm.NFKC.String(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "@")
	return strings.ToLower(strings.TrimSpace(s))
}
