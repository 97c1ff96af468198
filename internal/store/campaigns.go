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
	"guanai/internal/child"
	"guanai/internal/region"
)

// Campaigns (摸排工作调度): a campaign over a division with three phases — 数据采集, 数据录入,
// 比对核实 — each with a deadline for the whole campaign and, optionally, other deadlines for
// divisions inside it. Progress is counted from the registry when asked, by district and
// township: records registered (every status but archived), submitted, approved, uploaded;
// home-visit leads and department rosters from the roster tables (migration 0004).

// Phases of a campaign, in order.
const (
	PhaseCollection   = "collection"   // 数据采集
	PhaseEntry        = "entry"        // 数据录入
	PhaseVerification = "verification" // 比对核实
)

// PhaseKeys lists the phases in order.
var PhaseKeys = []string{PhaseCollection, PhaseEntry, PhaseVerification}

// PhaseLabel gives the Chinese name of a phase.
func PhaseLabel(p string) string {
	switch p {
	case PhaseCollection:
		return "数据采集"
	case PhaseEntry:
		return "数据录入"
	case PhaseVerification:
		return "比对核实"
	}
	return p
}

// Campaign is a data-collection campaign.
type Campaign struct {
	UID       string     `json:"uid"`
	Name      string     `json:"name"`
	Region    string     `json:"region"` // natural division code
	StartsOn  child.Date `json:"starts_on"`
	Note      string     `json:"note"`
	Deadlines []Deadline `json:"deadlines"`
	CreatedAt time.Time  `json:"-"`
	CreatedBy string     `json:"created_by"`
	id        int64
}

// Deadline is the last day of a phase, for the campaign's whole region (Region "") or for one
// division inside it (overriding the campaign's there and below).
type Deadline struct {
	Phase    string     `json:"phase"`
	Region   string     `json:"region"`
	Deadline child.Date `json:"deadline"`
}

