package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/campaign"
	"guanai/internal/child"
)

// Periodic bulletins (定期调度通报, 保障措施（二）, docs/releases.md): once a period (a month, on a
// configurable day) the server issues, for every campaign, a numbered bulletin of its progress on
// that day — completion by district, township and department, the overdue items — with the key
// figures and their change since the campaign's previous bulletin. A bulletin holds aggregates
// only and never changes; oversight and everyone who follows the campaign read it.

// BulletinFigures are a bulletin's key figures.
type BulletinFigures struct {
	Registered   int64    `json:"registered"`
	Submitted    int64    `json:"submitted"`
	Approved     int64    `json:"approved"`
	Uploaded     int64    `json:"uploaded"`
	Pending      int64    `json:"pending"` // draft or returned
	EntryRate    *float64 `json:"entry_rate"`
	ApprovalRate *float64 `json:"approval_rate"`
	UploadRate   *float64 `json:"upload_rate"`
	Overdue      int      `json:"overdue"`
	LeadsOpen    *int64   `json:"leads_open,omitempty"`
}

func figuresOf(r *campaign.Report) BulletinFigures {
	t := r.Total
	f := BulletinFigures{Registered: t.Registered, Submitted: t.Submitted, Approved: t.Approved, Uploaded: t.Uploaded,
		Pending: t.Draft + t.Returned, EntryRate: t.EntryRate, ApprovalRate: t.ApprovalRate, UploadRate: t.UploadRate, Overdue: len(r.Overdue)}
	if t.Leads != nil && t.LeadsVisited != nil {
		open := *t.Leads - *t.LeadsVisited
		f.LeadsOpen = &open
	}
	return f
}

// Bulletin is an issued bulletin.
type Bulletin struct {
	Number       string           `json:"number"`
	Seq          int              `json:"seq"`
	CampaignUID  string           `json:"campaign_uid"`
	CampaignName string           `json:"campaign_name"`
	Region       string           `json:"region"`
	Period       string           `json:"period"`
	AsOf         child.Date       `json:"as_of"`
	CreatedAt    time.Time        `json:"created_at"`
	CreatedBy    string           `json:"created_by"`
	Figures      BulletinFigures  `json:"figures"`
	Previous     *BulletinFigures `json:"previous,omitempty"` // the campaign's previous bulletin's figures
	PreviousNo   string           `json:"previous_number,omitempty"`
	// Report is the progress report printed (Get only).
	Report *campaign.Report `json:"-"`
}

// IssueBulletins issues the bulletins due on today: for every campaign started by then, one for
// the current month once today's day of the month has reached day (1–28). A bulletin already
// issued for the period is kept. The server's job calls it daily; it answers the numbers issued.
func (s *Store) IssueBulletins(ctx context.Context, today child.Date, day int) ([]string, error) {
	if err := wholeOnly(ctx, "定期通报由系统按期生成"); err != nil {
		return nil, err
	}
	if day < 1 || day > 28 {
		return nil, errInvalid("通报日应为每月 1–28 日")
	}
	ds := today.String()
	if len(ds) < 10 {
		return nil, errInvalid("日期无效")
	}
	var dom int
	fmt.Sscanf(ds[8:10], "%d", &dom)
	if dom < day {
		return nil, nil
	}
	period := ds[:7]
	cs, err := s.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var issued []string
	for _, c := range cs {
		if c.StartsOn > today {
			continue
		}
		var n int
		if err := s.queryRow(ctx, "SELECT COUNT(*) FROM bulletins WHERE campaign_id = ? AND period = ?", c.ID, period).Scan(&n); err != nil {
			return issued, internal("读取通报", err)
		}
		if n > 0 {
			continue
		}
		rep, err := s.CampaignProgressOf(ctx, c.UID, today)
		if err != nil {
			return issued, err
		}
		figs, _ := json.Marshal(figuresOf(rep))
		body, err := json.Marshal(rep)
		if err != nil {
			return issued, err
		}
		actor := auth.ActorOf(ctx)
		var number string
		err = s.inTx(ctx, "生成通报", func(t *tx) error {
			var seq int
			if err := t.queryRow("SELECT COUNT(*) FROM bulletins WHERE campaign_id = ?", c.ID).Scan(&seq); err != nil {
				return err
			}
			seq++
			number = fmt.Sprintf("TB%s-%d-%02d", strings.ReplaceAll(period, "-", ""), c.ID, seq)
			if _, err := t.exec(`INSERT INTO bulletins (number, seq, campaign_id, region, period, as_of, figures, report, created_at, created_by)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, period) DO NOTHING`, number, seq, c.ID, c.Region, period, int64(today),
				string(figs), string(body), s.d.timeArg(s.instant()), actor); err != nil {
				return err
			}
			return s.appendAudit(t, audit.BulletinIssue, "bulletin:"+number, map[string]any{"campaign": c.UID, "period": period, "seq": seq})
		})
		if err != nil {
			return issued, err
		}
		issued = append(issued, number)
	}
	return issued, nil
}

