package stats

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"guanai/internal/campaign"
	"guanai/internal/child"
)

// WriteBulletinXLSX writes the progress bulletin (摸排工作进度通报) of a campaign: a title with
// the as-of date, the campaign's deadlines, the progress by district and by township (records
// registered, submitted, approved, uploaded and the rates; leads and rosters when the roster
// tables exist), the departments' rosters, and the overdue items.
func WriteBulletinXLSX(w io.Writer, p *campaign.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f}
	if err := x.styles(); err != nil {
		return err
	}
	asOf := p.AsOf
	if d, _, err := child.ParseDate(p.AsOf); err == nil {
		asOf = d.Chinese()
	}
	rosters := p.Total.Leads != nil
	header := []string{"地区", "区划代码", "登记记录", "开始后新登记", "草稿", "退回", "已提交", "已审核", "已上报", "录入完成率（%）", "审核通过率（%）", "上报率（%）"}
	if rosters {
		header = append(header, "入户核查线索", "已走访", "部门名单行数", "已比对上")
	}
	header = append(header, "逾期阶段")
	row := func(pr *campaign.Progress) []any {
		rate := func(v *float64) any {
			if v == nil {
				return "—"
			}
			return *v
		}
		out := []any{pr.RegionName, pr.Region, pr.Registered, pr.NewSince, pr.Draft, pr.Returned, pr.Submitted, pr.Approved, pr.Uploaded,
			rate(pr.EntryRate), rate(pr.ApprovalRate), rate(pr.UploadRate)}
		if rosters {
			out = append(out, *pr.Leads, *pr.LeadsVisited, *pr.RosterRows, *pr.RosterMatched)
		}
		late := ""
		for i, ph := range pr.Overdue {
			if i > 0 {
				late += "、"
			}
			late += campaign.PhaseLabel(ph)
		}
		return append(out, late)
	}
	sheets := []struct {
		name string
		rows []campaign.Progress
	}{{"分区县", p.Districts}, {"分乡镇街道", p.Townships}}
	first := true
	for _, sh := range sheets {
		name := sh.name
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		r := 1
		title := p.Campaign.Name + "进度通报（" + sh.name + "）"
		f.SetCellValue(name, cellName(1, r), title)
		f.MergeCell(name, cellName(1, r), cellName(len(header), r))
		f.SetCellStyle(name, cellName(1, r), cellName(1, r), x.title)
		r++
		for _, line := range []string{
			"截至：" + asOf,
			"工作区划：" + p.Total.RegionName + "（" + p.Total.Region + "）",
			fmt.Sprintf("截止日期：数据采集 %s，数据录入 %s，比对核实 %s（各地另有规定的见逾期事项）",
				p.Total.Deadlines[campaign.PhaseCollection], p.Total.Deadlines[campaign.PhaseEntry], p.Total.Deadlines[campaign.PhaseVerification]),
		} {
			f.SetCellValue(name, cellName(1, r), line)
			f.SetCellStyle(name, cellName(1, r), cellName(1, r), x.meta)
			r++
		}
		r++
		for j, h := range header {
			f.SetCellValue(name, cellName(j+1, r), h)
		}
		f.SetCellStyle(name, cellName(1, r), cellName(len(header), r), x.header)
		r++
		all := append(append([]campaign.Progress{}, sh.rows...), p.Total)
		all[len(all)-1].RegionName = "合计"
		for _, pr := range all {
			for j, v := range row(&pr) {
				f.SetCellValue(name, cellName(j+1, r), v)
				st := x.number
				if j < 2 || j == len(header)-1 {
					st = x.label
				}
				f.SetCellStyle(name, cellName(j+1, r), cellName(j+1, r), st)
			}
			r++
		}
		r++
		for _, n := range []string{
			"登记记录：现居住地在工作区划内的按现居住地计，否则按户籍地计；不含已归档记录。录入完成率 =（已提交 + 已审核 + 已上报）÷ 登记记录。",
			"本通报为工作进度，不含儿童个人信息。" + SourceNote(p.AsOf),
		} {
			f.SetCellValue(name, cellName(1, r), n)
			f.SetCellStyle(name, cellName(1, r), cellName(1, r), x.note)
			r++
		}
		f.SetColWidth(name, "A", "A", 18)
		f.SetColWidth(name, "B", "B", 14)
	}
	if len(p.Departments) > 0 {
		name := "部门名单"
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		hs := []string{"部门", "名单行数", "已比对上", "入户核查线索", "已走访"}
		for j, h := range hs {
			f.SetCellValue(name, cellName(j+1, 1), h)
		}
		f.SetCellStyle(name, cellName(1, 1), cellName(len(hs), 1), x.header)
		for i, d := range p.Departments {
			for j, v := range []any{d.Label, d.Rows, d.Matched, d.Leads, d.Visited} {
				f.SetCellValue(name, cellName(j+1, i+2), v)
			}
		}
	}
	name := "逾期事项"
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	hs := []string{"地区", "区划代码", "阶段", "截止日期", "逾期天数", "情况"}
	for j, h := range hs {
		f.SetCellValue(name, cellName(j+1, 1), h)
	}
	f.SetCellStyle(name, cellName(1, 1), cellName(len(hs), 1), x.header)
	for i, o := range p.Overdue {
		for j, v := range []any{o.RegionName, o.Region, o.PhaseLabel, o.Deadline, o.DaysLate, o.Detail} {
			f.SetCellValue(name, cellName(j+1, i+2), v)
		}
	}
	if len(p.Overdue) == 0 {
		f.SetCellValue(name, "A2", "无逾期事项")
	}
	f.SetColWidth(name, "A", "A", 18)
	f.SetColWidth(name, "F", "F", 40)
	_, err := f.WriteTo(w)
	return err
}
