package store

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/campaign"
	"guanai/internal/child"
	"guanai/internal/region"
)

// Campaigns (摸排工作调度): a campaign over a division with three phases — 数据采集, 数据录入,
// 比对核实 — each with a deadline for the whole campaign and, optionally, other deadlines for
// divisions inside it. campaign.Progress is counted from the registry when asked, by district and
// township: records registered (every status but archived), submitted, approved, uploaded;
// home-visit leads and department rosters from the roster tables (migration 0004).

// CreateCampaign validates and stores a campaign; it returns it with its uid. The principal of
// ctx must be able to see the campaign's region.
func (s *Store) CreateCampaign(ctx context.Context, actor string, c campaign.Campaign) (*campaign.Campaign, error) {
	p, err := gate(ctx, "只有民政审核员可以部署摸排工作", auth.PermChildrenReview)
	if err != nil {
		return nil, err
	}
	actor = p.Actor()
	var issues []child.Issue
	bad := func(field, msg string) {
		issues = append(issues, child.Issue{Field: field, Code: "invalid", Message: msg})
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || len([]rune(c.Name)) > 100 {
		bad("name", "请填写工作名称（不超过 100 个字）")
	}
	tbl := region.Default()
	d, ok := tbl.Lookup(c.Region)
	if !ok {
		bad("region", "区划代码“"+c.Region+"”不在全国行政区划代码表中")
	} else {
		c.Region = d.Code
		if !p.Covers(c.Region) {
			return nil, errForbidden("只能为本辖区及其下级区划部署摸排工作")
		}
	}
	if c.StartsOn == 0 {
		bad("starts_on", "请填写开始日期")
	}
	if len([]rune(c.Note)) > 2000 {
		bad("note", "说明不超过 2000 个字")
	}
	seen := map[string]bool{}
	has := map[string]bool{}
	for i, dl := range c.Deadlines {
		f := "deadlines[" + strconv.Itoa(i) + "]"
		if campaign.PhaseLabel(dl.Phase) == dl.Phase {
			bad(f+".phase", "阶段“"+dl.Phase+"”无效，应为 collection（数据采集）、entry（数据录入）或 verification（比对核实）")
			continue
		}
		if dl.Region != "" {
			dd, ok := tbl.Lookup(dl.Region)
			if !ok || !strings.HasPrefix(dd.Code, c.Region) || dd.Code == c.Region {
				bad(f+".region", "区划“"+dl.Region+"”不是本次工作区划的下级区划")
				continue
			}
			c.Deadlines[i].Region = dd.Code
		}
		if dl.Deadline == 0 || dl.Deadline < c.StartsOn {
			bad(f+".deadline", campaign.PhaseLabel(dl.Phase)+"的截止日期应不早于开始日期")
		}
		k := dl.Phase + "|" + c.Deadlines[i].Region
		if seen[k] {
			bad(f, campaign.PhaseLabel(dl.Phase)+"在同一区划的截止日期重复")
		}
		seen[k] = true
		if dl.Region == "" {
			has[dl.Phase] = true
		}
	}
	for _, p := range campaign.PhaseKeys {
		if !has[p] {
			bad("deadlines", "请填写全区"+campaign.PhaseLabel(p)+"阶段的截止日期")
		}
	}
	if len(issues) > 0 {
		return nil, errInvalid("摸排工作的设置有误", issues...)
	}
	now := s.instant()
	c.UID, c.CreatedAt, c.CreatedBy = newUID(now), now, actor
	err = s.inTx(ctx, "部署摸排工作", func(t *tx) error {
		if err := t.queryRow("INSERT INTO campaigns (uid, name, region, starts_on, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			c.UID, c.Name, c.Region, int64(c.StartsOn), c.Note, s.d.timeArg(now), actor).Scan(&c.ID); err != nil {
			return err
		}
		for _, dl := range c.Deadlines {
			if _, err := t.exec("INSERT INTO campaign_phases (campaign_id, phase, region, deadline) VALUES (?, ?, ?, ?)",
				c.ID, dl.Phase, dl.Region, int64(dl.Deadline)); err != nil {
				return err
			}
		}
		return s.appendAudit(t, audit.CampaignCreate, "campaign:"+c.UID, map[string]any{"region": c.Region, "starts_on": c.StartsOn.String(),
			"deadlines": len(c.Deadlines)})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Campaigns lists the campaigns whose region the principal of ctx can see (or that cover it),
// newest first.
func (s *Store) Campaigns(ctx context.Context) ([]campaign.Campaign, error) {
	p, err := gate(ctx, "您的角色不能查看摸排工作", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT id, uid, name, region, starts_on, note, created_at, created_by FROM campaigns ORDER BY id DESC")
	if err != nil {
		return nil, internal("读取摸排工作", err)
	}
	var out []campaign.Campaign
	for rows.Next() {
		var c campaign.Campaign
		var starts int64
		if err := rows.Scan(&c.ID, &c.UID, &c.Name, &c.Region, &starts, &c.Note, scanTime{&c.CreatedAt}, &c.CreatedBy); err != nil {
			rows.Close()
			return nil, internal("读取摸排工作", err)
		}
		c.StartsOn = child.Date(starts)
		if !campaignVisible(p, c.Region) {
			continue
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("读取摸排工作", err)
	}
	for i := range out {
		if out[i].Deadlines, err = s.deadlines(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetCampaign returns one campaign (not_found when the principal cannot see it).
func (s *Store) GetCampaign(ctx context.Context, uid string) (*campaign.Campaign, error) {
	p, err := gate(ctx, "您的角色不能查看摸排工作", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	var c campaign.Campaign
	var starts int64
	err = s.queryRow(ctx, "SELECT id, uid, name, region, starts_on, note, created_at, created_by FROM campaigns WHERE uid = ?", uid).
		Scan(&c.ID, &c.UID, &c.Name, &c.Region, &starts, &c.Note, scanTime{&c.CreatedAt}, &c.CreatedBy)
	notFound := &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的摸排工作"}
	if errNoRows(err) {
		return nil, notFound
	}
	if err != nil {
		return nil, internal("读取摸排工作", err)
	}
	if !campaignVisible(p, c.Region) {
		return nil, notFound
	}
	c.StartsOn = child.Date(starts)
	if c.Deadlines, err = s.deadlines(ctx, c.ID); err != nil {
		return nil, err
	}
	return &c, nil
}

// campaignVisible reports whether a principal sees a campaign over region: one deployed in its
// jurisdiction, or one that covers it (a district follows the city's campaign).
func campaignVisible(p *auth.Principal, region string) bool {
	if p.Whole() {
		return true
	}
	return p.Scope != "" && (strings.HasPrefix(region, p.Scope) || strings.HasPrefix(p.Scope, region))
}

func (s *Store) deadlines(ctx context.Context, id int64) ([]campaign.Deadline, error) {
	rows, err := s.query(ctx, "SELECT phase, region, deadline FROM campaign_phases WHERE campaign_id = ? ORDER BY region, phase", id)
	if err != nil {
		return nil, internal("读取摸排工作", err)
	}
	defer rows.Close()
	out := []campaign.Deadline{}
	for rows.Next() {
		var d campaign.Deadline
		var dl int64
		if err := rows.Scan(&d.Phase, &d.Region, &dl); err != nil {
			return nil, internal("读取摸排工作", err)
		}
		d.Deadline = child.Date(dl)
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return campaign.PhaseIndex(out[i].Phase) < campaign.PhaseIndex(out[j].Phase)
	})
	return out, rows.Err()
}

// CampaignProgressOf counts a campaign's progress as of a date (the counts are those of now;
// the date decides what is overdue). The principal of ctx sees only its jurisdiction.
func (s *Store) CampaignProgressOf(ctx context.Context, uid string, asOf child.Date) (*campaign.Report, error) {
	c, err := s.GetCampaign(ctx, uid)
	if err != nil {
		return nil, err
	}
	cond, cargs, err := ScopeCondition(ctx, "", auth.PermStatsRead, auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	if err := s.Audit(ctx, "stats.read", "campaign:"+c.UID, map[string]any{"region": c.Region}); err != nil {
		return nil, err
	}
	tbl := region.Default()
	lo, hi := c.Region, c.Region+"~"
	out := &campaign.Report{Campaign: c, AsOf: asOf.String(), Districts: []campaign.Progress{}, Townships: []campaign.Progress{},
		Departments: []campaign.DepartmentProgress{}, Overdue: []campaign.OverdueItem{}}
	rowsBy := map[string]*campaign.Progress{}
	var order []string
	add := func(code string) *campaign.Progress {
		if p := rowsBy[code]; p != nil {
			return p
		}
		p := &campaign.Progress{Region: code}
		if d, ok := tbl.Lookup(code); ok {
			p.RegionName = d.Name
			p.Level = d.Level.String()
		}
		rowsBy[code] = p
		order = append(order, code)
		return p
	}
	// Every division one and two levels below the campaign's region has a row.
	for _, d := range tbl.Children(c.Region) {
		add(d.Code)
		for _, dd := range tbl.Children(d.Code) {
			add(dd.Code)
		}
	}
	rollup := func(code string) []*campaign.Progress {
		var ps []*campaign.Progress
		for _, d := range tbl.Children(c.Region) {
			if strings.HasPrefix(code, d.Code) {
				ps = append(ps, rowsBy[d.Code])
				for _, dd := range tbl.Children(d.Code) {
					if strings.HasPrefix(code, dd.Code) {
						ps = append(ps, rowsBy[dd.Code])
					}
				}
			}
		}
		return append(ps, &out.Total)
	}
	since := s.d.timeArg(time.Date(c.StartsOn.Year(), time.Month(c.StartsOn.Month()), c.StartsOn.Day(), 0, 0, 0, 0, chinaTime))
	q := "SELECT CASE WHEN res_code >= ? AND res_code < ? THEN res_code ELSE hukou_code END AS place, status, count(*)," +
		" sum(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) FROM children" +
		" WHERE status <> 'archived' AND ((res_code >= ? AND res_code < ?) OR (hukou_code >= ? AND hukou_code < ?))"
	args := []any{lo, hi, since, lo, hi, lo, hi}
	if cond != "" {
		q += " AND " + cond
		args = append(args, cargs...)
	}
	q += " GROUP BY 1, 2"
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, internal("统计摸排进度", err)
	}
	for rows.Next() {
		var place sql.NullString
		var status string
		var n, since int64
		if err := rows.Scan(&place, &status, &n, &since); err != nil {
			rows.Close()
			return nil, internal("统计摸排进度", err)
		}
		for _, p := range rollup(place.String) {
			p.Registered += n
			p.NewSince += since
			switch status {
			case "draft":
				p.Draft += n
			case "returned":
				p.Returned += n
			case "submitted":
				p.Submitted += n
			case "approved":
				p.Approved += n
			case "uploaded":
				p.Uploaded += n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("统计摸排进度", err)
	}
	if err := s.rosterProgress(ctx, c, out, rowsBy, rollup); err != nil {
		out.Missing = append(out.Missing, "leads", "roster_rows")
		for _, p := range append(mapValues(rowsBy), &out.Total) {
			p.Leads, p.LeadsVisited, p.RosterRows, p.RosterMatched = nil, nil, nil, nil
		}
	}
	finish := func(p *campaign.Progress) {
		if p.Registered > 0 {
			p.EntryRate = percentOf(p.Submitted+p.Approved+p.Uploaded, p.Registered)
			p.ApprovalRate = percentOf(p.Approved+p.Uploaded, p.Registered)
			p.UploadRate = percentOf(p.Uploaded, p.Registered)
		}
		p.Deadlines = map[string]string{}
		p.Overdue = []string{}
		code := p.Region
		if code == "" {
			code = c.Region
		}
		for _, ph := range campaign.PhaseKeys {
			dl := c.DeadlineFor(ph, code)
			p.Deadlines[ph] = dl.String()
			done, why := p.Complete(ph)
			if !done && p.Registered == 0 && (p.Leads == nil || *p.Leads == 0) && p.Region != "" && p.Region != c.Region {
				// A division where nobody is registered and no lead is open is not behind: it
				// may have no migrant or left-behind child at all.
				done = true
			}
			if !done && dl != 0 && asOf > dl {
				p.Overdue = append(p.Overdue, ph)
				out.Overdue = append(out.Overdue, campaign.OverdueItem{Region: p.Region, RegionName: p.RegionName, Phase: ph,
					PhaseLabel: campaign.PhaseLabel(ph), Deadline: dl.String(), DaysLate: int(asOf.Time().Sub(dl.Time()).Hours() / 24), Detail: why})
			}
		}
	}
	out.Total.Region, out.Total.RegionName = c.Region, tbl.FullName(c.Region)
	if d, ok := tbl.Lookup(c.Region); ok {
		out.Total.Level = d.Level.String()
	}
	for _, code := range order {
		p := rowsBy[code]
		finish(p)
		if len(code) == len(c.Region)+childDigits(c.Region) {
			out.Districts = append(out.Districts, *p)
		} else {
			out.Townships = append(out.Townships, *p)
		}
	}
	saved := out.Overdue
	out.Overdue = nil
	finish(&out.Total)
	out.Overdue = append(out.Overdue, saved...)
	sort.SliceStable(out.Overdue, func(i, j int) bool { return out.Overdue[i].Region < out.Overdue[j].Region })
	return out, nil
}

// childDigits is how many digits the level below a code adds (2 down to counties, 3 below).
func childDigits(code string) int {
	if len(code) < 6 {
		return 2
	}
	return 3
}

func mapValues(m map[string]*campaign.Progress) []*campaign.Progress {
	out := make([]*campaign.Progress, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

func percentOf(n, d int64) *float64 {
	v := float64(int64(float64(n)*10000/float64(d)+0.5)) / 100
	return &v
}

// rosterProgress adds leads and roster rows (tables of migration 0004).
func (s *Store) rosterProgress(ctx context.Context, c *campaign.Campaign, out *campaign.Report, rowsBy map[string]*campaign.Progress, rollup func(string) []*campaign.Progress) error {
	lo, hi := c.Region, c.Region+"~"
	zero := func(p *campaign.Progress) {
		var a, b, x, y int64
		p.Leads, p.LeadsVisited, p.RosterRows, p.RosterMatched = &a, &b, &x, &y
	}
	for _, p := range rowsBy {
		zero(p)
	}
	zero(&out.Total)
	depts := map[string]*campaign.DepartmentProgress{}
	dept := func(d string) *campaign.DepartmentProgress {
		if depts[d] == nil {
			depts[d] = &campaign.DepartmentProgress{Department: d, Label: auth.DepartmentLabel(d)}
		}
		return depts[d]
	}
	rows, err := s.query(ctx, "SELECT department, region_code, status, count(*) FROM leads WHERE region_code >= ? AND region_code < ? GROUP BY 1, 2, 3", lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d, code, status string
		var n int64
		if err := rows.Scan(&d, &code, &status, &n); err != nil {
			rows.Close()
			return err
		}
		for _, p := range rollup(code) {
			*p.Leads += n
			if status == "closed" {
				*p.LeadsVisited += n
			}
		}
		dept(d).Leads += n
		if status == "closed" {
			dept(d).Visited += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.query(ctx, "SELECT department, res_code, count(*), count(child_id) FROM roster_rows WHERE res_code >= ? AND res_code < ? AND outcome <> 'rejected' GROUP BY 1, 2", lo, hi)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d, code string
		var n, m int64
		if err := rows.Scan(&d, &code, &n, &m); err != nil {
			rows.Close()
			return err
		}
		for _, p := range rollup(code) {
			*p.RosterRows += n
			*p.RosterMatched += m
		}
		dept(d).Rows += n
		dept(d).Matched += m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range depts {
		out.Departments = append(out.Departments, *d)
	}
	sort.Slice(out.Departments, func(i, j int) bool { return out.Departments[i].Department < out.Departments[j].Department })
	return nil
}
