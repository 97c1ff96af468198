package sheet

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"guanai/internal/child"
	"guanai/internal/demo"
)

// variedRecords returns records that use every item of the record, in canonical form (as
// child.Validate leaves them), and a set of synthetic children.
func variedRecords(t testing.TB) []child.Record {
	t.Helper()
	b := child.NewDate
	yes, no := child.Bool(true), child.Bool(false)
	boy := b(2014, 7, 21)
	girl := b(2016, 11, 2)
	full := child.Record{
		Ref: "HBW-2025-0001", Name: "阿依古丽·买买提", Sex: "2", BirthDate: girl, Ethnicity: "05",
		IDNumber: synthID("150302", girl, 124), HukouRegistered: yes,
		HukouAddress:  &child.Address{RegionCode: "150302003012", Detail: "清泉小区3栋2单元501室"},
		ResidenceAddr: &child.Address{RegionCode: "150303", Detail: "团结路8号"},
		CoResidents:   "one_parent", ResidenceRegistration: "temporary", Housing: "other",
		LeftHukouDate: b(2019, 2, 28), ArrivedDate: b(2019, 3, 1),
		GuardianshipQuality: "fair", GuardianshipIssue: "guardian_insufficient",
		SchoolStage: "special", SchoolName: "乌海市特殊教育学校", StudyStatus: "suspended", Boarding: yes,
		Health: []string{"disabled", "chronic_illness", "psych_behavioral"}, HealthMgmt06: "not_applicable",
		TCMMgmt036m: "not_applicable", Immunization: "complete", MedicalInsurance: "hukou_place",
		DisabilityTypes: []string{"visual", "physical"}, DisabilityGrade: "2", DisabilityCertificate: yes,
		Rehabilitation: &child.Rehabilitation{Received: yes, Detail: "在市残联康复中心训练"},
		Father: &child.Parent{Name: "买买提·吐尔逊", IDNumber: synthID("650102", b(1985, 1, 9), 131), Phone: "13912345678",
			HukouAddress:  &child.Address{RegionCode: "650102", Detail: "幸福路12号"},
			ResidenceAddr: &child.Address{RegionCode: "150302003", Detail: "新华大街3号"},
			MigrantWorker: yes, WorkRegionCode: "1506", WorkSince: b(2018, 5, 1), Capacity: "capable"},
		Mother: &child.Parent{Name: "古丽娜", IDNumber: synthID("650102", b(1988, 8, 8), 222), Phone: "0473-3123456",
			HukouAddress:  &child.Address{RegionCode: "650102", Detail: "团结路2号"},
			ResidenceAddr: &child.Address{RegionCode: "150302003012", Detail: "清泉小区3栋2单元501室"},
			MigrantWorker: no, Capacity: "serious_illness"},
		BothParentsAway: no, OneAwayOtherIncapable: yes,
		OtherGuardian: &child.Guardian{Name: "吐尔逊", Relation: "祖父", IDNumber: synthID("650102", b(1958, 3, 3), 151),
			Phone: "15847312345", HukouAddress: &child.Address{RegionCode: "650102", Detail: "和平巷1号"},
			ResidenceAddr: &child.Address{RegionCode: "150302", Detail: "海拉路5号"}},
		Caregiver: &child.Caregiver{Present: yes, Name: "王芳", Relation: "other", RelationOther: "姑姑",
			IDNumber: synthID("150304", b(1979, 12, 31), 42), Phone: "0473-6012345",
			HukouAddress:  &child.Address{RegionCode: "150304", Detail: "新达街9号"},
			ResidenceAddr: &child.Address{RegionCode: "150304", Detail: "乌达区某街7号"}},
		FamilyHardship: []string{"dibao", "other"}, FamilyHardshipOther: "因病致贫",
		Assistance: []string{"dibao", "disability_subsidies", "charity"}, Vagrant: no,
		HelpRequested:    &child.HelpRequest{Requested: yes, Detail: "申请康复和助学帮扶", Date: b(2025, 4, 15)},
		CollectionMethod: "department", ReportingUnit: "海勃湾区新华街道清泉社区", ReportDate: b(2025, 6, 1),
	}
	full.DisabilityCertificateNo = full.IDNumber + "72"

	mongol := child.Record{
		Name: "巴特尔", Sex: "1", BirthDate: boy, Ethnicity: "02", IDNumber: synthID("150304", boy, 35),
		HukouRegistered: yes, HukouAddress: &child.Address{RegionCode: "150304"},
		DisabilityTypes: []string{"hearing"}, DisabilityGrade: "4", DisabilityCertificate: no,
		Rehabilitation: &child.Rehabilitation{Received: no},
		Health:         []string{"disabled"}, FamilyHardship: []string{}, Assistance: []string{},
		Caregiver: &child.Caregiver{Present: yes, Name: "其木格", Relation: "maternal_grandmother", Phone: "13704731234"},
		Father:    &child.Parent{Name: "John Smith", MigrantWorker: yes, WorkRegionCode: "15", Capacity: "incarcerated"},
	}
	minimal := child.Record{Name: "张小明", BirthDate: b(2020, 1, 1)}
	noHukou := child.Record{Name: "李娜", Sex: "2", BirthDate: b(2023, 5, 6), HukouRegistered: no,
		ResidenceAddr:   &child.Address{Detail: "地址不详"},
		Rehabilitation:  &child.Rehabilitation{Detail: "待评估"},
		HelpRequested:   &child.HelpRequest{Detail: "希望办理户口"},
		Caregiver:       &child.Caregiver{Present: no},
		DisabilityTypes: []string{}, HealthMgmt06: "received_hukou", TCMMgmt036m: "received"}

	recs := []child.Record{full, mongol, minimal, noHukou}
	g := demo.New(7, testToday)
	for i := 0; i < 300; i++ {
		recs = append(recs, g.Child())
	}
	// Canonical form: what the JSON API stores (child.Decode normalises text, as the reader does:
	// the demo's 演示数据（虚构） becomes 演示数据(虚构)).
	opt := child.Options{Today: testToday, Import: true}
	for i := range recs {
		data, err := json.Marshal(recs[i])
		if err != nil {
			t.Fatal(err)
		}
		var is child.Issues
		if recs[i], is = child.Decode(data, opt); !is.Valid() {
			t.Fatalf("record %d (%s) is not valid: %+v", i, recs[i].Name, is.Errors)
		}
	}
	return recs
}

