package sheet

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// withSST sets, for one test, the memory budget of shared strings and the directory of their
// temporary files, which it returns.
func withSST(t testing.TB, budget int64) string {
	t.Helper()
	dir := t.TempDir()
	oldBudget, oldDir := sstBudget, sstTempDir
	sstBudget, sstTempDir = budget, dir
	t.Cleanup(func() { sstBudget, sstTempDir = oldBudget, oldDir })
	return dir
}

// leftIn returns the names of the files in dir.
func leftIn(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// countdownContext is a context that ends by itself after its Err has answered nil n times: it
// stops a reader in the middle of a loop, without a timer. Its Done channel is nil, so only
// the checks of Err inside the loops can see it end.
type countdownContext struct {
	context.Context
	left atomic.Int64
}

func countdown(n int64) *countdownContext {
	c := &countdownContext{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdownContext) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// spillTable is a shared-string table of every kind of string (rich text, entities, escapes,
// bytes that are not UTF-8, empty, long ones), n numbered ones and the first kinds again, and a sheet that uses each
// string in order, in reverse and at random, and the first and a late one on every row.
func spillTable(n int) (sst string, sheet string, count int) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4000000">`)
	specials := []string{
		`<si><t>姓名</t></si>`,
		`<si><r><t>性</t></r><r><rPr><b/></rPr><t>别</t></r><rPh sb="0" eb="1"><t>xingbie</t></rPh></si>`,
		`<si><t>A&amp;B &lt;1&gt; &#x4E2D;</t></si>`,
		`<si><t>第一行_x000D_第二行</t></si>`,
		"<si><t>\xff\xfe坏</t></si>",
		`<si/>`,
		`<si><t></t></si>`,
		`<si><t>` + strings.Repeat("长", 40000) + `</t></si>`, // 120 KB: a block read string by string
		`<si><t xml:space="preserve"> 空格 </t></si>`,
	}
	for _, s := range specials {
		b.WriteString(s)
	}
	for i := range n {
		fmt.Fprintf(&b, "<si><t>第%05d号</t></si>", i)
	}
	for _, s := range specials { // again, where they are spilled
		b.WriteString(s)
	}
	b.WriteString(`</sst>`)
	count = 2*len(specials) + n

	var w strings.Builder
	w.WriteString(`<worksheet><sheetData>`)
	row := 0
	emit := func(idx ...int) {
		row++
		fmt.Fprintf(&w, `<row r="%d">`, row)
		for j, i := range idx {
			fmt.Fprintf(&w, `<c r="%s%d" t="s"><v>%d</v></c>`, columnName(j), row, i)
		}
		w.WriteString(`</row>`)
	}
	for i := 0; i < count; i += 4 {
		emit(0, i, min(i+1, count-1), min(i+2, count-1), min(i+3, count-1), count-1)
	}
	for i := count - 1; i >= 0; i -= 3 {
		emit(i, 1, count-2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		emit(rng.IntN(count), rng.IntN(count), 7, rng.IntN(count), count+5, -1)
	}
	w.WriteString(`</sheetData></worksheet>`)
	return b.String(), w.String(), count
}

// TestSharedStringsSpill reads a table of 3,000 strings with room in memory for 100 of them: the
// rest goes to a temporary file (mode 0600, unlinked at once where the system allows, gone after
// Close) and every cell reads as it does with the whole table in memory.
func TestSharedStringsSpill(t *testing.T) {
	sst, sheet, count := spillTable(3000)
	data := buildXLSX(t, sst, [2]string{"表", sheet})
	want := sourceRows(t, data) // the whole table in memory

	const budget = 100 * 32
	dir := withSST(t, budget)
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	s := x.sst
	if !s.onDisk() || s.count() != count {
		t.Fatalf("spilled %v, %d strings; want spilled, %d", s.onDisk(), s.count(), count)
	}
	if s.memBytes > budget || s.nmem == 0 || s.nmem*16 > budget {
		t.Errorf("%d strings (%d bytes) kept in memory, budget %d bytes", s.nmem, s.memBytes, budget)
	}
	if got, want := len(s.index), (count-s.nmem+sstBlock-1)/sstBlock; got != want {
		t.Errorf("%d offsets kept for %d strings on disk, want %d (one per %d)", got, count-s.nmem, want, sstBlock)
	}
	st, err := s.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("temporary file mode %v, want 0600", st.Mode().Perm())
	}
	if runtime.GOOS == "linux" {
		if left := leftIn(t, dir); len(left) != 0 {
			t.Errorf("temporary file still has a name while open: %q", left)
		}
	}
	got := map[int][]string{}
	for {
		num, cells, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cells))
		for i, c := range cells {
			row[i] = c.text
		}
		if len(row) > 0 {
			got[num] = row
		}
	}
	if !reflect.DeepEqual(got, want) {
		for n := 1; n < len(want)+2; n++ {
			if !reflect.DeepEqual(got[n], want[n]) {
				t.Errorf("row %d:\n got %.200q\nwant %.200q", n, got[n], want[n])
				break
			}
		}
	}
	if err := x.close(); err != nil {
		t.Fatal(err)
	}
	if s.f != nil {
		t.Error("temporary file open after close")
	}
	if left := leftIn(t, dir); len(left) != 0 {
		t.Errorf("left after close: %q", left)
	}
}

