package sheet

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The shared string table. Excel stores each distinct text of a workbook once, in
// xl/sharedStrings.xml, and a cell by its index there, so every worksheet read needs the whole
// table at hand — and its part can be 256 MB of XML from a few hundred KB of zip (a table of
// 50 million tiny strings). A reader keeps the table's first sstMemoryBytes in memory, which is
// the whole of it for any form people fill in, and writes the rest to a temporary file, read
// back by index:
//
//   - in memory: strings in chunks of sstChunk (growing the table never copies it);
//   - on disk: each string as a uvarint length and its bytes (entities decoded, nothing else:
//     the file is never larger than the part), and in memory one offset for every sstBlock
//     strings — 8 bytes per 64 strings, under 7 MB for the most strings a 256 MB part holds;
//   - read back a block at a time (rows use their new strings in the order they appear, which
//     is the table's order), the last block kept decoded, and a small cache of single strings
//     for the ones that repeat (a village's name, a school).
//
// Strings that come first in the table are the ones the first rows use — the header, the code
// labels (男, 汉族, 是) — so the part kept in memory is also where the hot strings are.
//
// The temporary file holds children's personal data: it is created with mode 0600 and unlinked
// at once where the system allows (it then lives only as long as the open descriptor, and
// disappears even if the process dies); otherwise it is removed by close, which every reader's
// Close and every error path calls.

// Sizes of the spilled table's structures.
const (
	sstChunk     = 4096     // strings per in-memory chunk (64 KB of headers)
	sstBlock     = 64       // spilled strings per offset kept in memory
	sstBlockRead = 64 << 10 // a block up to this many bytes is read and decoded whole
	sstWindow    = 64 << 10 // the file is read this much at a time (the blocks that follow come with it)
	sstHotSlots  = 1024     // single spilled strings cached, by index modulo this
	sstHotMaxLen = 4 << 10  // longer strings are not cached (the cache stays under 4 MB)
)

// sstBudget is sstMemoryBytes, a variable so that tests can make a small table spill.
var sstBudget int64 = sstMemoryBytes

// sstTempDir is where spilled tables go ("": os.TempDir, which honours TMPDIR); tests set it to
// see that nothing is left behind.
var sstTempDir = ""

// sharedStrings is a workbook's shared string table, in memory up to a budget and on disk
// beyond it. It is not safe for concurrent use (a Reader is not either).
type sharedStrings struct {
	chunks   [][]string // strings 0 … nmem-1
	nmem     int
	memBytes int64
	n        int // strings in all

	// The spilled part: strings nmem … n-1.
	f       *os.File
	name    string // the file's name while it still has one (not unlinked)
	w       *bufio.Writer
	size    int64   // bytes written
	index   []int64 // offset of spilled string k*sstBlock
	hot     []hotString
	blockNo int      // the block decoded in block, -1 for none
	block   []string // its strings
	win     []byte   // the bytes of the file from winOff, as last read
	winOff  int64
	buf     []byte
}

type hotString struct {
	i int // index+1; 0 is an empty slot
	s string
}

// errSpill is a temporary file of a spilled table that could not be made, written or read back:
// the server's fault (a full disk), not the file's.
var errSpill = errors.New("sheet: temporary file of shared strings")

func spillError(err error) error { return fmt.Errorf("%w: %w", errSpill, err) }

// get returns string i of the table; "" when the table has no string i.
func (s *sharedStrings) get(i int) (string, error) {
	if u := uint(i); u < uint(s.nmem) {
		return s.chunks[u/sstChunk][u%sstChunk], nil
	}
	if i < s.nmem || i >= s.n {
		return "", nil
	}
	return s.readSpilled(i)
}

// count returns the number of strings in the table.
func (s *sharedStrings) count() int { return s.n }

// onDisk reports whether part of the table is in a temporary file.
func (s *sharedStrings) onDisk() bool { return s.f != nil }

// add appends a string, given as the text of its <si> with entities decoded.
func (s *sharedStrings) add(raw []byte) error {
	if s.f == nil {
		str := cellString(raw)
		cost := int64(16 + (len(str)+7)&^7)
		if s.memBytes+cost <= sstBudget {
			if s.nmem%sstChunk == 0 {
				s.chunks = append(s.chunks, make([]string, 0, sstChunk))
			}
			c := &s.chunks[len(s.chunks)-1]
			*c = append(*c, str)
			s.nmem++
			s.n++
			s.memBytes += cost
			return nil
		}
		if err := s.spill(); err != nil {
			return err
		}
	}
	if (s.n-s.nmem)%sstBlock == 0 {
		s.index = append(s.index, s.size)
	}
	var hdr [binary.MaxVarintLen64]byte
	h := binary.PutUvarint(hdr[:], uint64(len(raw)))
	if _, err := s.w.Write(hdr[:h]); err != nil {
		return spillError(err)
	}
	if _, err := s.w.Write(raw); err != nil {
		return spillError(err)
	}
	s.size += int64(h + len(raw))
	s.n++
	return nil
}

// spill creates the temporary file for the strings beyond the budget.
func (s *sharedStrings) spill() error {
	f, err := os.CreateTemp(sstTempDir, "guanai-sst-*")
	if err != nil {
		return spillError(err)
	}
	s.f, s.name = f, f.Name()
	if os.Remove(s.name) == nil {
		s.name = ""
	}
	s.w = bufio.NewWriterSize(f, 64<<10)
	s.blockNo = -1
	s.hot = make([]hotString, sstHotSlots)
	return nil
}

