package market

import (
	"context"
	"time"
)

// Store is what the pipeline needs from a database. store.DB implements it.
type Store interface {
	// BeginRun records a running run of source with its start URLs.
	BeginRun(ctx context.Context, source string, now time.Time, start []Link) (int64, error)
	// CommitBatch stores pages with their records, rejects and links atomically.
	CommitBatch(ctx context.Context, runID int64, batch []PageResult) error
	// Validators returns, per URL, the newest usable page of source stored
	// before run, with the ETag or Last-Modified it came with.
	Validators(ctx context.Context, source string, runID int64) (map[string]Validator, error)
	// Robots returns the stored copy of origin's robots.txt, if any.
	Robots(ctx context.Context, origin string) (RobotsFile, bool, error)
	// SaveRobots stores a fetched robots.txt, replacing the earlier copy.
	SaveRobots(ctx context.Context, f RobotsFile) error
	// StoredBody returns a stored page's body, decompressed.
	StoredBody(ctx context.Context, pageID int64) ([]byte, error)
	// Frontier lists a run's URLs still to fetch and every URL it has seen.
	Frontier(ctx context.Context, runID int64) ([]FrontierEntry, []string, error)
	// EachRecord calls fn with a run's records in the order they were
	// stored, with the URL of the page each came from.
	EachRecord(ctx context.Context, runID int64, fn func(Record, string) error) error
	// RunRejects returns a run's rejects.
	RunRejects(ctx context.Context, runID int64) ([]Reject, error)
	// RunPages counts a run's pages by kind and outcome, with the first and last fetch times.
	RunPages(ctx context.Context, runID int64) ([]PageStat, time.Time, time.Time, error)
	// FinishRun ends a run and, for ok and partial runs, writes its snapshot atomically.
	FinishRun(ctx context.Context, runID int64, status RunStatus, reason string, now time.Time, stats string, snap *Draft) (int64, error)
	// LatestSnapshot returns the newest snapshot id of source.
	LatestSnapshot(ctx context.Context, source string) (int64, error)
	// Snapshot loads a snapshot with its creators, products, rejects and page counts.
	Snapshot(ctx context.Context, id int64) (*Snapshot, error)
}
