package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gmvscope/market"
)

// Tee writes a lean snapshot's products.csv and lives.csv while the
// analysis reads its products and live sessions, so that a whole market's
// are read from the store and decoded once, not once for the analysis and
// again for the files; and data.csv beside the analysis, from the moment
// its points are ranked (StartData). Wrap the snapshot's Stream with it
// before the analysis and give it to Write in Options.Tee: Write moves
// each file that was written in full into the report's folder and writes
// any other as before. Close removes what was not moved.
type Tee struct {
	folder   string
	products *teeFile[market.Product]
	lives    *teeFile[market.Live]
	data     *dataFile
}

// NewTee starts the files for snapshot s in its report folder under dir
// (Options.Dir), and wraps s.Stream so that the first pass over each
// kind writes its file. A snapshot held in memory (no Stream) is left as
// it is.
func NewTee(dir string, s *market.Snapshot) (*Tee, error) {
	t := &Tee{}
	if s.Stream == nil {
		return t, nil
	}
	folder := filepath.Join(dir, strconv.FormatInt(s.ID, 10))
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	t.folder = folder
	var err error
	if s.ProductCount() > 0 {
		if t.products, err = startTee(folder, "products.csv", productRows(s)); err != nil {
			return nil, err
		}
	}
	if s.LiveCount() > 0 {
		if t.lives, err = startTee(folder, "lives.csv", liveRows(s)); err != nil {
			t.Close()
			return nil, err
		}
	}
	s.Stream = teeStream{s.Stream, t}
	return t, nil
}

// StartData starts writing data.csv for s: every creator, as each gives
// them in handle order, with its point's rates and ranks. Call it once
// the points are ranked (market.AnalyzeAll's ranked): it reads them, and
// s's standings, beside the rest of the analysis, which changes neither.
// Write waits for it. A snapshot held in memory gets no data.csv here.
func (t *Tee) StartData(s *market.Snapshot, points []market.Point, each func(fn func(*market.Creator) error) error) {
	if t == nil || t.folder == "" || t.data != nil {
		return
	}
	d := &dataFile{path: filepath.Join(t.folder, "data.csv"), done: make(chan struct{})}
	t.data = d
	go func() {
		defer close(d.done)
		d.tmp, d.err = writeTemp(d.path, func(w io.Writer) error {
			return WriteCSV(w, s, market.Analysis{Points: points}, each)
		})
	}()
}

// placed moves products.csv, lives.csv or data.csv (name) into place when
// the tee wrote it in full; ok false: write it.
func (t *Tee) placed(name string) (bool, error) {
	if t == nil {
		return false, nil
	}
	switch name {
	case "products.csv":
		return t.products.place()
	case "data.csv":
		return t.data.place()
	}
	return t.lives.place()
}

// Close removes the files that were not moved into place, once data.csv's
// writer has stopped.
func (t *Tee) Close() {
	if t == nil {
		return
	}
	t.products.remove()
	t.lives.remove()
	t.data.remove()
}

// dataFile is data.csv being written beside the analysis.
type dataFile struct {
	path string        // where it goes
	done chan struct{} // closed when the writer stops
	tmp  string        // written in full, not yet moved: "" for none
	err  error         // why it was not written
}

// place waits for the writer and moves a file it finished into place; ok
// is false when it did not finish (the caller writes it).
func (d *dataFile) place() (ok bool, err error) {
	if d == nil {
		return false, nil
	}
	<-d.done
	if d.err != nil || d.tmp == "" {
		return false, nil
	}
	if err := os.Rename(d.tmp, d.path); err != nil {
		return false, fmt.Errorf("write %s: %w", d.path, err)
	}
	d.tmp = ""
	return true, nil
}

func (d *dataFile) remove() {
	if d == nil {
		return
	}
	<-d.done
	if d.tmp != "" {
		os.Remove(d.tmp)
		d.tmp = ""
	}
}

// teeStream is a Stream whose first pass over each kind also writes its
// file; later passes only read.
type teeStream struct {
	inner market.Stream
	t     *Tee
}

func (s teeStream) EachProduct(fn func(*market.Product) error) error {
	return s.t.products.pass(s.inner.EachProduct, fn)
}

func (s teeStream) EachLive(fn func(*market.Live) error) error {
	return s.t.lives.pass(s.inner.EachLive, fn)
}

func (s teeStream) URLOf(handle string) string { return s.inner.URLOf(handle) }

// teeFile is one CSV being written beside a pass over its rows.
type teeFile[T any] struct {
	path     string // where it goes
	f        *os.File
	bw       *bufio.Writer
	rw       *rowWriter[T]
	started  bool
	complete bool  // every row written and the file closed
	err      error // why the file was not finished
}

func startTee[T any](folder, name string, rows tableRows[T]) (*teeFile[T], error) {
	path := filepath.Join(folder, name)
	f, err := os.CreateTemp(folder, "."+name+".*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	t := &teeFile[T]{path: path, f: f, bw: bufio.NewWriterSize(f, 1<<16)}
	if t.rw, err = startRows(t.bw, rows); err != nil {
		t.remove()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return t, nil
}

// pass runs each with fn, writing each row as fn sees it on the first
// pass. A pass that stops early leaves the file unfinished: Write then
// writes it again from the snapshot.
func (t *teeFile[T]) pass(each func(func(*T) error) error, fn func(*T) error) error {
	if t == nil || t.started {
		return each(fn)
	}
	t.started = true
	err := each(func(x *T) error {
		if t.err == nil {
			t.err = t.rw.write(x)
		}
		return fn(x)
	})
	if err != nil {
		t.err = errors.Join(t.err, err)
		return err
	}
	if t.err == nil {
		t.err = errors.Join(t.rw.flush(), t.bw.Flush(), t.f.Close(), os.Chmod(t.f.Name(), 0o644))
		t.complete = t.err == nil
	}
	return nil
}

// place moves a finished file into its report folder; ok is false when it
// was not finished (the caller writes it).
func (t *teeFile[T]) place() (ok bool, err error) {
	if t == nil || !t.complete {
		return false, nil
	}
	if err := os.Rename(t.f.Name(), t.path); err != nil {
		return false, fmt.Errorf("write %s: %w", t.path, err)
	}
	t.f = nil
	return true, nil
}

func (t *teeFile[T]) remove() {
	if t == nil || t.f == nil {
		return
	}
	t.f.Close()
	os.Remove(t.f.Name())
	t.f = nil
}
