package market

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"
)

// Assembler merges records into creators, products and live sessions as
// they stream in. For each key and field the record with the highest
// precedence wins; ties keep the first. It keeps only the fields a
// snapshot uses (every value stays in the store's records), and it counts
// every record that repeats a key already seen from the same page kind,
// identical or not, so that nothing is merged in silence.
//
// An import holds a whole file's snapshot in one; the store merges a
// crawl's records through one Reset between keys (so it holds one key at a
// time). Either way it holds entries without pointers: merged entries are
// plain structs whose strings are spans of an append-only arena, and the
// strings every value of a field shares (kind, currency, period) are one
// index into a table, so the garbage collector scans a few pointers per
// creator instead of a dozen. Fields few sources give (a rank, GMV by
// channel) live in a map keyed by entry and field, so they cost nothing
// where they are absent.
type Assembler struct {
	idx     [3]map[string]int32 // per entity (creator, product, live): key → index into ents
	ents    [3]entries
	extra   map[extraKey]extraVal // the sparse numeric fields
	units   []unit                // the shared parts of numeric values, see packed
	unitIdx map[unit]int32        // index into units
	arena   arena

	seen      map[seenKey]seenAt // where an entry was first read from its third page kind and later
	kinds     map[string]uint16
	kindNames []string
	lastURL   string
	lastSpan  span
	repeats   []Repeat
	ranges    map[[2]string]int // values published as ranges, by page kind and field, of every record
}

// entityFields is what a snapshot keeps of one entity: its texts, its
// numeric fields held in every entry, and those held only where given.
type entityFields struct {
	entity      Entity
	texts, nums []string
	sparse      []string
}

var entities = [3]entityFields{
	{EntityCreator, []string{"display_name", "category", "region", "products"}, []string{"followers", "gmv", "units", "views"},
		[]string{"rank", "gmv_live", "gmv_video", "gmv_showcase"}},
	{EntityProduct, []string{"title", "shop", "creators"}, []string{"price", "units", "gmv"}, nil},
	{EntityLive, []string{"creator", "start", "title", "products"}, []string{"duration", "viewers", "peak_viewers", "gmv"}, []string{"units"}},
}

func entityIndex(e Entity) int {
	switch e {
	case EntityCreator:
		return 0
	case EntityProduct:
		return 1
	case EntityLive:
		return 2
	}
	return -1
}

const unset = -1 << 30

// merged is one creator, product or live session: texts and values by
// index into its entityFields, each with the precedence that set it.
type merged struct {
	url   span
	texts [4]span
	vals  [4]packed
	prec  [9]int32  // texts, then vals, then the URL's (last)
	kinds [4]uint16 // 1 + the page kind each value came from; 0: none or untracked
	// alt is another page kind's text of each value (altKind, 1 +
	// its index), kept so the snapshot shows both sources' texts: the
	// winner's and the last other kind's.
	alt     [4]span
	altKind [4]uint16
	// seen is where the entry was first read from each of its first two
	// page kinds; a third kind's goes to Assembler.seen.
	seen [2]seenSlot
}

// entries holds merged entries in chunks that never move: growing by
// appending to one slice would copy every entry each time it doubled, and
// hold both copies at once.
type entries struct {
	chunks [][]merged
	n      int32
}

const entryChunk = 4096

// add appends a new entry with no precedence set, and returns its index.
func (es *entries) add() int32 {
	if int(es.n/entryChunk) == len(es.chunks) {
		es.chunks = append(es.chunks, make([]merged, entryChunk))
	}
	i := es.n
	es.n++
	m := es.at(i)
	*m = merged{} // a chunk is reused after Reset
	newPrec(m.prec[:])
	return i
}

func (es *entries) at(i int32) *merged { return &es.chunks[i/entryChunk][i%entryChunk] }

// seenSlot is where an entry was first read from one page kind.
type seenSlot struct {
	hash uint64
	url  span
	line int32
	kind uint16 // 1 + the kind's index; 0: free
}

type extraKey struct {
	idx    int32
	entity uint8
	field  uint8
}

type extraVal struct {
	v    packed
	prec int32
}

type seenKey struct {
	idx    int32
	entity uint8
	kind   uint16
}

type seenAt struct {
	hash uint64
	url  span
	line int32
}

// packed is a numeric Value without the strings its field's values share,
// which are one entry of Assembler.units.
type packed struct {
	raw, text      span
	num, low, high int64
	float          float64
	unit           int32 // 1 + index into Assembler.units; 0: no value
}

// unit is what many values of one field have in common.
type unit struct {
	kind                              Kind
	currency, period, open, per, name string
	estimate                          bool
}

// arena holds strings back to back in chunks that never move.
type arena struct {
	chunks [][]byte
}

