package match

import (
	"fmt"
	"strings"
	"testing"
)

// TestLoadRecsInPlace checks that records written in place (row estimate large enough), copied
// (estimate too small) and collected (no estimate) come out the same and in file order.
func TestLoadRecsInPlace(t *testing.T) {
	var b strings.Builder
	b.WriteString("ref,name,birth_date\n")
	const n = 10000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "r%d,张%c,2015-03-%02d\n", i, rune('一'+i%500), 1+i%28)
	}
	var want []rec
	for _, maxRows := range []int{0, 5, n, 3 * n} {
		recs, refs, st, err := loadRecs(strings.NewReader(b.String()), 2, maxRows)
		if err != nil || st.Rows != n || len(recs) != n || len(refs.end) != n {
			t.Fatalf("maxRows %d: got %d rows, %d records, %d refs, %v", maxRows, st.Rows, len(recs), len(refs.end), err)
		}
		for _, i := range []int{0, 4095, 4096, n - 1} {
			if got := refs.get(i); got != fmt.Sprintf("r%d", i) {
				t.Errorf("maxRows %d: ref %d: got %q", maxRows, i, got)
			}
		}
		if want == nil {
			want = recs
			continue
		}
		for i := range recs {
			if recs[i] != want[i] {
				t.Fatalf("maxRows %d: record %d differs", maxRows, i)
			}
		}
	}
}
