package crawl

import (
	"encoding/binary"
	"hash/maphash"
)

// urlSet is the set of every URL a run has seen, kept where the garbage
// collector does not look. A full market's crawl sees 938,746 URLs; held as
// a map of strings they were most of its live heap, and every collection
// scanned all of them. Here each URL's bytes are appended to chunks of
// bytes, and the set is a map from the URL's hash to where its bytes are:
// neither holds a pointer. Two URLs with one hash (a 64-bit hash; about one
// chance in 40 million at a million URLs) are told apart by comparing the
// bytes, and the second is kept in a small map of its own, so no URL is
// ever taken for another.
type urlSet struct {
	seed   maphash.Seed
	hash   func(maphash.Seed, string) uint64 // maphash.String; a test makes every URL collide
	index  map[uint64]urlRef                 // hash → the first URL seen with it
	other  map[string]urlRef                 // URLs whose hash an earlier, different URL has
	chunks [][]byte                          // each a fixed capacity, filled with uvarint length + bytes
}

// urlRef is where a URL's bytes are: chunk<<32 | offset.
type urlRef uint64

// urlChunk is a chunk's size; a longer URL gets a chunk of its own size.
const urlChunk = 1 << 20

func newURLSet() urlSet {
	return urlSet{seed: maphash.MakeSeed(), hash: maphash.String, index: map[uint64]urlRef{}}
}

// add puts u in the set. It returns where u is kept, and whether u was new.
func (s *urlSet) add(u string) (urlRef, bool) {
	h := s.hash(s.seed, u)
	r, ok := s.index[h]
	if !ok {
		r = s.put(u)
		s.index[h] = r
		return r, true
	}
	if string(s.bytes(r)) == u { // compared without a copy
		return r, false
	}
	if r, ok := s.other[u]; ok {
		return r, false
	}
	if s.other == nil {
		s.other = map[string]urlRef{}
	}
	r = s.put(u)
	s.other[u] = r
	return r, true
}

// put appends u's bytes and returns where they are.
func (s *urlSet) put(u string) urlRef {
	need := binary.MaxVarintLen64 + len(u)
	last := len(s.chunks) - 1
	if last < 0 || cap(s.chunks[last])-len(s.chunks[last]) < need {
		s.chunks = append(s.chunks, make([]byte, 0, max(urlChunk, need)))
		last++
	}
	c := s.chunks[last]
	r := urlRef(uint64(last)<<32 | uint64(len(c)))
	c = binary.AppendUvarint(c, uint64(len(u)))
	s.chunks[last] = append(c, u...)
	return r
}

// url returns the URL kept at r.
func (s *urlSet) url(r urlRef) string { return string(s.bytes(r)) }

func (s *urlSet) bytes(r urlRef) []byte {
	b := s.chunks[r>>32][uint32(r):]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}
