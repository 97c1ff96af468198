package roster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/sheet"
)

// testID returns a valid identity number for a region, birth date and sequence (odd = male).
func testID(region, birth, seq string) string {
	first17 := region + birth + seq
	return first17 + string(idcard.CheckDigit(first17))
}

var today = child.NewDate(2025, 6, 30)

func dept(t *testing.T, code string) *Department {
	t.Helper()
	d, ok := Lookup(code)
	if !ok {
		t.Fatalf("Lookup(%q) failed", code)
	}
	return d
}

func codes(is []child.Issue) []string {
	var out []string
	for _, e := range is {
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"education", Education}, {"Police", Police}, {"残联", Disability}, {"医保", Insurance}, {"卫健", Health}, {"教育部门", Education},
	} {
		d, ok := Lookup(tc.in)
		if !ok || d.Code != tc.want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", tc.in, d, ok, tc.want)
		}
	}
	if _, ok := Lookup("civil"); ok {
		t.Errorf("Lookup(civil) succeeded")
	}
}

func TestParse(t *testing.T) {
	boy := testID("150302", "20150310", "123")  // male
	girl := testID("150303", "20200105", "224") // female
	teen := testID("640104", "20110720", "017") // male, hukou in Ningxia
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		dept   string
		header []string
		cells  []string
		want   Record
		errs   []string
		warns  []string
	}{
		{
			name:   "education with aliases",
			dept:   Education,
			header: []string{"学生姓名", "身份证号码", "学校名称", "年级", "学籍状态", "是否住校"},
			cells:  []string{" 张 小明 ", boy, "乌海市第一小学", "四年级", "在校", "否"},
			want: Record{Department: Education, Name: "张小明", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), IDNumber: boy,
				SchoolName: "乌海市第一小学", SchoolStage: "primary", Grade: "四年级", StudyStatus: "enrolled", Boarding: &no},
		},
		{
			name:   "education dropout, stage given, full-width digits",
			dept:   Education,
			header: []string{"姓名", "公民身份号码", "就读学校", "学段", "就读状态", "寄宿"},
			cells:  []string{"李娜", strings.Map(fullWidth, girl), "海南区幼儿园", "学龄前", "辍学", "是"},
			want: Record{Department: Education, Name: "李娜", Sex: "2", BirthDate: child.NewDate(2020, 1, 5), IDNumber: girl,
				SchoolName: "海南区幼儿园", SchoolStage: "preschool", StudyStatus: "dropped_out", Boarding: &yes},
		},
		{
			name:   "education bad status and no id nor birth",
			dept:   Education,
			header: []string{"姓名", "学校", "在校状态"},
			cells:  []string{"王五", "乌海市第二中学", "请假"},
			errs:   []string{"birth_date:required", "study_status:code"},
		},
		{
			name:   "education transferred out is a warning",
			dept:   Education,
			header: []string{"姓名", "出生年月", "学校", "在校状态"},
			cells:  []string{"王五", "2014年5月6日", "乌海市第二中学", "转出"},
			want:   Record{Department: Education, Name: "王五", BirthDate: child.NewDate(2014, 5, 6), SchoolName: "乌海市第二中学"},
			warns:  []string{"study_status:transferred"},
		},
		{
			name:   "police permit with period",
			dept:   Police,
			header: []string{"姓名", "证件号码", "居住证编号", "发证日期", "有效期限", "现住址"},
			cells:  []string{"马小龙", teen, "150302202400017", "2024/3/10", "2024.03.10至2027.03.10", "内蒙古自治区乌海市海勃湾区新华街道清泉小区"},
			want: Record{Department: Police, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen,
				ResidenceAddress: &child.Address{RegionCode: "150302003"}, ResidenceRegistration: "residence_permit", PermitNo: "150302202400017", PermitIssued: child.NewDate(2024, 3, 10), PermitExpires: child.NewDate(2027, 3, 10)},
		},
		{
			name:   "police permit expired before today",
			dept:   Police,
			header: []string{"姓名", "证件号码", "居住证编号", "发证日期", "有效期限"},
			cells:  []string{"马小龙", teen, "150302202000017", "2020/3/10", "2020.03.10至2023.03.10"},
			want: Record{Department: Police, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen,
				PermitNo: "150302202000017", PermitIssued: child.NewDate(2020, 3, 10), PermitExpires: child.NewDate(2023, 3, 10)},
			warns: []string{"permit_expires:permit_expired"},
		},
		{
			name:   "police temporary registration by words",
			dept:   Police,
			header: []string{"姓名", "身份证号", "登记类别"},
			cells:  []string{"马小龙", teen, "暂住证"},
			want:   Record{Department: Police, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen, ResidenceRegistration: "temporary"},
		},
		{
			name:   "police expiry before issue",
			dept:   Police,
			header: []string{"姓名", "身份证号", "签发日期", "有效期至"},
			cells:  []string{"马小龙", teen, "2024-03-10", "2023-03-10"},
			errs:   []string{"permit_expires:before_issued"},
		},
		{
			name:   "health by visit counts",
			dept:   Health,
			header: []string{"儿童姓名", "性别", "出生日期", "随访次数", "中医药随访次数", "预防接种"},
			cells:  []string{"李娜", "女", "2020-01-05", "3", "0", "按时完成"},
			want: Record{Department: Health, Name: "李娜", Sex: "2", BirthDate: child.NewDate(2020, 1, 5),
				HealthMgmt06: "received", HealthVisits: intp(3), TCMMgmt036m: "not_received", TCMVisits: intp(0), Immunization: "按时完成"},
		},
		{
			name:   "health stated service and bad count",
			dept:   Health,
			header: []string{"姓名", "身份证号", "健康管理", "体检次数"},
			cells:  []string{"李娜", girl, "在居住地接受", "两次"},
			errs:   []string{"health_visits:count"},
		},
		{
			name:   "insurance insured with place name",
			dept:   Insurance,
			header: []string{"参保人姓名", "公民身份号码", "参保状态", "参保地", "险种"},
			cells:  []string{"马小龙", teen, "正常参保", "宁夏回族自治区银川市兴庆区", "城乡居民基本医疗保险"},
			want: Record{Department: Insurance, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen,
				Insured: &yes, InsurancePlace: "宁夏回族自治区银川市兴庆区", InsuranceRegion: "640104", Scheme: "城乡居民基本医疗保险"},
		},
		{
			name:   "insurance stopped",
			dept:   Insurance,
			header: []string{"姓名", "身份证号", "是否参保"},
			cells:  []string{"马小龙", teen, "停保"},
			want:   Record{Department: Insurance, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen, Insured: &no, MedicalInsurance: "none"},
		},
		{
			name:   "disability from certificate",
			dept:   Disability,
			header: []string{"残疾人姓名", "残疾证号", "康复情况"},
			cells:  []string{"张小明", boy + "42", "是：在市残联康复中心训练"},
			want: Record{Department: Disability, Name: "张小明", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), IDNumber: boy,
				CertificateNo: boy + "42", DisabilityTypes: []string{"physical"}, DisabilityGrade: "2",
				Rehabilitation: &child.Rehabilitation{Received: &yes, Detail: "在市残联康复中心训练"}},
		},
		{
			name:   "disability multiple with types",
			dept:   Disability,
			header: []string{"姓名", "身份证号", "残疾人证号", "残疾类别", "残疾等级"},
			cells:  []string{"张小明", boy, boy + "71", "多重残疾（视力、肢体）", "一级"},
			want: Record{Department: Disability, Name: "张小明", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), IDNumber: boy,
				CertificateNo: boy + "71", DisabilityTypes: []string{"visual", "physical"}, DisabilityGrade: "1"},
		},
		{
			name:   "disability certificate of another person and grade mismatch",
			dept:   Disability,
			header: []string{"姓名", "身份证号", "残疾人证号"},
			cells:  []string{"张小明", boy, girl + "42"},
			errs:   []string{"disability_certificate_no:certificate_id_mismatch"},
		},
		{
			name:   "disability type without grade",
			dept:   Disability,
			header: []string{"姓名", "身份证号", "残疾类别"},
			cells:  []string{"张小明", boy, "听力"},
			errs:   []string{"disability_grade:required"},
		},
		{
			name:   "identity errors",
			dept:   Education,
			header: []string{"姓名", "身份证号", "性别", "出生日期"},
			cells:  []string{"张小明", boy[:17] + "0", "男", "2015-03-10"},
			errs:   []string{"id_number:checksum"},
		},
		{
			name:   "id and birth date disagree, sex disagrees",
			dept:   Education,
			header: []string{"姓名", "身份证号", "性别", "出生日期"},
			cells:  []string{"张小明", boy, "女", "2015-03-11"},
			errs:   []string{"birth_date:id_birth_mismatch", "sex:id_sex_mismatch"},
		},
		{
			name:   "excel number id",
			dept:   Education,
			header: []string{"姓名", "身份证号"},
			cells:  []string{"张小明", "1.50302E+17"},
			errs:   []string{"id_number:excel_number"},
		},
		{
			name:   "flags and addresses",
			dept:   Education,
			header: []string{"姓名", "出生日期", "户籍所在地", "家庭住址", "是否随迁子女", "是否留守儿童"},
			cells:  []string{"阿依古丽.买买提", "20160203", "宁夏回族自治区银川市兴庆区", "内蒙古自治区乌海市海勃湾区新华街道", "是", "否"},
			want: Record{Department: Education, Name: "阿依古丽·买买提", BirthDate: child.NewDate(2016, 2, 3),
				HukouAddress: &child.Address{RegionCode: "640104"}, ResidenceAddress: &child.Address{RegionCode: "150302003"},
				Migrant: &yes, LeftBehind: &no},
		},
		{
			name:   "year and month only, with an ID number; 男生; 走读; 在籍在校",
			dept:   Education,
			header: []string{"姓名", "性别", "出生年月", "身份证号", "是否寄宿", "学籍状态"},
			cells:  []string{"张小明", "男生", "2015.03", boy, "走读", "在籍在校"},
			want: Record{Department: Education, Name: "张小明", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), IDNumber: boy,
				Boarding: &no, StudyStatus: "enrolled"},
		},
		{
			name:   "year and month disagreeing with the ID number",
			dept:   Education,
			header: []string{"姓名", "出生年月", "身份证号"},
			cells:  []string{"张小明", "2015年4月", boy},
			errs:   []string{"birth_date:id_birth_mismatch"},
		},
		{
			name:   "year and month without an ID number",
			dept:   Education,
			header: []string{"姓名", "出生年月"},
			cells:  []string{"张小明", "201503"},
			errs:   []string{"birth_date:date"},
		},
		{
			name:   "insurance status in longer words",
			dept:   Insurance,
			header: []string{"姓名", "身份证号", "参保状态"},
			cells:  []string{"马小龙", teen, "暂停参保（欠费）"},
			want:   Record{Department: Insurance, Name: "马小龙", Sex: "1", BirthDate: child.NewDate(2011, 7, 20), IDNumber: teen, Insured: &no, MedicalInsurance: "none"},
		},
		{
			name:   "future birth date",
			dept:   Health,
			header: []string{"姓名", "出生日期"},
			cells:  []string{"李娜", "2026-01-01"},
			errs:   []string{"birth_date:future"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := Parse(dept(t, tc.dept), tc.header, tc.cells, ReadOptions{Today: today})
			if got := codes(row.Issues.Errors); !reflect.DeepEqual(got, tc.errs) {
				t.Fatalf("errors: got %v, want %v (%v)", got, tc.errs, row.Issues.Errors)
			}
			if tc.warns != nil {
				if got := codes(row.Issues.Warnings); !reflect.DeepEqual(got, tc.warns) {
					t.Errorf("warnings: got %v, want %v", got, tc.warns)
				}
			}
			for _, e := range row.Errors() {
				if e.Message == "" || e.Column == "" {
					t.Errorf("problem without message or column: %+v", e)
				}
			}
			if tc.errs == nil {
				if tc.want.ResidenceAddress != nil && row.Record.ResidenceAddress != nil {
					row.Record.ResidenceAddress.Detail = ""
				}
				if tc.want.HukouAddress != nil && row.Record.HukouAddress != nil {
					row.Record.HukouAddress.Detail = ""
				}
				if !reflect.DeepEqual(row.Record, tc.want) {
					t.Errorf("record:\n got %+v\nwant %+v", row.Record, tc.want)
				}
			}
		})
	}
}

