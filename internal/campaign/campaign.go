// Package campaign holds the domain of a data-collection campaign (摸排工作调度): its phases
// (数据采集, 数据录入, 比对核实) with deadlines per division, and its progress by district,
// township and department as the store counts it and the bulletin (通报) prints it. No I/O.
package campaign

import (
	"strconv"
	"strings"
	"time"

	"guanai/internal/child"
)

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
	// ID is the store's row id.
	ID int64 `json:"-"`
}

// Deadline is the last day of a phase, for the campaign's whole region (Region "") or for one
// division inside it (overriding the campaign's there and below).
type Deadline struct {
	Phase    string     `json:"phase"`
	Region   string     `json:"region"`
	Deadline child.Date `json:"deadline"`
}

// PhaseIndex is the position of a phase in PhaseKeys (len(PhaseKeys) for an unknown one).
func PhaseIndex(p string) int {
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

// Report is the progress of a campaign on a date.
type Report struct {
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

// Complete reports whether a phase is complete in the division, and why not. A phase is complete
// in a division when: 数据采集 — the leads assigned there are all visited
// (with no leads: once anything is registered); 数据录入 — no record is left in draft or
// returned; 比对核实 — every record is approved or uploaded and every roster row is matched or
// was dealt with (no open lead).
func (p *Progress) Complete(phase string) (bool, string) {
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