// span is a string in an arena.
type span struct{ chunk, off, n uint32 }

const arenaChunk = 1 << 20

func (a *arena) put(s string) span {
	if s == "" {
		return span{}
	}
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+len(s) > cap(a.chunks[last]) {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, len(s))))
		last++
	}
	c := a.chunks[last]
	a.chunks[last] = append(c, s...)
	return span{uint32(last), uint32(len(c)), uint32(len(s))}
}

func (a *arena) get(sp span) string {
	if sp.n == 0 {
		return ""
	}
	return string(a.chunks[sp.chunk][sp.off : sp.off+sp.n])
}

// pack keeps v if it is a count or an amount: a text where a number
// belongs is not turned into one.
func (as *Assembler) pack(v Value) packed {
	if !v.IsNumeric() {
		return packed{}
	}
	u := unit{v.Kind, v.Currency, v.Period, v.Open, v.Per, v.Unit, v.Estimate}
	i, ok := as.unitIdx[u]
	if !ok {
		if as.unitIdx == nil {
			as.unitIdx = map[unit]int32{}
		}
		i = int32(len(as.units))
		as.units = append(as.units, u)
		as.unitIdx[u] = i
	}
	return packed{raw: as.arena.put(v.Raw), text: as.arena.put(v.Text), num: v.Num, low: v.Low, high: v.High, float: v.Float, unit: i + 1}
}

func (as *Assembler) unpack(p packed) *Value {
	if p.unit == 0 {
		return nil
	}
	u := as.units[p.unit-1]
	return &Value{Kind: u.kind, Raw: as.arena.get(p.raw), Num: p.num, Low: p.low, High: p.high, Estimate: u.estimate, Float: p.float,
		Text: as.arena.get(p.text), Currency: u.currency, Period: u.period, Open: u.open, Per: u.per, Unit: u.name}
}

func newPrec(p []int32) {
	for i := range p {
		p[i] = unset
	}
}

// Add merges one record seen on url, from a page kind nobody tracks
// repeats for (tests, tools).
func (as *Assembler) Add(r Record, url string) { as.AddFrom(r, url, "") }

// AddFrom merges one record seen on url, a page of kind. A record whose
// key was already seen from the same kind is a repeat: counted, with
// where both came from and, when they differ, what the snapshot kept.
func (as *Assembler) AddFrom(r Record, url, kind string) {
	for name, v := range r.Fields {
		if v.Estimate {
			if as.ranges == nil {
				as.ranges = map[[2]string]int{}
			}
			as.ranges[[2]string{kind, name}]++
		}
	}
	e := entityIndex(r.Entity)
	if e < 0 {
		return
	}
	spec := &entities[e]
	i, ok := as.idx[e][r.Key]
	if !ok {
		if as.idx[e] == nil {
			as.idx[e] = map[string]int32{}
		}
		i = as.ents[e].add()
		as.idx[e][r.Key] = i
	}
	m := as.ents[e].at(i)
	prec := int32(r.Precedence)
	nt := len(spec.texts)
	for j, name := range spec.texts {
		if v, ok := r.Fields[name]; ok && m.prec[j] < prec {
			m.prec[j], m.texts[j] = prec, as.arena.put(v.Text)
		}
	}
	k := uint16(0)
	if kind != "" {
		k = as.kindOf(kind) + 1
	}
	for j, name := range spec.nums {
		v, ok := r.Fields[name]
		if !ok || !v.IsNumeric() {
			continue
		}
		wins := m.prec[nt+j] < prec
		if e == 0 && k > 0 && m.kinds[j] > 0 && m.kinds[j] != k {
			// Two page kinds gave this value: keep the loser's text.
			if wins {
				m.alt[j], m.altKind[j] = m.vals[j].raw, m.kinds[j]
			} else {
				m.alt[j], m.altKind[j] = as.arena.put(v.Raw), k
			}
		}
		if wins {
			m.prec[nt+j], m.vals[j], m.kinds[j] = prec, as.pack(v), k
		}
	}
	for j, name := range spec.sparse {
		v, ok := r.Fields[name]
		if !ok {
			continue
		}
		k := extraKey{i, uint8(e), uint8(j)}
		if x, ok := as.extra[k]; ok && x.prec >= prec {
			continue
		}
		if as.extra == nil {
			as.extra = map[extraKey]extraVal{}
		}
		as.extra[k] = extraVal{as.pack(v), prec}
	}
	last := len(m.prec) - 1
	if m.prec[last] < prec {
		m.url, m.prec[last] = as.urlSpan(url), prec
	}
	if kind != "" {
		as.track(r, e, i, url, kind)
	}
}