func intp(n int) *int { return &n }

func fullWidth(r rune) rune {
	if r >= '0' && r <= '9' {
		return r - '0' + '０'
	}
	return r
}

func TestMerge(t *testing.T) {
	yes, no := true, false
	base := child.Record{Name: "张小明", BirthDate: child.NewDate(2015, 3, 10),
		HukouAddress: &child.Address{RegionCode: "640104"}, ResidenceAddr: &child.Address{RegionCode: "150302003"}}
	with := func(f func(r *child.Record)) child.Record {
		r := base
		f(&r)
		return r
	}
	for _, tc := range []struct {
		name   string
		roster Record
		rec    child.Record
		filled []string
		contra []string
		check  func(t *testing.T, r child.Record)
	}{
		{
			name:   "education fills empty items",
			roster: Record{Department: Education, SchoolName: "乌海市第一小学", SchoolStage: "primary", StudyStatus: "enrolled", Boarding: &no},
			rec:    base,
			filled: []string{"school_name", "school_stage", "study_status", "boarding"},
			check: func(t *testing.T, r child.Record) {
				if r.SchoolName != "乌海市第一小学" || r.Boarding == nil || *r.Boarding {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name:   "education equal changes nothing, spaces ignored",
			roster: Record{Department: Education, SchoolName: "乌海市 第一小学", StudyStatus: "enrolled"},
			rec:    with(func(r *child.Record) { r.SchoolName, r.StudyStatus = "乌海市第一小学", "enrolled" }),
		},
		{
			name:   "dropout contradicts enrolled",
			roster: Record{Department: Education, StudyStatus: "dropped_out", SchoolName: "乌海市第二中学"},
			rec:    with(func(r *child.Record) { r.SchoolName, r.StudyStatus = "乌海市第一小学", "enrolled" }),
			contra: []string{"school_name", "study_status"},
			check: func(t *testing.T, r child.Record) {
				if r.StudyStatus != "enrolled" || r.SchoolName != "乌海市第一小学" {
					t.Errorf("overwritten: %+v", r)
				}
			},
		},
		{
			name:   "police permit",
			roster: Record{Department: Police, ResidenceRegistration: "residence_permit"},
			rec:    with(func(r *child.Record) { r.ResidenceRegistration = "none" }),
			contra: []string{"residence_registration"},
		},
		{
			name:   "health refines received",
			roster: Record{Department: Health, HealthMgmt06: "received_residence", TCMMgmt036m: "received"},
			rec:    with(func(r *child.Record) { r.HealthMgmt06, r.TCMMgmt036m = "received", "received_hukou" }),
			filled: []string{"health_mgmt_0_6"},
		},
		{
			name:   "health not received contradicts",
			roster: Record{Department: Health, HealthMgmt06: "not_received"},
			rec:    with(func(r *child.Record) { r.HealthMgmt06 = "received_hukou" }),
			contra: []string{"health_mgmt_0_6"},
		},
		{
			name:   "insurance at the hukou place",
			roster: Record{Department: Insurance, Insured: &yes, InsuranceRegion: "640104"},
			rec:    base,
			filled: []string{"medical_insurance"},
			check: func(t *testing.T, r child.Record) {
				if r.MedicalInsurance != "hukou_place" {
					t.Errorf("medical_insurance = %q, want hukou_place", r.MedicalInsurance)
				}
			},
		},
		{
			name:   "insurance at the residence refines insured",
			roster: Record{Department: Insurance, Insured: &yes, InsuranceRegion: "150302"},
			rec:    with(func(r *child.Record) { r.MedicalInsurance = "insured" }),
			filled: []string{"medical_insurance"},
			check: func(t *testing.T, r child.Record) {
				if r.MedicalInsurance != "residence_place" {
					t.Errorf("medical_insurance = %q, want residence_place", r.MedicalInsurance)
				}
			},
		},
		{
			name:   "insured contradicts none",
			roster: Record{Department: Insurance, Insured: &yes},
			rec:    with(func(r *child.Record) { r.MedicalInsurance = "none" }),
			contra: []string{"medical_insurance"},
		},
		{
			name:   "disability fills and adds to health",
			roster: Record{Department: Disability, CertificateNo: "x", DisabilityTypes: []string{"physical"}, DisabilityGrade: "2", Rehabilitation: &child.Rehabilitation{Received: &yes}},
			rec:    with(func(r *child.Record) { r.Health = []string{"chronic_illness"} }),
			filled: []string{"disability_types", "disability_grade", "health", "disability_certificate", "disability_certificate_no", "rehabilitation"},
			check: func(t *testing.T, r child.Record) {
				if !slices.Equal(r.Health, []string{"disabled", "chronic_illness"}) && !slices.Equal(r.Health, []string{"chronic_illness", "disabled"}) {
					t.Errorf("health = %v", r.Health)
				}
			},
		},
		{
			name:   "disability contradicts a record saying healthy and none",
			roster: Record{Department: Disability, DisabilityTypes: []string{"hearing"}, DisabilityGrade: "3"},
			rec:    with(func(r *child.Record) { r.Health, r.DisabilityTypes = []string{"healthy"}, []string{} }),
			contra: []string{"disability_types", "health"},
			filled: []string{"disability_grade"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := jsonOf(tc.rec)
			res := Merge(&tc.roster, tc.rec)
			if after, _ := jsonOf(tc.rec); after != before {
				t.Fatalf("Merge modified its input")
			}
			if !reflect.DeepEqual(res.Filled, tc.filled) {
				t.Errorf("filled: got %v, want %v", res.Filled, tc.filled)
			}
			var got []string
			for _, c := range res.Contradictions {
				got = append(got, c.Field)
				if c.Label == "" || c.Record == "" || c.Roster == "" {
					t.Errorf("contradiction without labels: %+v", c)
				}
			}
			if !reflect.DeepEqual(got, tc.contra) {
				t.Errorf("contradictions: got %v, want %v", got, tc.contra)
			}
			if tc.check != nil {
				tc.check(t, res.Record)
			}
		})
	}
}

func TestLeadReasons(t *testing.T) {
	yes := true
	asOf := child.NewDate(2025, 6, 30)
	for _, tc := range []struct {
		name string
		r    Record
		want []string
	}{
		{"flagged migrant", Record{BirthDate: child.NewDate(2015, 1, 1), Migrant: &yes}, []string{LeadFlagMigrant}},
		{"hukou elsewhere", Record{BirthDate: child.NewDate(2015, 1, 1), HukouAddress: &child.Address{RegionCode: "640104"}, ResidenceAddress: &child.Address{RegionCode: "150302003001"}}, []string{LeadHukouElsewhere}},
		{"permit", Record{BirthDate: child.NewDate(2012, 1, 1), ResidenceRegistration: "temporary"}, []string{LeadResidencePermit}},
		{"expired permit", Record{BirthDate: child.NewDate(2012, 1, 1), PermitNo: "150302202000017", PermitExpires: child.NewDate(2023, 3, 10)}, []string{LeadResidencePermit}},
		{"sixteen", Record{BirthDate: child.NewDate(2009, 6, 29), Migrant: &yes}, nil},
		{"fifteen (16 周岁 from the day after the birthday)", Record{BirthDate: child.NewDate(2009, 6, 30), LeftBehind: &yes}, []string{LeadFlagLeftBehind}},
		{"nothing suggests", Record{BirthDate: child.NewDate(2015, 1, 1), ResidenceAddress: &child.Address{RegionCode: "150302003001"}}, nil},
		{"unknown age", Record{Migrant: &yes}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LeadReasons(&tc.r, asOf); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStageOfGrade(t *testing.T) {
	for in, want := range map[string]string{"三年级": "primary", "初二": "junior", "八年级": "junior", "高一": "senior", "大班": "preschool", "２年级": "primary", "研一": ""} {
		if got := StageOfGrade(in); got != want {
			t.Errorf("StageOfGrade(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTemplateReadsBack writes every department's template, fills rows under the example in
// Excel's own way (an ID typed as a number, a date as a serial) and reads it back.
func TestTemplateReadsBack(t *testing.T) {
	boy := testID("150302", "20150310", "123")
	for _, d := range Departments() {
		t.Run(d.Code, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Template(&buf, d); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.GetSheetList(); !slices.Contains(got, "填写说明") {
				t.Errorf("sheets %v lack 填写说明", got)
			}
			header, _ := f.GetRows(templateSheet)
			if !reflect.DeepEqual(header[1], d.Columns()) {
				t.Errorf("header %v, want %v", header[1], d.Columns())
			}
			// Row 4: a child; row 5: an ID stored as a number (lost digits).
			f.SetCellStr(templateSheet, "A4", "张小明")
			f.SetCellStr(templateSheet, "D4", boy)
			f.SetCellValue(templateSheet, "C4", 42073) // 2015-03-10 as a serial date
			f.SetCellStr(templateSheet, "A5", "李四")
			f.SetCellValue(templateSheet, "D5", 150302201503101234.0)
			path := filepath.Join(t.TempDir(), d.Code+".xlsx")
			if err := f.SaveAs(path); err != nil {
				t.Fatal(err)
			}
			rd, err := Open(path, d, ReadOptions{Today: today})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			if rd.HeaderRow() != 2 {
				t.Errorf("header row %d, want 2", rd.HeaderRow())
			}
			var rows []Row
			for {
				r, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, r)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2 (the example skipped)", len(rows))
			}
			if rows[0].Number != 4 || !rows[0].Issues.Valid() || rows[0].Record.IDNumber != boy || rows[0].Record.BirthDate != child.NewDate(2015, 3, 10) {
				t.Errorf("row 4: %+v %v", rows[0].Record, rows[0].Issues)
			}
			if rows[0].Cells[2] != "2015-03-10" {
				t.Errorf("date cell shown as %q", rows[0].Cells[2])
			}
			if got := codes(rows[1].Issues.Errors); !slices.Contains(got, "id_number:excel_number") {
				t.Errorf("row 5 errors %v, want excel_number", got)
			}
		})
	}
}

func TestHeaderBelowTitleAndCSV(t *testing.T) {
	boy := testID("150302", "20150310", "123")
	csv := "乌海市第一小学学生名册\n填报单位：乌海市第一小学,,,\n\n序号,学生姓名,身份证号,年级,在校状态,班主任\n1,张小明,\t" + boy + ",四年级,在校,王老师\n2,合计,,,,\n"
	path := filepath.Join(t.TempDir(), "名册.csv")
	if err := os.WriteFile(path, []byte("\ufeff"+csv), 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(path, dept(t, Education), ReadOptions{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if rd.HeaderRow() != 4 {
		t.Errorf("header row %d, want 4", rd.HeaderRow())
	}
	if w := rd.Warnings(); len(w) != 1 || w[0].Code != "unknown_column" || w[0].Column != "班主任" {
		t.Errorf("warnings %+v, want one unknown_column 班主任", w)
	}
	r, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if r.Record.IDNumber != boy || r.Record.StudyStatus != "enrolled" || r.Record.SchoolStage != "primary" {
		t.Errorf("record %+v", r.Record)
	}
	if _, err := rd.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last child: %v, want EOF (合计 skipped)", err)
	}
}

func TestNoHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("a,b,c\n1,2,3\n"), 0o600)
	_, err := Open(path, dept(t, Health), ReadOptions{})
	var se *sheet.Error
	if !errors.As(err, &se) || se.Code != sheet.CodeNoHeader || !strings.Contains(se.Message, "表头") {
		t.Fatalf("got %v, want a no_header error in Chinese", err)
	}
}

func TestDuplicateColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("姓名,身份证号,公民身份号码\n"), 0o600)
	_, err := Open(path, dept(t, Police), ReadOptions{})
	var se *sheet.Error
	if !errors.As(err, &se) || se.Code != sheet.CodeDuplicateColumn {
		t.Fatalf("got %v, want duplicate_column", err)
	}
}

func jsonOf(r child.Record) (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}

var testRecord = func() child.Record {
	r := child.Record{Name: "张小明", SchoolName: "乌海市第一小学", StudyStatus: "enrolled", MedicalInsurance: "none", Health: []string{"healthy"}, DisabilityTypes: []string{}}
	return r
}()

// TestRostersAsSchoolsMakeThem: the table on the second sheet, a two-row header (学生信息 over
// its items, 家长 over 姓名), brothers under one merged 家长 and 家庭住址, and the total and
// signature lines in the 序号 column.
func TestRostersAsSchoolsMakeThem(t *testing.T) {
	a, b := testID("150302", "20150310", "123"), testID("150302", "20170505", "134")
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "说明"); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("说明", "A1", "请在“学生名册”表中填写")
	if _, err := f.NewSheet("学生名册"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"乌海市第一小学流动儿童名册"},
		{"序号", "学生信息", nil, nil, "学籍信息", nil, "父亲", "家庭住址"},
		{nil, "姓名", "身份证号", "出生日期", "年级", "在校状态", "姓名"},
		{1, "张小明", a, "2015-03-10", "四年级", "在校", "张建国", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
		{2, "张小亮", b, "2017-05-05", "二年级", "在校"},
		{"合计", "2人"},
		{"填表人：王老师", nil, nil, "审核人：李校长"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("学生名册", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A1", "H1"}, {"A2", "A3"}, {"B2", "D2"}, {"E2", "F2"}, {"H2", "H3"}, {"G4", "G5"}, {"H4", "H5"}} {
		if err := f.MergeCell("学生名册", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "名册.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(path, dept(t, Education), ReadOptions{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if len(rd.Warnings()) != 0 {
		t.Errorf("warnings %+v; header %q", rd.Warnings(), rd.Header())
	}
	var got []Record
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Issues.Errors) > 0 {
			t.Errorf("row %d: %+v", r.Number, r.Issues.Errors)
		}
		got = append(got, r.Record)
	}
	if len(got) != 2 {
		t.Fatalf("%d records, want 2 (合计 and 填表人 skipped)", len(got))
	}
	for _, r := range got {
		if r.FatherName != "张建国" || r.ResidenceCode() != "150302003012" || r.StudyStatus != "enrolled" {
			t.Errorf("%s: father %q residence %q status %q", r.Name, r.FatherName, r.ResidenceCode(), r.StudyStatus)
		}
	}

	// No sheet with a header: the message names both.
	g := excelize.NewFile()
	defer g.Close()
	g.SetCellValue("Sheet1", "A1", "说明")
	g.NewSheet("数据")
	g.SetCellValue("数据", "A1", "甲")
	path2 := filepath.Join(t.TempDir(), "x.xlsx")
	if err := g.SaveAs(path2); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path2, dept(t, Health), ReadOptions{})
	var se *sheet.Error
	if !errors.As(err, &se) || se.Code != sheet.CodeNoHeader || !strings.Contains(se.Message, "2 个工作表（Sheet1、数据）的前 30 行中都没有找到表头") {
		t.Errorf("got %v", err)
	}
}

// stopAfter is a context that ends by itself once its Err has answered nil n times, with no
// Done channel: only the checks inside the readers' loops can see it end.
type stopAfter struct {
	context.Context
	n atomic.Int64
}

func (c *stopAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestReadCancelled: the context of ReadOptions reaches the table under the roster: a reader
// whose context ended returns context.Canceled from Next, between rows and in the middle of
// thousands of blank rows that Next skips; Open with an ended context fails with it.
func TestReadCancelled(t *testing.T) {
	boy, girl := testID("150302", "20150310", "123"), testID("150302", "20160101", "124")
	csv := "学生姓名,身份证号,年级\n张小明," + boy + ",四年级\n李娜," + girl + ",三年级\n" + strings.Repeat(",,\n", 300_000) + "王芳," + girl + ",三年级\n"
	data := []byte(csv)
	read := func(opt ReadOptions) (int, error) {
		rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "名册.csv", dept(t, Education), opt)
		if err != nil {
			return 0, err
		}
		defer rd.Close()
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	if n, err := read(ReadOptions{Today: today}); err != nil || n != 3 {
		t.Fatalf("not cancelled: %d rows, %v; want 3", n, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "名册.csv", dept(t, Education), ReadOptions{Today: today, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := rd.Next(); err != context.Canceled {
		t.Errorf("Next after cancel: %v, want context.Canceled", err)
	}

	// Ended after NewReader and the first two rows, within the blank rows.
	stop := &stopAfter{Context: context.Background()}
	stop.n.Store(1 << 40)
	rd2, err := NewReader(bytes.NewReader(data), int64(len(data)), "名册.csv", dept(t, Education), ReadOptions{Today: today, Context: stop})
	if err != nil {
		t.Fatal(err)
	}
	defer rd2.Close()
	for range 2 {
		if _, err := rd2.Next(); err != nil {
			t.Fatal(err)
		}
	}
	stop.n.Store(2)
	if _, err := rd2.Next(); err != context.Canceled {
		t.Errorf("Next cancelled among blank rows: %v, want context.Canceled", err)
	}

	path := filepath.Join(t.TempDir(), "名册.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, dept(t, Education), ReadOptions{Context: ctx}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with an ended context: %v, want context.Canceled", err)
	}
}