func TestRoundTrip(t *testing.T) {
	recs := variedRecords(t)
	for _, tc := range []struct {
		name string
		opt  WriteOptions
		file string
	}{
		{"xlsx", WriteOptions{}, "export.xlsx"},
		{"xlsx with title", WriteOptions{Title: "乌海市流动儿童基本情况登记表"}, "export.xlsx"},
		{"csv", WriteOptions{Format: CSV}, "export.csv"},
		{"csv with title", WriteOptions{Format: CSV, Title: "乌海市留守儿童基本情况登记表"}, "export.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteChildren(&buf, slices.Values(recs), tc.opt); err != nil {
				t.Fatal(err)
			}
			r, rows := readAll(t, buf.Bytes(), tc.file)
			if len(r.Warnings()) != 0 {
				t.Errorf("header warnings: %+v", r.Warnings())
			}
			if want := 1 + btoi(tc.opt.Title != ""); r.HeaderRow() != want {
				t.Errorf("header row = %d, want %d", r.HeaderRow(), want)
			}
			if len(rows) != len(recs) {
				t.Fatalf("got %d rows, want %d", len(rows), len(recs))
			}
			for i, row := range rows {
				if len(row.Issues.Errors) > 0 {
					t.Errorf("row %d: errors %+v", row.Number, row.Errors())
				}
				if !reflect.DeepEqual(row.Record, recs[i]) {
					got, _ := json.Marshal(row.Record)
					want, _ := json.Marshal(recs[i])
					t.Errorf("row %d changed:\n got %s\nwant %s", row.Number, got, want)
				}
			}
		})
	}
}

// TestRoundTripCoversEveryField checks that the records of TestRoundTrip fill every item of
// child.Record, nested ones included, so that no item escapes the round trip.
func TestRoundTripCoversEveryField(t *testing.T) {
	filled := map[string]bool{}
	for _, r := range variedRecords(t) {
		collectFilled(reflect.ValueOf(r), "", filled)
	}
	for _, path := range fieldPaths(reflect.TypeOf(child.Record{}), "") {
		if !filled[path] {
			t.Errorf("no record of the round trip fills %s", path)
		}
	}
}

// fieldPaths lists the leaf fields of a struct type by JSON name, descending into pointers to
// structs.
func fieldPaths(typ reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name := prefix + jsonName(f)
		ft := f.Type
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
			out = append(out, fieldPaths(ft.Elem(), name+".")...)
			continue
		}
		out = append(out, name)
	}
	return out
}

func collectFilled(v reflect.Value, prefix string, filled map[string]bool) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name := prefix + jsonName(f)
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct {
			if !fv.IsNil() {
				collectFilled(fv.Elem(), name+".", filled)
			}
			continue
		}
		if !fv.IsZero() {
			filled[name] = true
		}
	}
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
