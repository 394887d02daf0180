package market

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Standing is what the analysis reads of every creator: a handle, a link
// and numbers. A whole-market report holds one per creator (about 100
// bytes with its strings, where a Creator with its values and their
// texts is a kilobyte) and loads full creators only to write data.csv,
// one at a time.
type Standing struct {
	Handle    string
	URL       string
	Followers float64 // followers' Mid
	GMVUSD    float64
	Views     float64 // views' Mid
	Rank      float64 // the source's rank's Mid
	// GMV by channel in major units of its currency (a report converts
	// with the source's rate).
	Live, Video, Showcase float64
	Has                   Has
}

// Has says which of a Standing's values the creator has.
type Has uint16

// The values a Standing may have.
const (
	HasFollowers Has = 1 << iota
	HasGMV
	GMVRange // the GMV is a range's midpoint
	HasViews
	HasRank
	HasLive
	HasVideo
	HasShowcase
	ViewsRange // the views are a range's midpoint
)

// StandingOf returns what the analysis reads of c.
func StandingOf(c *Creator) Standing {
	s := Standing{Handle: c.Handle, URL: c.URL, GMVUSD: c.GMVUSD}
	if c.Followers != nil {
		s.Followers, s.Has = c.Followers.Mid(), s.Has|HasFollowers
	}
	if c.GMV != nil {
		s.Has |= HasGMV
		if c.GMV.Estimate {
			s.Has |= GMVRange
		}
	}
	if c.Views != nil {
		s.Views, s.Has = c.Views.Mid(), s.Has|HasViews
		if c.Views.Estimate {
			s.Has |= ViewsRange
		}
	}
	if c.Rank != nil {
		s.Rank, s.Has = c.Rank.Mid(), s.Has|HasRank
	}
	major := func(v *Value) float64 { return Major(v.Mid(), v.Currency) }
	if c.GMVLive != nil {
		s.Live, s.Has = major(c.GMVLive), s.Has|HasLive
	}
	if c.GMVVideo != nil {
		s.Video, s.Has = major(c.GMVVideo), s.Has|HasVideo
	}
	if c.GMVShowcase != nil {
		s.Showcase, s.Has = major(c.GMVShowcase), s.Has|HasShowcase
	}
	return s
}

// Is reports whether the standing has every value in h.
func (s *Standing) Is(h Has) bool { return s.Has&h == h }

// Everyone returns every creator's standing in handle order: the
// snapshot's Standings when the store loaded them, else made from its
// creators.
func (s *Snapshot) Everyone() []Standing {
	if s.Standings != nil || len(s.Creators) == 0 {
		return s.Standings
	}
	out := make([]Standing, len(s.Creators))
	for i := range s.Creators {
		out[i] = StandingOf(&s.Creators[i])
	}
	if !slices.IsSortedFunc(out, byHandle) {
		slices.SortStableFunc(out, byHandle)
	}
	s.Standings = out
	return out
}

func byHandle(a, b Standing) int { return strings.Compare(a.Handle, b.Handle) }

// CreatorCount is how many creators the snapshot holds.
func (s *Snapshot) CreatorCount() int {
	if s.Standings != nil {
		return len(s.Standings)
	}
	return len(s.Creators)
}

// URLOf returns a creator's link, or "" when the snapshot has no such
// creator.
func (s *Snapshot) URLOf(handle string) string {
	if s.Stream != nil {
		return s.Stream.URLOf(handle)
	}
	all := s.Everyone()
	if i, ok := slices.BinarySearchFunc(all, handle, func(x Standing, h string) int { return strings.Compare(x.Handle, h) }); ok {
		return all[i].URL
	}
	return ""
}

// standingPacked is the length of a packed standing: a format byte, Has,
// and seven float64s.
const standingPacked = 1 + 2 + 7*8

