package web

import (
	"bytes"
	"net/http"

	"guanai/internal/campaign"
	"guanai/internal/child"
	"guanai/internal/stats"
)

// Campaigns (摸排工作调度) and data quality. A campaign is deployed by civil affairs (the
// permission to review records); everyone who reads statistics follows its progress.

func (s *Server) campaignRoutes() {
	s.handle("GET /api/v1/campaigns", s.listCampaigns)
	s.handle("POST /api/v1/campaigns", s.createCampaign)
	s.handle("GET /api/v1/campaigns/{uid}", s.getCampaign)
	s.handle("GET /api/v1/campaigns/{uid}/progress", s.campaignProgress)
}

// campaignJSON is a campaign as the API shows it.
type campaignJSON struct {
	campaign.Campaign
	RegionName string `json:"region_name"`
	CreatedAt  string `json:"created_at"`
}

func (s *Server) campaignOut(c *campaign.Campaign) campaignJSON {
	return campaignJSON{Campaign: *c, RegionName: s.Regions.FullName(c.Region), CreatedAt: c.CreatedAt.In(chinaTime).Format("2006-01-02 15:04:05")}
}

// GET /api/v1/campaigns
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Figures.Campaigns(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]campaignJSON, 0, len(cs))
	for i := range cs {
		out = append(out, s.campaignOut(&cs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// POST /api/v1/campaigns {"name", "region", "starts_on", "note", "deadlines": [{"phase", "region", "deadline"}]}
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name      string              `json:"name"`
		Region    string              `json:"region"`
		StartsOn  child.Date          `json:"starts_on"`
		Note      string              `json:"note"`
		Deadlines []campaign.Deadline `json:"deadlines"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Figures.CreateCampaign(r.Context(), actor(r), campaign.Campaign{Name: in.Name, Region: in.Region,
		StartsOn: in.StartsOn, Note: in.Note, Deadlines: in.Deadlines})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.campaignOut(c))
}

// GET /api/v1/campaigns/{uid}
func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.Figures.GetCampaign(r.Context(), r.PathValue("uid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.campaignOut(c))
}

// GET /api/v1/campaigns/{uid}/progress?as_of=&format=json|xlsx: completion by district and
// township, departments' rosters, overdue items; xlsx is the progress bulletin (通报).
func (s *Server) campaignProgress(w http.ResponseWriter, r *http.Request) {
	asOf := s.Today()
	if a := r.URL.Query().Get("as_of"); a != "" {
		d, _, err := child.ParseDate(a)
		if err != nil {
			s.fail(w, r, &Error{Code: "bad_request", Message: "as_of “" + a + "”不是有效的日期，应为 YYYY-MM-DD"})
			return
		}
		asOf = d
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		s.fail(w, r, &Error{Code: "bad_request", Message: "format 只能是 json 或 xlsx"})
		return
	}
	p, err := s.Figures.CampaignProgressOf(r.Context(), r.PathValue("uid"), asOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format != "xlsx" {
		out := map[string]any{"campaign": s.campaignOut(p.Campaign), "as_of": p.AsOf, "total": p.Total,
			"districts": p.Districts, "townships": p.Townships, "departments": p.Departments, "overdue": p.Overdue}
		if len(p.Missing) > 0 {
			out["missing"] = p.Missing
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	var buf bytes.Buffer
	if err := stats.WriteBulletinXLSX(&buf, p); err != nil {
		s.fail(w, r, err)
		return
	}
	writeXLSX(w, "进度通报_"+p.Campaign.Name+"_"+p.AsOf+".xlsx", buf.Bytes())
}

// GET /api/v1/stats/quality?region=: completeness by township, warnings by kind, duplicates and
// reviews waiting.
func (s *Server) statsQuality(w http.ResponseWriter, r *http.Request) {
	code, err := s.statsRegion(r, r.URL.Query().Get("region"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.Figures.DataQuality(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}
