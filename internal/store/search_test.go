package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"guanai/internal/child"
)

// searchFixture stores synthetic children with a few hand-set names and returns them as stored.
func searchFixture(t *testing.T, e *env, n int) []*Child {
	t.Helper()
	ctx := opCtx()
	recs := demoChildren(21, n)
	names := []string{"单晓明", "曾乐", "吕绿", "张小明", "阿拉坦·其其格"}
	for i, nm := range names {
		recs[i].Name = nm
	}
	out := make([]*Child, 0, n)
	for i, r := range recs {
		c, err := e.Create(ctx, fmt.Sprintf("u%d", i%3), r, Source{AllowDuplicate: true})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		out = append(out, c)
	}
	// A few statuses besides draft; some archived.
	for i, c := range out {
		var steps []string
		switch i % 7 {
		case 1:
			steps = []string{StatusSubmitted}
		case 2:
			steps = []string{StatusSubmitted, StatusApproved}
		case 3:
			steps = []string{StatusArchived}
		}
		for _, st := range steps {
			got, err := e.Transition(ctx, "r", c.UID, st, "测试")
			if err != nil {
				t.Fatal(err)
			}
			c.Status = got.Status
		}
	}
	return out
}

// orderOf returns the uids of cs in their order.
func orderOf(cs []*Child) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.UID
	}
	return out
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func uidsOf(cs []*Child) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.UID
	}
	slices.Sort(out)
	return out
}

func TestSearchNames(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		all := searchFixture(t, e, 40)
		byName := func(name string) []string {
			var out []string
			for _, c := range all {
				if c.Record.Name == name && c.Status != StatusArchived {
					out = append(out, c.UID)
				}
			}
			slices.Sort(out)
			return out
		}
		tests := []struct {
			query string
			want  []string // names
		}{
			{"张小明", []string{"张小明"}},
			{" 张小明 ", []string{"张小明"}},
			{"zhangxiaoming", []string{"张小明"}},
			{"ZhangXiaoMing", []string{"张小明"}},
			{"zxm", []string{"张小明"}},
			{"shanxiaoming", []string{"单晓明"}}, // 单 as a surname reads shan
			{"danxiaoming", []string{"单晓明"}},
			{"zengle", []string{"曾乐"}},
			{"cengyue", []string{"曾乐"}},
			{"lvlv", []string{"吕绿"}},
			{"lulu", []string{"吕绿"}},
			{"阿拉坦.其其格", []string{"阿拉坦·其其格"}},
			{"alatanqiqige", []string{"阿拉坦·其其格"}},
			{"李四", nil},
		}
		for _, tc := range tests {
			p, err := e.Search(ctx, Query{Name: tc.query, Limit: 100})
			if err != nil {
				t.Fatalf("%s: %v", tc.query, err)
			}
			var want []string
			for _, nm := range tc.want {
				want = append(want, byName(nm)...)
			}
			slices.Sort(want)
			if got := uidsOf(p.Items); !slices.Equal(got, want) || p.Total != len(want) {
				t.Errorf("name %q: got %d (total %d), want %d", tc.query, len(got), p.Total, len(want))
			}
		}
	})
}

