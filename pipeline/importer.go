package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gmvscope/config"
	"gmvscope/crawl"
	"gmvscope/market"
	"gmvscope/parse"
)

// ImportResult is what an import stored.
type ImportResult struct {
	Result
	Records, Rejects, Repaired int
	// Encoding is what the file's bytes were, and how that was found;
	// Undecodable counts bytes that were not text in it.
	Encoding, EncodingHow string
	Undecodable           int
	Sheet                 string         // the sheet of a workbook (.xlsx) read
	Missing               map[string]int // values the file marks as missing, per field
	Warnings              []string
	Repeats               []market.Repeat
	TakenAt               time.Time // the date the snapshot is of
	AsOfFrom              string    // where that date came from: --as-of, the column, the file name, or the file's time
}

// ImportOptions are an import's choices.
type ImportOptions struct {
	Kind  string    // the page kind that maps the file
	AsOf  time.Time // the date the export is of; zero: from config's as_of, else the file's modification time
	Again bool      // import a file already imported (same content) again
}

// ErrImported says the file was imported before.
var ErrImported = errors.New("already imported")

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
// and stores it as a run and snapshot, as a crawl would. The file is
// decoded from its encoding (config's, its byte order mark, else
// detected); the snapshot is of the export's date (--as-of, config's
// as_of column or file-name pattern, else the file's modification time).
// A file whose content was imported before makes no second snapshot
// unless opts.Again.
func (p *Pipeline) Import(ctx context.Context, src *config.Source, file string, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{Result: Result{Source: src.Name}}
	kind := opts.Kind
	ex := src.Extractors()[kind]
	spec := src.Pages[kind]
	info, err := os.Stat(file)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if limit := src.Limits.ImportBytes(); info.Size() > limit {
		return res, fmt.Errorf("import %s: %d bytes is over the %d-byte cap (limits.import_mb)", file, info.Size(), limit)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	sum := sha256.Sum256(raw)
	sha := hex.EncodeToString(sum[:])
	if !opts.Again {
		id, at, err := p.Store.ImportedAs(ctx, src.Name, sha)
		if err != nil {
			return res, err
		}
		if id > 0 {
			return res, fmt.Errorf("%s %w as snapshot %d of %s (of %s): the same content makes no second snapshot; pass --again to import it anyway",
				file, ErrImported, id, src.Name, at.Format("2006-01-02"))
		}
	}
	text := raw
	if parse.IsXLSX(raw) && spec.Type == "csv" {
		// A workbook: its sheet as the CSV it would save as.
		csv, sheet, err := parse.XLSXToCSV(raw, spec.Sheet)
		if err != nil {
			return res, fmt.Errorf("import %s: %w", file, err)
		}
		text, res.Sheet = csv, sheet
	}
	dec, err := parse.DecodeFile(text, spec.Encoding)
	if err != nil {
		return res, fmt.Errorf("import %s: %w", file, err)
	}
	res.Encoding, res.EncodingHow, res.Undecodable = dec.Encoding, dec.How, dec.Undecodable
	if res.Sheet != "" {
		res.Encoding, res.EncodingHow = "xlsx", fmt.Sprintf("sheet %q of a workbook", res.Sheet)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return res, err
	}
	fileURL := &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	out := ex.Extract(parse.Input{URL: fileURL, Body: dec.Text})
	res.Records, res.Rejects, res.Repaired = len(out.Records), len(out.Rejects), out.Repaired
	res.Missing, res.Warnings = out.Missing, out.Warnings
	res.Undecodable = max(res.Undecodable, out.Undecodable)

	var asOfErr error
	res.TakenAt, res.AsOfFrom, asOfErr = asOf(opts.AsOf, spec.AsOf, file, out.AsOf, src.Location())
	if asOfErr != nil && len(out.Records) > 0 {
		return res, fmt.Errorf("import %s: %w", file, asOfErr)
	}
	if res.TakenAt.IsZero() {
		res.TakenAt, res.AsOfFrom = info.ModTime(), "the file's modification time"
	}

	began := p.now()
	runID, err := p.Store.BeginRun(ctx, src.Name, began, nil)
	if err != nil {
		return res, err
	}
	res.RunID = runID
	page := market.Page{URL: fileURL.String(), Kind: kind, Status: 200, ContentType: contentType(file),
		FetchedAt: info.ModTime(), Attempts: 1, Bytes: int64(len(raw)), Compressed: crawl.Compress(raw), SHA256: sha}
	raw = nil // the compressed copy is what is kept
	if err := p.Store.CommitBatch(ctx, runID, []market.PageResult{{Page: page, Records: out.Records, Rejects: out.Rejects}}); err != nil {
		p.Store.FinishRun(ctx, runID, market.RunFailed, err.Error(), p.now(), "{}", nil)
		return res, err
	}
	var as market.Assembler
	for _, r := range out.Records {
		as.AddFrom(r, fileURL.String(), kind)
	}
	res.Repeats = as.Repeats()
	snap := &market.Draft{Source: p.Config.Info(src), Merged: &as, TakenAt: res.TakenAt}
	snap.Source.StartURLs = []string{fileURL.String()}
	res.Status, res.Reason = market.RunOK, fmt.Sprintf("imported %s", filepath.Base(file))
	if len(out.Records) == 0 {
		res.Status, res.Reason, snap = market.RunFailed, "no records in the file: check the source's columns", nil
		if out.Failure != "" {
			res.Reason = "no records in the file: " + out.Failure
		}
		if asOfErr != nil { // said with the rest: errors come all at once
			res.Reason += "; and " + asOfErr.Error()
		}
	}
	identical, conflicting := market.RepeatCounts(res.Repeats)
	stats, err := json.Marshal(map[string]any{"records": res.Records, "rejects": res.Rejects, "repaired_texts": res.Repaired,
		"encoding": res.Encoding, "encoding_how": res.EncodingHow, "undecodable_bytes": res.Undecodable, "missing": res.Missing,
		"warnings": res.Warnings, "repeats_identical": identical, "repeats_conflicting": conflicting, "as_of_from": res.AsOfFrom})
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

// asOf finds the date an export is of: the flag's, else config's as_of
// (the file name's pattern, or the values of its column). Zero: none.
func asOf(flag time.Time, spec *parse.AsOfSpec, file string, column []string, loc *time.Location) (time.Time, string, error) {
	if !flag.IsZero() {
		return flag, "--as-of", nil
	}
	if spec == nil {
		return time.Time{}, "", nil
	}
	if spec.FileName != "" {
		base := filepath.Base(file)
		m := regexp.MustCompile(spec.FileName).FindStringSubmatch(base)
		if m == nil {
			return time.Time{}, "", fmt.Errorf("as_of.file_name '%s' does not match the file name %q: rename the file or pass --as-of DATE", spec.FileName, base)
		}
		t, err := parse.Date(m[1], spec.Layout, loc)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("as_of.file_name: %w", err)
		}
		return t, "the file name", nil
	}
	if len(column) == 0 {
		return time.Time{}, "", fmt.Errorf("as_of.column %q holds no date: pass --as-of DATE", spec.Column)
	}
	var latest time.Time
	for _, v := range column {
		t, err := parse.Date(v, spec.Layout, loc)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("as_of.column %q: %w", spec.Column, err)
		}
		if t.After(latest) {
			latest = t
		}
	}
	from := fmt.Sprintf("column %q", spec.Column)
	if len(column) > 1 {
		from += fmt.Sprintf(" (the latest of %d dates)", len(column))
	}
	return latest, from, nil
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "application/json"
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv"
}