// AppendPacked appends s's numbers (not its handle or link) in a fixed
// binary form, which the store keeps beside each creator so that a
// report reads a whole market's standings without decoding their values.
func (s *Standing) AppendPacked(b []byte) []byte {
	b = append(b, 1) // the format
	b = binary.LittleEndian.AppendUint16(b, uint16(s.Has))
	for _, f := range [...]float64{s.Followers, s.GMVUSD, s.Views, s.Rank, s.Live, s.Video, s.Showcase} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

// UnpackNumbers sets s's numbers from AppendPacked's form.
func (s *Standing) UnpackNumbers(b []byte) error {
	if len(b) != standingPacked || b[0] != 1 {
		return fmt.Errorf("packed standing: %d bytes, format %v", len(b), b[:min(len(b), 1)])
	}
	s.Has = Has(binary.LittleEndian.Uint16(b[1:]))
	f := func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b[3+8*i:])) }
	s.Followers, s.GMVUSD, s.Views, s.Rank, s.Live, s.Video, s.Showcase = f(0), f(1), f(2), f(3), f(4), f(5), f(6)
	return nil
}

// A chunk of standings is many creators' packed standings in one blob, in
// handle order: a format byte, how many creators it holds (4 bytes, little
// endian: a chunk cut short is found out), then for each creator its handle
// front-coded against the one before it (the bytes they share, as a
// uvarint; the length of the rest, as a uvarint; the rest) and its
// AppendPacked numbers. The store writes a whole market's 600,000 in about
// 1,200 rows instead of 600,000, and reads them back in one pass.
const chunkFormat = 1

// AppendChunk appends st to chunk, the handle before it in the chunk
// being prev ("" for a chunk's first: then chunk is empty and the format
// byte is written first).
func AppendChunk(chunk []byte, prev string, st *Standing) []byte {
	if len(chunk) == 0 {
		chunk = append(chunk, chunkFormat, 0, 0, 0, 0)
		prev = ""
	}
	binary.LittleEndian.PutUint32(chunk[1:], binary.LittleEndian.Uint32(chunk[1:])+1)
	shared := 0
	for shared < len(prev) && shared < len(st.Handle) && prev[shared] == st.Handle[shared] {
		shared++
	}
	chunk = binary.AppendUvarint(chunk, uint64(shared))
	chunk = binary.AppendUvarint(chunk, uint64(len(st.Handle)-shared))
	chunk = append(chunk, st.Handle[shared:]...)
	return st.AppendPacked(chunk)
}

// EachInChunk calls fn with each standing of a chunk AppendChunk wrote, in
// its order. A chunk that does not decode is an error, never a short read.
func EachInChunk(chunk []byte, fn func(*Standing)) error {
	if len(chunk) < 5 || chunk[0] != chunkFormat {
		return fmt.Errorf("standings chunk: %d bytes, format %v", len(chunk), chunk[:min(len(chunk), 1)])
	}
	count, b := binary.LittleEndian.Uint32(chunk[1:]), chunk[5:]
	var handle []byte
	for ; count > 0; count-- {
		shared, n := binary.Uvarint(b)
		if n <= 0 || shared > uint64(len(handle)) {
			return fmt.Errorf("standings chunk: bad handle prefix at byte %d", len(chunk)-len(b))
		}
		b = b[n:]
		rest, n := binary.Uvarint(b)
		if n <= 0 || rest > uint64(len(b)-n) {
			return fmt.Errorf("standings chunk: bad handle at byte %d", len(chunk)-len(b))
		}
		b = b[n:]
		handle = append(handle[:shared], b[:rest]...)
		b = b[rest:]
		if len(b) < standingPacked {
			return fmt.Errorf("standings chunk: %s: %d bytes where its numbers belong", handle, len(b))
		}
		st := Standing{Handle: string(handle)}
		if err := st.UnpackNumbers(b[:standingPacked]); err != nil {
			return fmt.Errorf("standings chunk: %s: %w", handle, err)
		}
		b = b[standingPacked:]
		fn(&st)
	}
	if len(b) > 0 {
		return fmt.Errorf("standings chunk: %d bytes after its last creator", len(b))
	}
	return nil
}
