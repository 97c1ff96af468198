package store

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"guanai/internal/child"
)

func TestPinyinVariants(t *testing.T) {
	tests := []struct {
		name           string
		full, initials []string // must be among the variants
	}{
		{"张小明", []string{"zhangxiaoming"}, []string{"zxm"}},
		{"单晓明", []string{"shanxiaoming", "danxiaoming"}, []string{"sxm", "dxm"}},
		{"吕绿", []string{"lvlv", "lulu", "lvlu"}, []string{"ll"}},
		{"阿拉坦·其其格", []string{"alatanqiqige"}, []string{"altqqg"}},
		{"Anna·李", []string{"annali"}, []string{"al"}},
	}
	for _, tc := range tests {
		full, initials := pinyinVariants(tc.name)
		for _, f := range tc.full {
			if !slices.Contains(full, f) {
				t.Errorf("%s: full pinyin %v lacks %s", tc.name, full, f)
			}
		}
		for _, f := range tc.initials {
			if !slices.Contains(initials, f) {
				t.Errorf("%s: initials %v lack %s", tc.name, initials, f)
			}
		}
	}
	// A name of many heteronyms stays within the cap (plus the u spellings of v).
	full, initials := pinyinVariants("单曾解区朴仇查乐")
	if len(full) > 2*maxPinyinVariants || len(initials) > maxPinyinVariants {
		t.Errorf("%d full and %d initials variants, cap %d", len(full), len(initials), maxPinyinVariants)
	}
	for _, q := range []struct {
		in, want string
		ok       bool
	}{{"Zhang Xiao'ming", "zhangxiaoming", true}, {"ＺＸＭ", "zxm", true}, {"lü", "lv", true}, {"张三", "", false}, {"zs1", "", false}} {
		got, ok := normalizePinyinQuery(q.in)
		if got != q.want || ok != q.ok {
			t.Errorf("normalizePinyinQuery(%q) = %q, %v; want %q, %v", q.in, got, ok, q.want, q.ok)
		}
	}
}

func TestDiffAndMerge(t *testing.T) {
	base := demoChildren(61, 1)[0]
	base.Health = []string{"healthy"}
	mod := func(f func(r *child.Record)) leaves {
		b, _ := json.Marshal(base)
		var r child.Record
		json.Unmarshal(b, &r)
		f(&r)
		l, err := flatten(&r)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	b := mod(func(*child.Record) {})
	// A set in another order is no change.
	if d := diffLeaves(b, mod(func(r *child.Record) { r.Health = []string{"healthy"}; r.DisabilityTypes = []string{} })); len(d) != 0 {
		t.Errorf("no-op diff: %+v", d)
	}
	theirs := mod(func(r *child.Record) { r.Father.Phone = "13000000000"; r.Mother = nil })
	mine := mod(func(r *child.Record) { r.SchoolName = "某校"; r.Health = []string{"disabled", "chronic_illness"} })
	merged, conflicts := mergeChanges(theirs, diffLeaves(b, theirs), diffLeaves(b, mine))
	if len(conflicts) != 0 {
		t.Fatalf("conflicts %v", conflicts)
	}
	r, err := merged.record()
	if err != nil {
		t.Fatal(err)
	}
	if r.Father.Phone != "13000000000" || r.Mother != nil || r.SchoolName != "某校" || len(r.Health) != 2 || r.Name != base.Name {
		t.Errorf("merged record %+v", r)
	}
	// Removing the mother while the other writer edits her phone conflicts on that item.
	mine2 := mod(func(r *child.Record) { r.Mother.Phone = "13111111111" })
	if _, conflicts := mergeChanges(theirs, diffLeaves(b, theirs), diffLeaves(b, mine2)); !slices.Equal(conflicts, []string{"mother.phone"}) {
		t.Errorf("conflicts %v, want mother.phone", conflicts)
	}
	// Overlay never erases.
	partial, _ := flatten(&child.Record{Name: base.Name, SchoolName: "新学校"})
	over := overlay(b, partial)
	if d := diffLeaves(b, over); len(d) != 1 || d[0].Path != "school_name" {
		t.Errorf("overlay changes %+v", d)
	}
}

// TestFlattenMatchesJSON holds the reflective flatten to the leaves of the canonical JSON, on
// synthetic records and on a record with every item set (a new item of child.Record is covered
// as soon as it is filled here).
func TestFlattenMatchesJSON(t *testing.T) {
	recs := demoChildren(62, 200)
	full := fullRecord()
	recs = append(recs, full, child.Record{}, child.Record{Name: "<&>\"\\\u2028", Health: []string{}})
	for i, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := flattenJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := flatten(&r)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffLeaves(want, got); len(d) != 0 || len(got) != len(want) {
			t.Errorf("record %d: flatten differs from the JSON: %+v", i, d)
		}
		back, err := got.record()
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(back)
		if string(b2) != string(b) {
			t.Errorf("record %d: leaves do not rebuild the record:\n%s\n%s", i, b2, b)
		}
	}
	if l, _ := flatten(&full); len(l) < 84 {
		t.Errorf("the full record has only %d leaves; fill every item", len(l))
	}
}

// fullRecord sets every item of a record, through reflection, so that a new field cannot be
// forgotten.
func fullRecord() child.Record {
	var r child.Record
	fill(reflect.ValueOf(&r).Elem(), 0)
	return r
}

func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.String:
		v.SetString("值" + strconv.Itoa(depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32:
		v.SetInt(int64(child.NewDate(2015, 3, 10)))
	case reflect.Slice:
		v.Set(reflect.ValueOf([]string{"a", "b"}))
	default:
		panic("fill: " + v.Kind().String())
	}
}

// FuzzPinyin: every indexed spelling of a name, typed back as a query, finds the index again.
func FuzzPinyin(f *testing.F) {
	for _, s := range []string{"张小明", "单曾解", "阿拉坦·其其格", "Anna·李", "吕绿", "", "ü", "𠀀x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		full, initials := pinyinVariants(child.NormalizeName(name))
		if len(full) > 2*maxPinyinVariants || len(initials) > maxPinyinVariants {
			t.Fatalf("%q: %d and %d variants", name, len(full), len(initials))
		}
		for _, v := range append(full, initials...) {
			if got, ok := normalizePinyinQuery(v); ok && got != v {
				t.Fatalf("%q: variant %q normalises to %q", name, v, got)
			}
		}
	})
}