// matches evaluates q in Go over a stored child, as the reference for the SQL.
func matches(q Query, c *Child, asOf child.Date) bool {
	r := &c.Record
	if len(q.Status) > 0 {
		if !slices.Contains(q.Status, c.Status) {
			return false
		}
	} else if !q.IncludeArchived && c.Status == StatusArchived {
		return false
	}
	if q.IDNumber != "" && r.IDNumber != q.IDNumber {
		return false
	}
	if q.ParentIDNumber != "" {
		ids := []string{parentID(r.Father), parentID(r.Mother), guardianID(r.OtherGuardian), caregiverID(r.Caregiver)}
		if !slices.Contains(ids, q.ParentIDNumber) {
			return false
		}
	}
	if q.Region != "" {
		code, _ := normalizeRegion(q.Region)
		in := func(a *child.Address) bool { return strings.HasPrefix(a.Region(), code) }
		switch q.RegionOf {
		case "", RegionResidence:
			if !in(r.ResidenceAddr) {
				return false
			}
		case RegionHukou:
			if !in(r.HukouAddress) {
				return false
			}
		case RegionEither:
			if !in(r.ResidenceAddr) && !in(r.HukouAddress) {
				return false
			}
		}
	}
	cl := c.Classification
	for _, a := range [][2]string{{q.MigrantMonitoring, cl.MigrantMonitoring}, {q.MigrantStatistics, cl.MigrantStatistics},
		{q.LeftBehind, cl.LeftBehind}, {q.KeyCare, cl.KeyCare}} {
		if a[0] != "" && a[0] != a[1] {
			return false
		}
	}
	if q.KeyCareReason != "" && !slices.Contains(cl.KeyCareReasons, q.KeyCareReason) {
		return false
	}
	age := r.BirthDate.FullYears(asOf)
	if q.AgeMin != nil && age < *q.AgeMin || q.AgeMax != nil && age > *q.AgeMax {
		return false
	}
	if q.Sex != "" && r.Sex != q.Sex || q.SchoolStage != "" && r.SchoolStage != q.SchoolStage ||
		q.MedicalInsurance != "" && r.MedicalInsurance != q.MedicalInsurance {
		return false
	}
	switch q.Disability {
	case "":
	case "yes":
		if len(r.DisabilityTypes) == 0 && !slices.Contains(r.Health, "disabled") {
			return false
		}
	case "no":
		if r.DisabilityTypes == nil || len(r.DisabilityTypes) > 0 || slices.Contains(r.Health, "disabled") {
			return false
		}
	default:
		if !slices.Contains(r.DisabilityTypes, q.Disability) {
			return false
		}
	}
	return true
}

func intp(n int) *int { return &n }