// TestSharedStringsSpillReader: the same through NewReader and Table, which close the book.
func TestSharedStringsSpillReader(t *testing.T) {
	sst, _, _ := spillTable(2000)
	sheet := `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="inlineStr"><is><t>性别</t></is></c><c t="inlineStr"><is><t>出生日期</t></is></c></row>` +
		`<row r="2"><c t="s"><v>1500</v></c><c t="inlineStr"><is><t>男</t></is></c><c><v>42073</v></c></row></sheetData></worksheet>`
	data := buildXLSX(t, sst, [2]string{"表", sheet})
	dir := withSST(t, 64*32)
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), "a.xlsx", ReadOptions{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	if !r.book.sst.onDisk() {
		t.Error("the table was not spilled")
	}
	if row, err := r.Next(); err != nil || row.Cells[0] != "第01491号" {
		t.Errorf("row 2: %+v %v", row.Cells, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if left := leftIn(t, dir); len(left) != 0 {
		t.Errorf("left after Close: %q", left)
	}
	tb, err := NewTable(bytes.NewReader(data), int64(len(data)), "a.xlsx", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tb.Next(); err != nil {
		t.Fatal(err)
	}
	if _, cells, err := tb.Next(); err != nil || cells[0].Text != "第01491号" {
		t.Errorf("Table row 2: %v %v", cells, err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if left := leftIn(t, dir); len(left) != 0 {
		t.Errorf("left after Table.Close: %q", left)
	}
}

// corruptPart changes the checksum that the zip's central directory gives for part name: the
// part then fails at its end, after everything in it was read.
func corruptPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	out := bytes.Clone(data)
	sig := []byte("PK\x01\x02")
	for i := bytes.Index(out, sig); i >= 0; {
		n := int(binary.LittleEndian.Uint16(out[i+28:]))
		if string(out[i+46:i+46+n]) == name {
			out[i+16] ^= 0xFF
			return out
		}
		j := bytes.Index(out[i+4:], sig)
		if j < 0 {
			break
		}
		i += 4 + j
	}
	t.Fatalf("no part %s", name)
	return nil
}

// TestSharedStringsSpillErrors: the temporary file is gone on every way a reader can fail
// while it loads the table or after.
func TestSharedStringsSpillErrors(t *testing.T) {
	sst, sheet, _ := spillTable(3000)
	data := buildXLSX(t, sst, [2]string{"表", sheet})
	for _, tc := range []struct {
		name string
		data []byte
		ctx  context.Context
		code string
	}{
		{"damaged table", corruptPart(t, data, "xl/sharedStrings.xml"), context.Background(), CodeBadXLSX},
		{"cancelled while loading", data, countdown(2), ""},
		{"no sheet of that name", data, context.Background(), CodeSheetNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := withSST(t, 100*32)
			sheet := ""
			if tc.code == CodeSheetNotFound {
				sheet = "无此表"
			}
			_, err := NewReader(bytes.NewReader(tc.data), int64(len(tc.data)), "a.xlsx", ReadOptions{Context: tc.ctx, Sheet: sheet})
			if tc.code != "" && fileErrorCode(err) != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
			if tc.code == "" && !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			if left := leftIn(t, dir); len(left) != 0 {
				t.Errorf("left: %q", left)
			}
		})
	}
}

// TestSharedStringsBomb loads a table of a million short strings (a 16 MB part that deflates to
// a few hundred KB; the bomb of the security review is 250 MB of the same) with the real budget:
// the heap it holds stays near the budget however many strings there are, where a []string of
// them all took 32 MB and more.
func TestSharedStringsBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("a 16 MB table")
	}
	dir := withSST(t, sstMemoryBytes)
	const n = 1_000_000
	table := func(w io.Writer) {
		bw := bytes.NewBufferString(`<sst uniqueCount="4000000">`)
		for i := range n {
			bw.WriteString("<si><t>")
			bw.WriteString(strconv.Itoa(i % 100))
			bw.WriteString("</t></si>")
			if bw.Len() > 64<<10 {
				_, _ = w.Write(bw.Bytes())
				bw.Reset()
			}
		}
		bw.WriteString(`</sst>`)
		_, _ = w.Write(bw.Bytes())
	}
	sheet := func(w io.Writer) {
		_, _ = io.WriteString(w, `<worksheet><sheetData><row r="1"><c t="s"><v>5</v></c><c t="s"><v>999999</v></c></row></sheetData></worksheet>`)
	}
	data := buildXLSXStream(t, table, sheetPart{name: "表", write: sheet})

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	s := x.sst
	if !s.onDisk() || s.count() != n {
		t.Fatalf("spilled %v, %d strings", s.onDisk(), s.count())
	}
	if s.memBytes > sstMemoryBytes || s.nmem > sstMemoryBytes/16 {
		t.Errorf("%d strings, %d bytes in memory; budget %d bytes", s.nmem, s.memBytes, sstMemoryBytes)
	}
	t.Logf("held %.1f MB, %d strings in memory, %d offsets", float64(held)/(1<<20), s.nmem, len(s.index))
	if limit := int64(sstMemoryBytes + 8<<20); held > limit {
		t.Errorf("the open table holds %d MB of heap, want at most %d MB", held>>20, limit>>20)
	}
	_, cells, err := x.next()
	if err != nil || len(cells) != 2 || cells[0].text != "5" || cells[1].text != "99" {
		t.Errorf("row 1: %+v %v", cells, err)
	}
	x.close()
	if left := leftIn(t, dir); len(left) != 0 {
		t.Errorf("left: %q", left)
	}
	runtime.KeepAlive(x)
}

// TestSharedStringsCount: a table that announces four million strings and has one costs no
// more than the one (the count used to size a slice up front: 64 MB).
func TestSharedStringsCount(t *testing.T) {
	data := buildXLSX(t, `<sst count="4000000" uniqueCount="4000000"><si><t>姓名</t></si></sst>`,
		[2]string{"表", `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData></worksheet>`})
	alloc := allocated(func() {
		x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			t.Fatal(err)
		}
		x.close()
	})
	if alloc > 4<<20 {
		t.Errorf("opening allocated %d MB", alloc>>20)
	}
}

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