// finish flushes what was written: the table is complete.
func (s *sharedStrings) finish() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Flush()
	s.w = nil
	if err != nil {
		return spillError(err)
	}
	return nil
}

// readSpilled reads string i (≥ nmem) back from the temporary file.
func (s *sharedStrings) readSpilled(i int) (string, error) {
	k := i - s.nmem
	b, j := k/sstBlock, k%sstBlock
	if b == s.blockNo {
		return s.block[j], nil
	}
	slot := &s.hot[i%sstHotSlots]
	if slot.i == i+1 {
		return slot.s, nil
	}
	start, end := s.index[b], s.size
	if b+1 < len(s.index) {
		end = s.index[b+1]
	}
	var str string
	if end-start <= sstBlockRead {
		if err := s.readBlock(b, start, end); err != nil {
			return "", err
		}
		str = s.block[j]
	} else {
		// A block of long strings: find the one wanted by its lengths.
		var err error
		if str, err = s.readOne(start, j); err != nil {
			return "", err
		}
	}
	if len(str) <= sstHotMaxLen {
		*slot = hotString{i: i + 1, s: str}
	}
	return str, nil
}

// readBlock reads and decodes block b, the bytes start … end of the file.
func (s *sharedStrings) readBlock(b int, start, end int64) error {
	s.blockNo = -1
	data, err := s.window(start, end)
	if err != nil {
		return err
	}
	s.block = s.block[:0]
	for len(data) > 0 {
		l, w := binary.Uvarint(data)
		if w <= 0 || uint64(len(data)-w) < l {
			return spillError(errors.New("bad length"))
		}
		s.block = append(s.block, cellString(data[w:w+int(l)]))
		data = data[w+int(l):]
	}
	if len(s.block) == 0 {
		return spillError(errors.New("empty block"))
	}
	s.blockNo = b
	return nil
}

// window returns the bytes start … end (at most sstWindow) of the file, from the last read when
// it has them: rows use their strings in the table's order, so one read serves some thirty
// blocks.
func (s *sharedStrings) window(start, end int64) ([]byte, error) {
	if start >= s.winOff && end <= s.winOff+int64(len(s.win)) {
		return s.win[start-s.winOff : end-s.winOff], nil
	}
	n := min(max(end-start, sstWindow), s.size-start)
	s.win = grow(s.win, int(n))
	if _, err := s.f.ReadAt(s.win, start); err != nil {
		s.win = s.win[:0]
		return nil, spillError(err)
	}
	s.winOff = start
	return s.win[:end-start], nil
}

// readOne reads the j-th string of the block that starts at off, without reading the others.
func (s *sharedStrings) readOne(off int64, j int) (string, error) {
	var hdr [binary.MaxVarintLen64]byte
	for {
		n, err := s.f.ReadAt(hdr[:], off)
		if err != nil && (err != io.EOF || n == 0) {
			return "", spillError(err)
		}
		l, w := binary.Uvarint(hdr[:n])
		if w <= 0 || l > maxTextBytes {
			return "", spillError(errors.New("bad length"))
		}
		if j == 0 {
			s.buf = grow(s.buf, int(l))
			if _, err := s.f.ReadAt(s.buf, off+int64(w)); err != nil {
				return "", spillError(err)
			}
			return cellString(s.buf), nil
		}
		off += int64(w) + int64(l)
		j--
	}
}

// grow returns b with length n, reallocated only when too small.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// close removes the temporary file, if any. It may be called more than once.
func (s *sharedStrings) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	if s.name != "" {
		if e := os.Remove(s.name); err == nil {
			err = e
		}
	}
	s.f, s.name, s.w, s.hot, s.block, s.win, s.buf, s.index = nil, "", nil, nil, nil, nil, nil, nil
	s.n = s.nmem
	return err
}

// loadSharedStrings reads the shared string table: the text of each <si>, rich-text runs joined,
// phonetic runs (<rPh>) left out. On an error the temporary file, if one was made, is removed.
func loadSharedStrings(ctx context.Context, f *zip.File) (*sharedStrings, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := &sharedStrings{}
	if err := s.scan(newXMLScanner(cancelReader{rc, ctx})); err != nil {
		s.close()
		return nil, err
	}
	if err := s.finish(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *sharedStrings) scan(sc *xmlScanner) error {
	var buf []byte
	inSI, inT, rph := false, false, 0
	for {
		switch sc.next(inSI && inT && rph == 0) {
		case tokEOF:
			return sc.err
		case tokText:
			buf = appendCapped(buf, sc.text)
		case tokStart:
			switch string(sc.name) {
			case "si":
				inSI, buf = !sc.self, buf[:0]
				if sc.self {
					if err := s.add(nil); err != nil {
						return err
					}
				}
			case "t":
				inT = !sc.self
			case "rPh":
				if !sc.self {
					rph++
				}
			}
		case tokEnd:
			switch string(sc.name) {
			case "si":
				if inSI {
					if err := s.add(buf); err != nil {
						return err
					}
				}
				inSI = false
			case "t":
				inT = false
			case "rPh":
				if rph > 0 {
					rph--
				}
			}
		}
	}
}
