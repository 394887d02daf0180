package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// ImportResult is what an import stored.
type ImportResult struct {
	Result
	Records, Rejects, Repaired int
}

// Kind returns the page kind of src that reads files: kind when named,
// else the source's only page kind.
func Kind(src *config.Source, kind string) (string, error) {
	if kind != "" {
		if _, ok := src.Extractors()[kind]; !ok {
			return "", fmt.Errorf("source %s has no page kind %q; it has %s", src.Name, kind, strings.Join(kinds(src), ", "))
		}
		return kind, nil
	}
	if len(src.Pages) != 1 {
		return "", fmt.Errorf("source %s has several page kinds (%s): name one with --kind", src.Name, strings.Join(kinds(src), ", "))
	}
	for k := range src.Pages {
		kind = k
	}
	return kind, nil
}

func kinds(src *config.Source) []string {
	var out []string
	for k := range src.Pages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Import reads a vendor export (CSV or JSON) through a page kind of src
// and stores it as a run and snapshot, as a crawl would. The file's
// modification time is its fetch time: when the vendor produced it, as
// near as a file can tell.
func (p *Pipeline) Import(ctx context.Context, src *config.Source, kind, file string) (ImportResult, error) {
	res := ImportResult{Result: Result{Source: src.Name}}
	ex := src.Extractors()[kind]
	info, err := os.Stat(file)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if limit := src.Limits.ImportBytes(); info.Size() > limit {
		return res, fmt.Errorf("import %s: %d bytes is over the %d-byte cap (limits.import_mb)", file, info.Size(), limit)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return res, err
	}
	fileURL := &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	out := ex.Extract(parse.Input{URL: fileURL, Body: body})
	res.Records, res.Rejects, res.Repaired = len(out.Records), len(out.Rejects), out.Repaired

	began := p.now()
	runID, err := p.Store.BeginRun(ctx, src.Name, began, nil)
	if err != nil {
		return res, err
	}
	res.RunID = runID
	page := market.Page{URL: fileURL.String(), Kind: kind, Status: 200, ContentType: contentType(file),
		FetchedAt: info.ModTime(), Attempts: 1, Bytes: int64(len(body)), Compressed: crawl.Compress(body)}
	body = nil // the compressed copy is what is kept
	if err := p.Store.CommitBatch(ctx, runID, []market.PageResult{{Page: page, Records: out.Records, Rejects: out.Rejects}}); err != nil {
		p.Store.FinishRun(ctx, runID, market.RunFailed, err.Error(), p.now(), "{}", nil)
		return res, err
	}
	var as market.Assembler
	for _, r := range out.Records {
		as.Add(r, fileURL.String())
	}
	snap := &market.Draft{Source: p.Config.Info(src), Merged: &as}
	snap.Source.StartURLs = []string{fileURL.String()}
	res.Status, res.Reason = market.RunOK, fmt.Sprintf("imported %s", filepath.Base(file))
	if len(out.Records) == 0 {
		res.Status, res.Reason, snap = market.RunFailed, "no records in the file: check the source's columns", nil
		if out.Failure != "" {
			res.Reason = "no records in the file: " + out.Failure
		}
	}
	stats, err := json.Marshal(map[string]int{"records": res.Records, "rejects": res.Rejects, "repaired_texts": res.Repaired})
	if err != nil {
		return res, err
	}
	if res.SnapshotID, err = p.Store.FinishRun(ctx, runID, res.Status, res.Reason, p.now(), string(stats), snap); err != nil {
		return res, err
	}
	res.Took = p.now().Sub(began)
	if res.Status != market.RunOK {
		return res, fmt.Errorf("import of %s %w: %s", file, ErrFailed, res.Reason)
	}
	return res, nil
}

func contentType(name string) string {
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return "application/json"
	}
	return "text/csv"
}
