package market

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestChunkRoundTrip: standings written to a chunk, handles front-coded,
// read back equal and in order, whatever the handles share; a chunk cut
// anywhere is an error or fewer whole standings, never a wrong one.
func TestChunkRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "ana", "anabeauty", "_", "ゆき", "x", "1", ""}
	var in []Standing
	for range 600 {
		var h strings.Builder
		for range 1 + r.IntN(4) {
			h.WriteString(parts[r.IntN(len(parts))])
		}
		in = append(in, Standing{Handle: h.String(), Followers: float64(r.IntN(1e7)), GMVUSD: r.Float64() * 1e6, Rank: float64(r.IntN(100)), Has: Has(r.IntN(1 << 9))})
	}
	slices.SortFunc(in, func(a, b Standing) int { return strings.Compare(a.Handle, b.Handle) })
	var chunk []byte
	prev := "ignored: a chunk's first handle is whole"
	for i := range in {
		chunk = AppendChunk(chunk, prev, &in[i])
		prev = in[i].Handle
	}
	var out []Standing
	if err := EachInChunk(chunk, func(s *Standing) { out = append(out, *s) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("read back %d standings, not the %d written", len(out), len(in))
	}
	if whole := len(in) * (standingPacked + 12); len(chunk) >= whole {
		t.Errorf("chunk of %d bytes: the handles are not front-coded (%d without)", len(chunk), whole)
	}
	for cut := 1; cut < len(chunk); cut += 1 + r.IntN(97) {
		var got []Standing
		err := EachInChunk(chunk[:cut], func(s *Standing) { got = append(got, *s) })
		if err == nil {
			t.Fatalf("a chunk cut at byte %d of %d read without error", cut, len(chunk))
		}
		if len(got) > 0 && !reflect.DeepEqual(got, in[:len(got)]) {
			t.Fatalf("a chunk cut at byte %d gave a wrong standing before its error", cut)
		}
	}
}
