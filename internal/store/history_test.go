package store

import (
	"strings"
	"testing"

	"guanai/internal/child"
)

func TestHistoryDiffs(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		r := demoChildren(9, 1)[0]
		r.Name = "乌兰图雅"
		r.Father.Phone = "13800001111"
		r.Health = []string{"healthy"}
		r.SchoolStage = "primary"
		r.Boarding = nil
		c, err := e.Create(as("collector"), "collector", r, Source{Note: "入户走访登记"})
		if err != nil {
			t.Fatal(err)
		}
		r2 := cloneRecord(t, c.Record)
		r2.Father.Phone = "13900002222"
		r2.Health = []string{"chronic_illness", "psych_behavioral"}
		r2.SchoolStage = "junior"
		r2.Boarding = child.Bool(true)
		if _, err := e.Update(as("reviewer"), "reviewer", c.UID, 1, r2, Source{Kind: SourceRoster, Department: "education",
			Roster: "2025春季学籍.xlsx", Row: 17, RosterDate: child.NewDate(2025, 3, 1), Note: "教育部门学籍比对"}); err != nil {
			t.Fatal(err)
		}

		h, err := e.History(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].Kind != EntryVersion || h[1].Kind != EntryVersion {
			t.Fatalf("history has %d entries (%+v), want 2 versions", len(h), h)
		}
		if h[0].Version != 1 || h[0].Actor != "cli:collector" || len(h[0].Changes) != 0 || h[0].Source.Note != "入户走访登记" {
			t.Errorf("creation entry: %+v", h[0])
		}
		v2 := h[1]
		if v2.Source.Kind != SourceRoster || v2.Source.Department != "education" || v2.Source.Row != 17 || v2.Source.Note != "教育部门学籍比对" {
			t.Errorf("version 2 source: %+v", v2.Source)
		}
		got := map[string]Change{}
		for _, ch := range v2.Changes {
			got[ch.Field] = ch
		}
		tests := []struct {
			field, label, old, new string
		}{
			{"father.phone", "父亲联系方式", "138****1111", "139****2222"},
			{"health", "健康状况", "健康", "慢性病、心理/行为异常"},
			{"school_stage", "就学情况", "小学", "初中"},
			{"boarding", "是否学校寄宿", "（空）", "是"},
		}
		for _, tc := range tests {
			ch, ok := got[tc.field]
			if !ok {
				t.Errorf("no change of %s in %+v", tc.field, v2.Changes)
				continue
			}
			if ch.Label != tc.label || ch.Old != tc.old || ch.New != tc.new {
				t.Errorf("%s: got %s %q → %q, want %s %q → %q", tc.field, ch.Label, ch.Old, ch.New, tc.label, tc.old, tc.new)
			}
		}
		if len(v2.Changes) != len(tests) {
			t.Errorf("version 2 has %d changes, want %d: %+v", len(v2.Changes), len(tests), v2.Changes)
		}
		if !got["father.phone"].Sensitive || got["health"].Sensitive {
			t.Error("sensitivity flags wrong")
		}
		// Revealed history shows the full phone numbers.
		full, err := e.HistoryRevealed(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range full[1].Changes {
			if ch.Field == "father.phone" && (ch.Old != "13800001111" || ch.New != "13900002222") {
				t.Errorf("revealed phone change %q → %q", ch.Old, ch.New)
			}
		}
		if s := DescribeChanges(v2.Changes); !strings.Contains(s, "父亲联系方式：138****1111 → 139****2222") {
			t.Errorf("DescribeChanges: %s", s)
		}

		// Provenance: the whole record from the entry, the changed fields from the roster.
		prov, err := e.Provenance(ctx, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		if len(prov) != 1+len(tests) || prov[0].Field != "*" || prov[0].Source.Kind != SourceEntry {
			t.Fatalf("provenance %+v", prov)
		}
		for _, p := range prov[1:] {
			if p.Source.Kind != SourceRoster || p.Source.Department != "education" || p.Source.Roster != "2025春季学籍.xlsx" ||
				p.Source.Row != 17 || p.Source.RosterDate != child.NewDate(2025, 3, 1) || p.Version != 2 {
				t.Errorf("provenance of %s: %+v", p.Field, p)
			}
		}
	})
}

func TestFieldLabels(t *testing.T) {
	tests := []struct{ path, want string }{
		{"name", "姓名"},
		{"father.phone", "父亲联系方式"},
		{"mother.hukou_address.detail", "母亲户籍地址（详细地址）"},
		{"hukou_address.region_code", "户籍地址（区划代码）"},
		{"caregiver.present", "有无受委托照护人"},
		{"caregiver.relation", "受委托照护人与儿童关系"},
		{"rehabilitation.received", "接受康复救助情况（是否接受）"},
		{"help_requested.date", "主动提出救助帮扶需求（日期）"},
		{"no_such_item", "no_such_item"},
	}
	for _, tc := range tests {
		if got := FieldLabel(tc.path); got != tc.want {
			t.Errorf("FieldLabel(%s) = %s, want %s", tc.path, got, tc.want)
		}
	}
	masks := []struct{ path, raw, want string }{
		{"id_number", `"15030220150310123X"`, "150302************"},
		{"name", `"张小明"`, "张**"},
		{"residence_address.detail", `"人民路12号3栋2单元301室"`, "人民路********"},
		{"family_hardship_other", `"父亲因病失业"`, "（已隐藏）"},
		{"sex", `"2"`, "女"},
		{"disability_types", `[]`, "无"},
		{"vagrant", `false`, "否"},
	}
	for _, tc := range masks {
		if got := displayValue(tc.path, []byte(tc.raw), false); got != tc.want {
			t.Errorf("displayValue(%s, %s) = %s, want %s", tc.path, tc.raw, got, tc.want)
		}
	}
}