const bulletinSelect = `SELECT b.id, b.number, b.seq, c.uid, c.name, b.region, b.period, b.as_of, b.created_at, b.created_by, b.figures,
 (SELECT p.figures FROM bulletins p WHERE p.campaign_id = b.campaign_id AND p.seq = b.seq - 1),
 (SELECT p.number FROM bulletins p WHERE p.campaign_id = b.campaign_id AND p.seq = b.seq - 1)
 FROM bulletins b JOIN campaigns c ON c.id = b.campaign_id`

func scanBulletin(scan func(...any) error, extra ...any) (*Bulletin, error) {
	var b Bulletin
	var id, asOf int64
	var figs string
	var prev, prevNo sql.NullString
	dest := append([]any{&id, &b.Number, &b.Seq, &b.CampaignUID, &b.CampaignName, &b.Region, &b.Period, &asOf, scanTime{&b.CreatedAt},
		&b.CreatedBy, &figs, &prev, &prevNo}, extra...)
	if err := scan(dest...); err != nil {
		return nil, err
	}
	b.AsOf, b.PreviousNo = child.Date(asOf), prevNo.String
	if err := json.Unmarshal([]byte(figs), &b.Figures); err != nil {
		return nil, err
	}
	if prev.Valid {
		b.Previous = &BulletinFigures{}
		if err := json.Unmarshal([]byte(prev.String), b.Previous); err != nil {
			return nil, err
		}
	}
	return &b, nil
}

// Bulletins lists, newest first, the bulletins of the campaigns the reader follows.
func (s *Store) Bulletins(ctx context.Context) ([]*Bulletin, error) {
	p, err := gate(ctx, "您的角色不能查看通报", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, bulletinSelect+" ORDER BY b.id DESC LIMIT 500")
	if err != nil {
		return nil, internal("读取通报", err)
	}
	defer rows.Close()
	out := []*Bulletin{}
	for rows.Next() {
		b, err := scanBulletin(rows.Scan)
		if err != nil {
			return nil, internal("读取通报", err)
		}
		if campaignVisible(p, b.Region) {
			out = append(out, b)
		}
	}
	return out, internal("读取通报", rows.Err())
}

// GetBulletin returns a bulletin with the report it printed.
func (s *Store) GetBulletin(ctx context.Context, number string) (*Bulletin, error) {
	p, err := gate(ctx, "您的角色不能查看通报", auth.PermStatsRead)
	if err != nil {
		return nil, err
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	var body string
	b, err := scanBulletin(s.queryRow(ctx, strings.Replace(bulletinSelect, " FROM bulletins b", ", b.report FROM bulletins b", 1)+" WHERE b.number = ?", number).Scan, &body)
	notFound := &Error{Code: CodeNotFound, Message: "没有编号为 " + number + " 的通报"}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, internal("读取通报", err)
	}
	if !campaignVisible(p, b.Region) {
		return nil, notFound
	}
	b.Report = &campaign.Report{}
	return b, internal("读取通报", json.Unmarshal([]byte(body), b.Report))
}