// urlSpan puts url in the arena once for a run of records from one page.
func (as *Assembler) urlSpan(url string) span {
	if url != as.lastURL || as.lastSpan.n == 0 {
		as.lastURL, as.lastSpan = url, as.arena.put(url)
	}
	return as.lastSpan
}

// kindOf returns the index of a page kind's name.
func (as *Assembler) kindOf(kind string) uint16 {
	k, ok := as.kinds[kind]
	if !ok {
		if as.kinds == nil {
			as.kinds = map[string]uint16{}
		}
		k = uint16(len(as.kindNames))
		as.kinds[kind] = k
		as.kindNames = append(as.kindNames, kind)
	}
	return k
}

// shownOf returns a creator's texts of its numeric field j, the winner's
// first; nil unless two page kinds gave the field.
func (as *Assembler) shownOf(j int, m *merged) []Shown {
	if m.altKind[j] == 0 || m.kinds[j] == 0 {
		return nil
	}
	return []Shown{{Kind: as.kindNames[m.kinds[j]-1], Raw: as.arena.get(m.vals[j].raw)},
		{Kind: as.kindNames[m.altKind[j]-1], Raw: as.arena.get(m.alt[j])}}
}

// track notes where (entry, kind) was first seen, and records a repeat.
func (as *Assembler) track(r Record, e int, i int32, url, kind string) {
	k := as.kindOf(kind) + 1
	m := as.ents[e].at(i)
	h := fieldsHash(r.Fields)
	var first seenSlot
	found := false
	for x := range m.seen {
		if m.seen[x].kind == k {
			first, found = m.seen[x], true
			break
		}
		if m.seen[x].kind == 0 {
			m.seen[x] = seenSlot{hash: h, url: as.urlSpan(url), line: int32(r.Line), kind: k}
			return
		}
	}
	if !found {
		sk := seenKey{i, uint8(e), k}
		at, ok := as.seen[sk]
		if !ok {
			if as.seen == nil {
				as.seen = map[seenKey]seenAt{}
			}
			as.seen[sk] = seenAt{h, as.urlSpan(url), int32(r.Line)}
			return
		}
		first = seenSlot{hash: at.hash, url: at.url, line: at.line, kind: k}
	}
	rep := Repeat{Entity: r.Entity, Key: r.Key, Kind: kind, URL: url, Line: r.Line,
		FirstURL: as.arena.get(first.url), FirstLine: int(first.line), Identical: h == first.hash}
	if !rep.Identical {
		rep.Diffs = as.diffs(r, e, i)
	}
	as.repeats = append(as.repeats, rep)
}

// fieldsHash hashes a record's fields, in any order: the sum of an
// FNV-1a hash of each field's name, raw text and text.
func fieldsHash(fs map[string]Value) uint64 {
	var sum uint64
	for name, v := range fs {
		h := fnv1a(fnvOffset, name)
		h = fnv1a(h^0xff, v.Raw)
		sum += fnv1a(h^0xfe, v.Text)
	}
	return sum
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

// fnv1a adds s to an FNV-1a hash without allocating.
func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// diffs lists the fields where r says other than what the entry kept.
func (as *Assembler) diffs(r Record, e int, i int32) []FieldDiff {
	spec := &entities[e]
	m := as.ents[e].at(i)
	var out []FieldDiff
	add := func(name, kept string) {
		v := r.Fields[name]
		if got := shown(v); got != kept {
			out = append(out, FieldDiff{Field: name, Kept: kept, Dropped: got})
		}
	}
	for j, name := range spec.texts {
		if _, ok := r.Fields[name]; ok {
			add(name, as.arena.get(m.texts[j]))
		}
	}
	for j, name := range spec.nums {
		if _, ok := r.Fields[name]; ok {
			add(name, rawOf(as.unpack(m.vals[j])))
		}
	}
	for j, name := range spec.sparse {
		if _, ok := r.Fields[name]; ok {
			add(name, rawOf(as.unpack(as.extra[extraKey{i, uint8(e), uint8(j)}].v)))
		}
	}
	slices.SortFunc(out, func(a, b FieldDiff) int { return strings.Compare(a.Field, b.Field) })
	return out
}

func shown(v Value) string {
	if v.IsNumeric() {
		return v.Raw
	}
	return v.Text
}

func rawOf(v *Value) string {
	if v == nil {
		return ""
	}
	return v.Raw
}

// Reset forgets the merged entries and keeps what spans every key (the
// counts of ranges, the repeats, the page kinds) and its buffers: one
// Assembler then merges a stream of records sorted by key, one key at a
// time, in memory that holds one key's records, never the market's.
func (as *Assembler) Reset() {
	for e := range as.idx {
		clear(as.idx[e])
		as.ents[e].n = 0
	}
	clear(as.extra)
	clear(as.seen)
	if len(as.arena.chunks) > 0 {
		as.arena.chunks = as.arena.chunks[:1]
		as.arena.chunks[0] = as.arena.chunks[0][:0]
	}
	as.lastURL, as.lastSpan = "", span{}
}

// Ranges counts the values records published as ranges, by page kind
// and field (every entity's, merged or not), in kind then field order.
func (as *Assembler) Ranges() []RangeStat {
	out := make([]RangeStat, 0, len(as.ranges))
	for k, n := range as.ranges {
		out = append(out, RangeStat{Kind: k[0], Field: k[1], Values: n})
	}
	slices.SortFunc(out, func(a, b RangeStat) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Field, b.Field))
	})
	return out
}