func TestSearchFilters(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		all := searchFixture(t, e, 150)
		// Codes present in the fixture, so that the filters select something.
		c0 := all[10].Record
		var someParent string
		for _, c := range all {
			if c.Record.Mother != nil && c.Record.Mother.IDNumber != "" {
				someParent = c.Record.Mother.IDNumber
				break
			}
		}
		var disabled string
		for _, c := range all {
			if len(c.Record.DisabilityTypes) > 0 {
				disabled = c.Record.DisabilityTypes[0]
			}
		}
		asOf := child.NewDate(2026, 1, 15)
		queries := []Query{
			{},
			{IncludeArchived: true},
			{Status: []string{StatusSubmitted, StatusApproved}},
			{Status: []string{StatusArchived}},
			{IDNumber: c0.IDNumber},
			{IDNumber: strings.ToLower(c0.IDNumber), IncludeArchived: true},
			{ParentIDNumber: someParent},
			{Region: "150300"},
			{Region: "150302"},
			{Region: c0.ResidenceAddr.RegionCode[:9]},
			{Region: c0.ResidenceAddr.RegionCode},
			{Region: "150302", RegionOf: RegionHukou},
			{Region: "150303", RegionOf: RegionEither},
			{Region: "64", RegionOf: RegionHukou},
			{MigrantMonitoring: "yes"},
			{MigrantStatistics: "yes", Region: "150302"},
			{LeftBehind: "yes", RegionOf: RegionHukou, Region: "1503"},
			{KeyCare: "yes"},
			{KeyCare: "undetermined"},
			{KeyCareReason: "family_hardship"},
			{AgeMin: intp(6), AgeMax: intp(11)},
			{AgeMin: intp(0), AgeMax: intp(2), AsOf: asOf},
			{AgeMin: intp(14), AsOf: asOf},
			{AgeMax: intp(5)},
			{Sex: "2", SchoolStage: "primary"},
			{MedicalInsurance: "none"},
			{Disability: "yes"},
			{Disability: "no"},
			{Disability: disabled},
			{KeyCare: "yes", Region: "150302", Status: []string{StatusDraft}},
		}
		for i, q := range queries {
			q.Limit = 500
			day := q.AsOf
			if day == 0 {
				day = testDay
			}
			var want []*Child
			for _, c := range all {
				if matches(q, c, day) {
					want = append(want, c)
				}
			}
			p, err := e.Search(ctx, q)
			if err != nil {
				t.Fatalf("query %d %+v: %v", i, q, err)
			}
			if got, w := uidsOf(p.Items), uidsOf(want); !slices.Equal(got, w) || p.Total != len(w) {
				t.Errorf("query %d %+v: got %d (total %d), want %d", i, q, len(got), p.Total, len(w))
			}
		}
		// The fixture is varied enough for the filters to mean something.
		if p, _ := e.Search(ctx, Query{KeyCare: "yes"}); p.Total == 0 {
			t.Error("no key-care child in the fixture")
		}

		// Paging: newest first, pages disjoint and complete.
		var seen []string
		total := -1
		for off := 0; ; off += 7 {
			p, err := e.Search(ctx, Query{Region: "1503", RegionOf: RegionEither, Limit: 7, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if total < 0 {
				total = p.Total
			}
			if len(p.Items) == 0 {
				break
			}
			if len(p.Items) > 7 {
				t.Fatalf("page of %d items, limit 7", len(p.Items))
			}
			for _, c := range p.Items {
				seen = append(seen, c.UID)
			}
		}
		if len(seen) != total || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != total {
			t.Errorf("paging saw %d records (%d distinct), total %d", len(seen), len(slices.Compact(slices.Sorted(slices.Values(seen)))), total)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i-1] < seen[i] { // UUIDv7 grows with creation time
				t.Errorf("page order: %s before %s, want newest first", seen[i-1], seen[i])
				break
			}
		}

		// Counts are exact, and every record is reached by offset and by keyset alike, in every
		// order, also when the filter is broad (SQLite then walks the ids instead of sorting the
		// filter's matches).
		everyone, err := e.Search(ctx, Query{Region: "1503", RegionOf: RegionEither, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if everyone.Total != len(everyone.Items) || everyone.Next != "" {
			t.Fatalf("whole list: total %d, %d items, next %q", everyone.Total, len(everyone.Items), everyone.Next)
		}
		for _, broad := range []int{0, 30} {
			e.broadAt = broad
			for _, sort := range []string{SortNewest, SortOldest, SortUpdated} {
				want, err := e.Search(ctx, Query{Region: "1503", RegionOf: RegionEither, Limit: 500, Sort: sort})
				if err != nil {
					t.Fatal(err)
				}
				if sort == SortOldest && !slices.Equal(orderOf(want.Items), reversed(orderOf(everyone.Items))) {
					t.Errorf("oldest first is not the reverse of newest first")
				}
				var byOffset, byKey []string
				after := ""
				for off := 0; off < want.Total+25; off += 25 {
					p, err := e.Search(ctx, Query{Region: "1503", RegionOf: RegionEither, Limit: 25, Offset: off, Sort: sort})
					if err != nil {
						t.Fatal(err)
					}
					if p.Total != want.Total {
						t.Fatalf("broad %d sort %q: total %d at offset %d, want %d", broad, sort, p.Total, off, want.Total)
					}
					byOffset = append(byOffset, orderOf(p.Items)...)
					k, err := e.Search(ctx, Query{Region: "1503", RegionOf: RegionEither, Limit: 25, After: after, Sort: sort})
					if err != nil {
						t.Fatal(err)
					}
					if k.Total != want.Total {
						t.Fatalf("keyset total %d, want %d", k.Total, want.Total)
					}
					byKey = append(byKey, orderOf(k.Items)...)
					if after = k.Next; after == "" {
						break
					}
				}
				if w := orderOf(want.Items); !slices.Equal(byOffset, w) || !slices.Equal(byKey, w) {
					t.Errorf("broad %d sort %q: offset paging %d, keyset paging %d, want %d records in order", broad, sort, len(byOffset), len(byKey), len(w))
				}
			}
		}
		e.broadAt = 0
		if p, err := e.Search(ctx, Query{After: "no-such-uid"}); err != nil || len(p.Items) != 0 {
			t.Errorf("unknown cursor: %d items, %v", len(p.Items), err)
		}

		// Invalid filters.
		for _, q := range []Query{{Region: "15x3"}, {Region: "1503021"}, {Status: []string{"gone"}}, {KeyCare: "maybe"}, {RegionOf: "office", Region: "1503"}, {Sort: "name"}} {
			if _, err := e.Search(ctx, q); errCode(err) != CodeInvalid {
				t.Errorf("%+v: got %v, want invalid", q, err)
			}
		}
	})
}

func TestAgeBounds(t *testing.T) {
	for _, asOf := range []child.Date{child.NewDate(2025, 6, 30), child.NewDate(2024, 2, 29), child.NewDate(2025, 3, 1), child.NewDate(2025, 2, 28)} {
		for age := 0; age <= 17; age++ {
			lb, eb := latestBirth(asOf, age), earliestBirth(asOf, age)
			if lb.FullYears(asOf) < age || lb.AddDays(1).FullYears(asOf) >= age {
				t.Errorf("latestBirth(%s, %d) = %s: age %d, next day %d", asOf, age, lb, lb.FullYears(asOf), lb.AddDays(1).FullYears(asOf))
			}
			if eb.FullYears(asOf) > age || eb.AddDays(-1).FullYears(asOf) <= age {
				t.Errorf("earliestBirth(%s, %d) = %s", asOf, age, eb)
			}
		}
	}
}

func TestEach(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		all := searchFixture(t, e, 30)
		byUID := map[string]*Child{}
		for _, c := range all {
			byUID[c.UID] = c
		}
		n := 0
		err := e.EachSummary(ctx, Query{IncludeArchived: true}, func(m *Summary) error {
			n++
			c := byUID[m.UID]
			r := &c.Record
			if c == nil || m.Status != c.Status || m.BirthDate != r.BirthDate || m.ResidenceCode != r.ResidenceAddr.Region() ||
				m.HukouCode != r.HukouAddress.Region() || m.KeyCare != c.Classification.KeyCare || m.Age != c.Classification.Age ||
				!slices.Equal(m.KeyCareReasons, c.Classification.KeyCareReasons) || !slices.Equal(m.Health, r.Health) ||
				(m.Disability == nil) != (r.DisabilityTypes == nil) || m.FatherWorkProv != regionPrefix(r.Father.WorkRegionCode, 2) {
				t.Errorf("summary %+v does not match record %s", m, c.UID)
			}
			return nil
		})
		if err != nil || n != len(all) {
			t.Fatalf("EachSummary: %d of %d, %v", n, len(all), err)
		}
		n = 0
		if err := e.Each(ctx, Query{KeyCare: "yes"}, func(c *Child) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if p, _ := e.Search(ctx, Query{KeyCare: "yes"}); p.Total != n {
			t.Errorf("Each visited %d, Search counts %d", n, p.Total)
		}
	})
}

