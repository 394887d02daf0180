package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// Reparse re-reads every stored page of run with the current config into
// a new run and snapshot, without the network: for when a site changed
// its markup and the selectors were fixed. A page that arrived but was
// not a good page of its kind is read again too; walls stay walls, and
// fetches that failed have nothing to read.
func (p *Pipeline) Reparse(ctx context.Context, run int64) (Result, error) {
	name, _, err := p.Store.RunSource(ctx, run)
	if err != nil {
		return Result{}, err
	}
	src, err := p.Config.Source(name)
	if err != nil {
		return Result{}, err
	}
	if gone, at, err := p.Store.Pruned(ctx, run); err != nil {
		return Result{}, err
	} else if gone {
		return Result{}, fmt.Errorf("reparse run %d: its pages were pruned on %s (schedule.keep_pages): there is nothing to read again; its snapshot, records and rejects are kept",
			run, at.UTC().Format("2006-01-02"))
	}
	res := Result{Source: src.Name}
	began := p.now()
	newRun, err := p.Store.BeginRun(ctx, src.Name, began, nil)
	if err != nil {
		return res, err
	}
	res.RunID = newRun
	var batch []market.PageResult
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := p.Store.CommitBatch(ctx, newRun, batch); err != nil {
			return err
		}
		batch = batch[:0]
		return nil
	}
	err = p.Store.EachPage(ctx, run, func(pg market.Page, body []byte) error {
		r := market.PageResult{Page: pg}
		r.Page.Failure = ""
		ex := src.Extractors()[pg.Kind]
		reread := pg.Failure == "" || ((pg.Status == 200 || pg.Status == 304) && len(body) > 0 && !strings.HasPrefix(pg.Failure, "soft block"))
		switch {
		case !reread:
			r.Page.Failure = pg.Failure
		case ex == nil:
			r.Page.Failure = "no extractor for page kind " + pg.Kind
		default:
			u, _ := url.Parse(pg.URL)
			text, err := crawl.Decode(body, pg.ContentType)
			if err != nil {
				r.Page.Failure = "charset: " + err.Error()
				break
			}
			if w := crawl.SoftBlockOf(text, src.Walls()); w != "" {
				r.Page.Failure = "soft block: " + w
				break
			}
			out := ex.Extract(parse.Input{URL: u, Body: text})
			if out.Failure != "" { // not a good page of its kind with the current config
				r.Page.Failure = out.Failure
				break
			}
			r.Records, r.Rejects, r.Page.Listing = out.Records, out.Rejects, out.Listing
		}
		res.Stats.Records += len(r.Records)
		res.Stats.Rejects += len(r.Rejects)
		batch = append(batch, r)
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		p.Store.FinishRun(ctx, newRun, market.RunFailed, err.Error(), p.now(), "{}", nil)
		return res, fmt.Errorf("reparse run %d: %w", run, err)
	}
	tally, err := p.Store.Tally(ctx, newRun, true) // every page came settled: none is pending
	if err != nil {
		return res, err
	}
	out := market.Decide(tally, src.Stated(), fmt.Sprintf("reparse of run %d with the current config, no network", run), "")
	res.Status, res.Reason = out.Status, out.Reason
	if res.Status != market.RunOK {
		res.Reason = fmt.Sprintf("reparse of run %d: %s", run, res.Reason)
	}
	snap := &market.Draft{Source: p.Config.Info(src), Records: tally.Records} // merged from the new run's records
	if ok, err := p.Store.Mergeable(ctx, newRun); err != nil {
		return res, err
	} else if !ok {
		res.Status, res.Reason, snap = market.RunFailed, fmt.Sprintf("reparse of run %d: no records extracted: check the source's selectors", run), nil
	}
	var record runRecord
	record.fromTally(tally, out)
	record.Finish = res.Reason
	stats, err := json.Marshal(record)
	if err != nil {
		return res, err
	}
	if res.SnapshotID, err = p.Store.FinishRun(ctx, newRun, res.Status, res.Reason, p.now(), string(stats), snap); err != nil {
		return res, err
	}
	res.Stats.Fetched, res.Stats.Failed = tally.Done(), tally.Failed()
	res.Took = p.now().Sub(began)
	if res.Status == market.RunFailed {
		return res, res.Err()
	}
	return res, nil
}