// Repeats returns the repeated records, in the order they came.
func (as *Assembler) Repeats() []Repeat { return as.repeats }

// SortRepeats puts the repeats in the order of at, the position each came
// in (a merge that reads records by key finds them in key order).
func (as *Assembler) SortRepeats(at []int64) {
	idx := make([]int, len(as.repeats))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(at[a], at[b]) })
	sorted := make([]Repeat, len(idx))
	for i, j := range idx {
		sorted[i] = as.repeats[j]
	}
	as.repeats = sorted
}

func (as *Assembler) sparse(e int, i int32, j int) *Value {
	x, ok := as.extra[extraKey{i, uint8(e), uint8(j)}]
	if !ok {
		return nil
	}
	return as.unpack(x.v)
}

// each yields entity e's entries in key order.
func (as *Assembler) each(e int, yield func(string, int32, *merged) bool) {
	if len(as.idx[e]) == 1 { // a merge of one key at a time: nothing to sort
		for k, i := range as.idx[e] {
			yield(k, i, as.ents[e].at(i))
		}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(as.idx[e])) {
		i := as.idx[e][k]
		if !yield(k, i, as.ents[e].at(i)) {
			return
		}
	}
}

// Creators yields the merged creators in handle order. rateUSD converts
// money in the source currency to USD. Each is built as it is yielded, so
// storing a large snapshot never holds it twice.
func (as *Assembler) Creators(rateUSD float64) iter.Seq[Creator] {
	return func(yield func(Creator) bool) {
		as.each(0, func(k string, i int32, m *merged) bool {
			c := Creator{Handle: k, DisplayName: as.arena.get(m.texts[0]), Category: as.arena.get(m.texts[1]),
				Region: as.arena.get(m.texts[2]), URL: as.arena.get(m.url), Products: splitList(as.arena.get(m.texts[3])),
				Followers: as.unpack(m.vals[0]), GMV: as.unpack(m.vals[1]), Units: as.unpack(m.vals[2]), Views: as.unpack(m.vals[3]),
				Rank: as.sparse(0, i, 0), GMVLive: as.sparse(0, i, 1), GMVVideo: as.sparse(0, i, 2), GMVShowcase: as.sparse(0, i, 3)}
			if c.GMV != nil {
				c.GMVUSD = Major(c.GMV.Mid(), c.GMV.Currency) * rateUSD
			}
			for j, name := range entities[0].nums {
				if sh := as.shownOf(j, m); sh != nil {
					if c.Shown == nil {
						c.Shown = map[string][]Shown{}
					}
					c.Shown[name] = sh
				}
			}
			return yield(c)
		})
	}
}

// Products yields the merged products in id order.
func (as *Assembler) Products() iter.Seq[Product] {
	return func(yield func(Product) bool) {
		as.each(1, func(k string, _ int32, m *merged) bool {
			return yield(Product{ID: k, Title: as.arena.get(m.texts[0]), Shop: as.arena.get(m.texts[1]), URL: as.arena.get(m.url),
				Creators: splitList(as.arena.get(m.texts[2])), Price: as.unpack(m.vals[0]), Units: as.unpack(m.vals[1]), GMV: as.unpack(m.vals[2])})
		})
	}
}

// Lives yields the merged live sessions in id order.
func (as *Assembler) Lives(rateUSD float64) iter.Seq[Live] {
	return func(yield func(Live) bool) {
		as.each(2, func(k string, i int32, m *merged) bool {
			l := Live{ID: k, Creator: as.arena.get(m.texts[0]), Start: as.arena.get(m.texts[1]), Title: as.arena.get(m.texts[2]),
				Products: splitList(as.arena.get(m.texts[3])), URL: as.arena.get(m.url),
				Duration: as.unpack(m.vals[0]), Viewers: as.unpack(m.vals[1]), PeakViewers: as.unpack(m.vals[2]), GMV: as.unpack(m.vals[3]), Units: as.sparse(2, i, 0)}
			if l.GMV != nil {
				l.GMVUSD = Major(l.GMV.Mid(), l.GMV.Currency) * rateUSD
			}
			return yield(l)
		})
	}
}