func regionPrefix(code string, n int) string {
	if len(code) < n {
		return ""
	}
	return code[:n]
}

func TestList(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		searchFixture(t, e, 60)
		// A row written before the brief column existed is read from its record.
		if _, err := e.write.ExecContext(ctx, "UPDATE children SET brief = NULL WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []Query{{}, {KeyCare: "yes"}, {Region: "150302", Limit: 7, Offset: 7}, {Name: "zxm"}, {IncludeArchived: true, Sort: "updated"}} {
			q.Limit = max(q.Limit, 100)
			full, err := e.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			list, err := e.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != full.Total || len(list.Items) != len(full.Items) {
				t.Fatalf("%+v: list %d/%d, search %d/%d", q, len(list.Items), list.Total, len(full.Items), full.Total)
			}
			for i, it := range list.Items {
				c := full.Items[i]
				if it.UID != c.UID || it.Name != c.Record.Name || it.IDNumber != c.Record.IDNumber || it.Version != c.Version ||
					it.ResidenceCode != c.Record.ResidenceAddr.Region() || it.BirthDate != c.Record.BirthDate ||
					it.Classification.KeyCare != c.Classification.KeyCare || it.Classification.Age != c.Classification.Age ||
					!it.UpdatedAt.Equal(c.UpdatedAt) {
					t.Errorf("%+v item %d: list %+v, search %s %s", q, i, it, c.UID, c.Record.Name)
				}
			}
		}
	})
}
