package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"guanai/internal/child"
	"guanai/internal/idcard"
)

// benchInput returns n JSON lines of full, varied synthetic records (about 900 bytes each).
func benchInput(n int) []byte {
	var buf bytes.Buffer
	counties := []string{"150302", "150303", "150304", "640104", "152921"}
	for i := range n {
		y, m, d := 2010+i%15, 1+i%12, 1+i%28
		first17 := fmt.Sprintf("%s%04d%02d%02d%03d", counties[i%3], y, m, d, i%1000)
		id := first17 + string(idcard.CheckDigit(first17))
		sex := "1"
		if (i%1000)%2 == 0 {
			sex = "2"
		}
		fmt.Fprintf(&buf, `{"ref":"r%d","name":"张小明","sex":"%s","birth_date":"%04d-%02d-%02d","ethnicity":"01","id_number":"%s","hukou_registered":true,`+
			`"hukou_address":{"region_code":"%s001","detail":"解放路%d号"},"residence_address":{"region_code":"%s002","detail":"新华街%d号"},`+
			`"co_residents":"one_parent","residence_registration":"residence_permit","housing":"rented","left_hukou_date":"2023-0%d-15",`+
			`"guardianship_quality":"good","guardianship_issue":"none","school_stage":"primary","school_name":"乌海市第一小学","study_status":"enrolled","boarding":false,`+
			`"health":["healthy"],"health_mgmt_0_6":"not_applicable","medical_insurance":"residence_place","disability_types":[],`+
			`"father":{"name":"张强","phone":"13812345678","migrant_worker":true,"work_region_code":"110105","work_since":"2022-03-01","capacity":"capable"},`+
			`"mother":{"name":"王丽","phone":"0473-1234567","migrant_worker":%v,"work_region_code":"110105","work_since":"2022-03-01","capacity":"capable"},`+
			`"family_hardship":[],"assistance":[],"vagrant":false,"help_requested":{"requested":false},"collection_method":"home_visit","report_date":"2025-06-01"}`+"\n",
			i, sex, y, m, d, id, counties[i%5], i%100, counties[(i+1)%5], i%50, 1+i%9, i%2 == 0)
	}
	return buf.Bytes()
}

// BenchmarkClassifyStream measures guanai classify end to end in process: decoding, validation,
// rules, reasons and output, on all cores.
func BenchmarkClassifyStream(b *testing.B) {
	in := benchInput(20000)
	c := &Classifier{AsOf: child.NewDate(2025, 6, 30), Workers: runtime.GOMAXPROCS(0)}
	c.Config.AgeLimit, c.Config.MigrantMonths, c.Config.LeftBehindMonths = 16, 6, 6
	c.Options.Today = c.AsOf
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.Stream(context.Background(), bytes.NewReader(in), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*20000/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkClassifyLine measures one record on one core.
func BenchmarkClassifyLine(b *testing.B) {
	in := bytes.SplitN(benchInput(1), []byte("\n"), 2)[0]
	c := &Classifier{AsOf: child.NewDate(2025, 6, 30)}
	c.Config.AgeLimit, c.Config.MigrantMonths, c.Config.LeftBehindMonths = 16, 6, 6
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		out = c.classifyLine(out[:0], 1, in, false)
	}
}
