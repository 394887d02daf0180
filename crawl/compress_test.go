package crawl_test

import (
	"net/http/httptest"
	"testing"

	"github.com/klauspost/compress/zstd"

	"gmvscope/crawl"
	"gmvscope/demo"
)

// samplePages renders a sample-market profile and leaderboard page.
func samplePages(t testing.TB) map[string][]byte {
	mk := demo.New(demo.Config{Creators: 200})
	out := map[string][]byte{}
	for name, path := range map[string]string{"profile": "/creator/" + mk.Creators[3].Handle, "leaderboard": "/leaderboard?page=2"} {
		rec := httptest.NewRecorder()
		mk.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		out[name] = rec.Body.Bytes()
	}
	return out
}

// TestCompressRoundTrip: a stored body is a standard zstd frame that gives
// back the page byte for byte (users decompress with zstd -d).
func TestCompressRoundTrip(t *testing.T) {
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	for name, page := range samplePages(t) {
		z := crawl.Compress(page)
		back, err := dec.DecodeAll(z, nil)
		if err != nil || string(back) != string(page) {
			t.Errorf("%s: round trip failed: %v", name, err)
		}
		if len(z) >= len(page) {
			t.Errorf("%s: %d bytes compressed to %d", name, len(page), len(z))
		}
	}
}

// BenchmarkCompress: the cost of storing a page. Compare with entropy
// coding on: go test -bench Compress ./crawl
func BenchmarkCompress(b *testing.B) {
	withEntropy, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	for name, page := range samplePages(b) {
		b.Run(name+"/stored", func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			var z []byte
			for b.Loop() {
				z = crawl.Compress(page)
			}
			b.ReportMetric(float64(len(z)), "bytes/page")
		})
		b.Run(name+"/with-entropy", func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			var z []byte
			for b.Loop() {
				z = withEntropy.EncodeAll(page, z[:0])
			}
			b.ReportMetric(float64(len(z)), "bytes/page")
		})
	}
}
