package child

import (
	"reflect"
	"strconv"
	"testing"
)

// fill sets every field of the value v points to, recursively, to something that is not zero
// and differs from field to field.
func fill(v reflect.Value, n *int) {
	switch v.Kind() {
	case reflect.String:
		*n++
		v.SetString("v" + strconv.Itoa(*n))
	case reflect.Int32, reflect.Int, reflect.Int64:
		*n++
		v.SetInt(int64(20000 + *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		*n++
		v.Set(reflect.ValueOf([]string{"s" + strconv.Itoa(*n), "", "t"}))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	}
}

// TestFactsCoverEveryField: the facts of a record with every field set are the record without
// identity, exactly. A field added to Record fails here until the facts carry it or
// WithoutIdentity drops it as identifying.
func TestFactsCoverEveryField(t *testing.T) {
	var full Record
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	want := full.WithoutIdentity()
	var got Record
	if err := DecodeFacts(full.AppendFacts(nil), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("facts of a full record:\n%+v\nwant\n%+v", got, want)
	}
}

// TestFactsRoundTrip: absent, false and empty answers stay what they were (nil is not false, an
// unknown set is not an empty one), for a table of records.
func TestFactsRoundTrip(t *testing.T) {
	no := Bool(false)
	tests := []Record{
		{},
		{Sex: "1", BirthDate: NewDate(2015, 3, 10), Health: []string{}, DisabilityTypes: nil, Boarding: no},
		{HukouAddress: &Address{}, ResidenceAddr: &Address{RegionCode: "150302003012"},
			Father: &Parent{MigrantWorker: no}, Mother: &Parent{}, Caregiver: &Caregiver{Present: no},
			HelpRequested: &HelpRequest{}, Rehabilitation: &Rehabilitation{}, OtherGuardian: &Guardian{},
			FamilyHardship: []string{"a", "b"}, Assistance: []string{}, BirthDate: NewDate(1999, 12, 31)},
		{Name: "王小明", IDNumber: "150302201503100012", SchoolName: "第三小学", HukouAddress: &Address{RegionCode: "150304", Detail: "某街1号"},
			Father: &Parent{Name: "王大", Phone: "13800000000", WorkRegionCode: "440300", WorkSince: NewDate(2020, 1, 1)}},
	}
	for i, r := range tests {
		b := r.AppendFacts(nil)
		var got Record
		if err := DecodeFacts(b, &got); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if want := r.WithoutIdentity(); !reflect.DeepEqual(got, want) {
			t.Errorf("%d: got\n%+v\nwant\n%+v", i, got, want)
		}
	}
}

// FuzzDecodeFacts: any input decodes or is refused, never a panic; what decodes encodes back
// to facts that decode to the same record.
func FuzzDecodeFacts(f *testing.F) {
	var full Record
	n := 0
	fill(reflect.ValueOf(&full).Elem(), &n)
	f.Add(full.AppendFacts(nil))
	f.Add([]byte{factsVersion})
	f.Add([]byte{factsVersion, tagFather, subWorkSince, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if DecodeFacts(b, &r) != nil {
			return
		}
		var again Record
		if err := DecodeFacts(r.AppendFacts(nil), &again); err != nil || !reflect.DeepEqual(again, r) {
			t.Errorf("re-encoded facts decode to %+v, %v; want %+v", again, err, r)
		}
	})
}

// TestFactsDecoderShares: a decoder gives the records of many facts the same values as
// DecodeFacts, sharing the strings they repeat.
func TestFactsDecoderShares(t *testing.T) {
	var d FactsDecoder
	r := Record{Sex: "1", ResidenceAddr: &Address{RegionCode: "150302003012"}, Health: []string{"healthy"}, Father: &Parent{Capacity: "capable"}}
	b := r.AppendFacts(nil)
	var a, c Record
	if err := d.Decode(b, &a); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(b, &c); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, r) || !reflect.DeepEqual(c, r) {
		t.Fatalf("decoded %+v and %+v, want %+v", a, c, r)
	}
	if unsafeData(a.ResidenceAddr.RegionCode) != unsafeData(c.ResidenceAddr.RegionCode) {
		t.Error("the decoder did not share the division code between the two records")
	}
}