// CreateCampaign validates and stores a campaign; it returns it with its uid. The principal of
// ctx must be able to see the campaign's region.
func (s *Store) CreateCampaign(ctx context.Context, actor string, c Campaign) (*Campaign, error) {
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
		if PhaseLabel(dl.Phase) == dl.Phase {
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
			bad(f+".deadline", PhaseLabel(dl.Phase)+"的截止日期应不早于开始日期")
		}
		k := dl.Phase + "|" + c.Deadlines[i].Region
		if seen[k] {
			bad(f, PhaseLabel(dl.Phase)+"在同一区划的截止日期重复")
		}
		seen[k] = true
		if dl.Region == "" {
			has[dl.Phase] = true
		}
	}
	for _, p := range PhaseKeys {
		if !has[p] {
			bad("deadlines", "请填写全区"+PhaseLabel(p)+"阶段的截止日期")
		}
	}
	if len(issues) > 0 {
		return nil, errInvalid("摸排工作的设置有误", issues...)
	}
	now := s.instant()
	c.UID, c.CreatedAt, c.CreatedBy = newUID(now), now, actor
	err = s.inTx(ctx, "部署摸排工作", func(t *tx) error {
		if err := t.queryRow("INSERT INTO campaigns (uid, name, region, starts_on, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			c.UID, c.Name, c.Region, int64(c.StartsOn), c.Note, s.d.timeArg(now), actor).Scan(&c.id); err != nil {
			return err
		}
		for _, dl := range c.Deadlines {
			if _, err := t.exec("INSERT INTO campaign_phases (campaign_id, phase, region, deadline) VALUES (?, ?, ?, ?)",
				c.id, dl.Phase, dl.Region, int64(dl.Deadline)); err != nil {
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
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
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
	var out []Campaign
	for rows.Next() {
		var c Campaign
		var starts int64
		if err := rows.Scan(&c.id, &c.UID, &c.Name, &c.Region, &starts, &c.Note, scanTime{&c.CreatedAt}, &c.CreatedBy); err != nil {
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
		if out[i].Deadlines, err = s.deadlines(ctx, out[i].id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetCampaign returns one campaign (not_found when the principal cannot see it).
func (s *Store) GetCampaign(ctx context.Context, uid string) (*Campaign, error) {
	p, err := gate(ctx, "您的角色不能查看摸排工作", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	var c Campaign
	var starts int64
	err = s.queryRow(ctx, "SELECT id, uid, name, region, starts_on, note, created_at, created_by FROM campaigns WHERE uid = ?", uid).
		Scan(&c.id, &c.UID, &c.Name, &c.Region, &starts, &c.Note, scanTime{&c.CreatedAt}, &c.CreatedBy)
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
	if c.Deadlines, err = s.deadlines(ctx, c.id); err != nil {
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

func (s *Store) deadlines(ctx context.Context, id int64) ([]Deadline, error) {
	rows, err := s.query(ctx, "SELECT phase, region, deadline FROM campaign_phases WHERE campaign_id = ? ORDER BY region, phase", id)
	if err != nil {
		return nil, internal("读取摸排工作", err)
	}
	defer rows.Close()
	out := []Deadline{}
	for rows.Next() {
		var d Deadline
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
		return phaseIndex(out[i].Phase) < phaseIndex(out[j].Phase)
	})
	return out, rows.Err()
}

func phaseIndex(p string) int {
	for i, k := range PhaseKeys {
		if k == p {
			return i
		}
	}
	return len(PhaseKeys)
}

// DeadlineFor returns the deadline of a phase for a division: the deepest deadline set for the
// division or one above it, else the campaign's.
func (c *Campaign) DeadlineFor(phase, code string) child.Date {
	var best child.Date
	bestLen := -1
	for _, d := range c.Deadlines {
		if d.Phase == phase && strings.HasPrefix(code, d.Region) && len(d.Region) > bestLen {
			best, bestLen = d.Deadline, len(d.Region)
		}
	}
	return best
}

// Progress is one division's row of a campaign's progress.
type Progress struct {
	Region     string `json:"region_code"`
	RegionName string `json:"region_name"`
	Level      string `json:"level"` // county or township
	// Records registered (every status but archived), placed at the residence when it lies in
	// the campaign's region, else at the hukou; by status; and registered since the start.
	Registered int64 `json:"registered"`
	NewSince   int64 `json:"registered_since_start"`
	Draft      int64 `json:"draft"`
	Returned   int64 `json:"returned"`
	Submitted  int64 `json:"submitted"`
	Approved   int64 `json:"approved"`
	Uploaded   int64 `json:"uploaded"`
	// Rates (percent, two decimals; null without records): submitted or beyond (录入完成),
	// approved or uploaded (审核通过), uploaded.
	EntryRate    *float64 `json:"entry_rate"`
	ApprovalRate *float64 `json:"approval_rate"`
	UploadRate   *float64 `json:"upload_rate"`
	// Home-visit leads assigned to the division and those visited (closed); department roster
	// rows with an address in the division and those matched to a record. Nil when the roster
	// tables are missing.
	Leads         *int64 `json:"leads"`
	LeadsVisited  *int64 `json:"leads_visited"`
	RosterRows    *int64 `json:"roster_rows"`
	RosterMatched *int64 `json:"roster_matched"`
	// The division's deadlines (its own or inherited) and the phases overdue on the as-of date.
	Deadlines map[string]string `json:"deadlines"`
	Overdue   []string          `json:"overdue"`
}

// DepartmentProgress counts the rosters a department sent for the campaign's region.
type DepartmentProgress struct {
	Department string `json:"department"`
	Label      string `json:"department_label"`
	Rows       int64  `json:"roster_rows"`
	Matched    int64  `json:"roster_matched"`
	Leads      int64  `json:"leads"`
	Visited    int64  `json:"leads_visited"`
}

// OverdueItem is a phase not finished by its deadline in a division.
type OverdueItem struct {
	Region     string `json:"region_code"`
	RegionName string `json:"region_name"`
	Phase      string `json:"phase"`
	PhaseLabel string `json:"phase_label"`
	Deadline   string `json:"deadline"`
	DaysLate   int    `json:"days_late"`
	Detail     string `json:"detail"`
}

// CampaignProgress is the progress of a campaign on a date.
type CampaignProgress struct {
	Campaign    *Campaign            `json:"campaign"`
	AsOf        string               `json:"as_of"`
	Total       Progress             `json:"total"`
	Districts   []Progress           `json:"districts"`
	Townships   []Progress           `json:"townships"`
	Departments []DepartmentProgress `json:"departments"`
	Overdue     []OverdueItem        `json:"overdue"`
	// Missing names the counts left out because their tables are absent.
	Missing []string `json:"missing,omitempty"`
}

// A phase is complete in a division when: 数据采集 — the leads assigned there are all visited
// (with no leads: once anything is registered); 数据录入 — no record is left in draft or
// returned; 比对核实 — every record is approved or uploaded and every roster row is matched or
// was dealt with (no open lead).
func (p *Progress) complete(phase string) (bool, string) {
	switch phase {
	case PhaseCollection:
		if p.Leads != nil && *p.Leads > 0 {
			open := *p.Leads - *p.LeadsVisited
			return open == 0, strconv.FormatInt(open, 10) + " 条入户核查线索未走访"
		}
		return p.Registered > 0, "尚无登记记录"
	case PhaseEntry:
		n := p.Draft + p.Returned
		return p.Registered > 0 && n == 0, strconv.FormatInt(n, 10) + " 条记录未提交（草稿或退回）"
	case PhaseVerification:
		n := p.Registered - p.Approved - p.Uploaded
		return p.Registered > 0 && n == 0, strconv.FormatInt(n, 10) + " 条记录未审核通过"
	}
	return true, ""
}

// CampaignProgressOf counts a campaign's progress as of a date (the counts are those of now;
// the date decides what is overdue). The principal of ctx sees only its jurisdiction.
func (s *Store) CampaignProgressOf(ctx context.Context, uid string, asOf child.Date) (*CampaignProgress, error) {
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
	out := &CampaignProgress{Campaign: c, AsOf: asOf.String(), Districts: []Progress{}, Townships: []Progress{},
		Departments: []DepartmentProgress{}, Overdue: []OverdueItem{}}
	rowsBy := map[string]*Progress{}
	var order []string
	add := func(code string) *Progress {
		if p := rowsBy[code]; p != nil {
			return p
		}
		p := &Progress{Region: code}
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
	rollup := func(code string) []*Progress {
		var ps []*Progress
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
	finish := func(p *Progress) {
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
		for _, ph := range PhaseKeys {
			dl := c.DeadlineFor(ph, code)
			p.Deadlines[ph] = dl.String()
			done, why := p.complete(ph)
			if !done && p.Registered == 0 && (p.Leads == nil || *p.Leads == 0) && p.Region != "" && p.Region != c.Region {
				// A division where nobody is registered and no lead is open is not behind: it
				// may have no migrant or left-behind child at all.
				done = true
			}
			if !done && dl != 0 && asOf > dl {
				p.Overdue = append(p.Overdue, ph)
				out.Overdue = append(out.Overdue, OverdueItem{Region: p.Region, RegionName: p.RegionName, Phase: ph,
					PhaseLabel: PhaseLabel(ph), Deadline: dl.String(), DaysLate: int(asOf.Time().Sub(dl.Time()).Hours() / 24), Detail: why})
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

func mapValues(m map[string]*Progress) []*Progress {
	out := make([]*Progress, 0, len(m))
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
func (s *Store) rosterProgress(ctx context.Context, c *Campaign, out *CampaignProgress, rowsBy map[string]*Progress, rollup func(string) []*Progress) error {
	lo, hi := c.Region, c.Region+"~"
	zero := func(p *Progress) {
		var a, b, x, y int64
		p.Leads, p.LeadsVisited, p.RosterRows, p.RosterMatched = &a, &b, &x, &y
	}
	for _, p := range rowsBy {
		zero(p)
	}
	zero(&out.Total)
	depts := map[string]*DepartmentProgress{}
	dept := func(d string) *DepartmentProgress {
		if depts[d] == nil {
			depts[d] = &DepartmentProgress{Department: d, Label: auth.DepartmentLabel(d)}
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
