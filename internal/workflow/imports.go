// Package workflow holds the use cases of the registry that the command line and the API share,
// in one copy: importing registration forms and department rosters (the file read row by row,
// written in chunks, the summary of CONTRACT.md, the rejected rows written back from the
// store), and the views of import batches, review pairs, home-visit leads and discrepancy
// reports that both print. Who acts is the principal in the context: the store checks it,
// bounds every read by its jurisdiction and department, and writes the trail
// (docs/security.md); this package decides nothing about access.
package workflow

import (
	"context"
	"errors"
	"io"
	"strings"

	"guanai/internal/child"
	"guanai/internal/roster"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// Phases of an import, for Progress.
const (
	PhaseRead  = "read"  // reading, checking and writing registration forms
	PhaseMatch = "match" // reading a roster's rows, matching them with the registry and writing them
	PhaseWrite = "write" // closing the import
)

// Progress is told how an import goes; nil tells nobody. The web layer streams it to the
// browser; the command line prints it every few seconds.
type Progress interface {
	// Begin starts a phase; total is the number of rows when known, else 0.
	Begin(phase string, total int)
	// Step says how many rows are done.
	Step(rows int)
}

// MaxListed bounds the errors and warnings a summary lists; its counts stay exact.
const MaxListed = 1000

// chunk is the number of rows of registration forms handed to the store at a time.
const chunk = 500

// Summary is what an import did: the JSON of guanai import (CONTRACT.md) and of the upload
// routes. The counts are exact; Errors and Warnings list at most MaxListed.
type Summary struct {
	DryRun    bool            `json:"dry_run,omitempty"`
	File      string          `json:"file,omitempty"`
	Format    string          `json:"format,omitempty"`
	Rows      int             `json:"rows"`
	Imported  int             `json:"imported"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rejected  int             `json:"rejected"`
	Batch     string          `json:"batch,omitempty"`
	Errors    []sheet.Problem `json:"errors"`
	Warnings  []sheet.Problem `json:"warnings"`
	// RejectsFile is where the command line wrote the rejected rows; RejectsURL where the API
	// offers them.
	RejectsFile string `json:"rejects_file,omitempty"`
	RejectsURL  string `json:"rejects_url,omitempty"`
}

// RosterSummary is a roster import's Summary with what matching adds. Imported counts the rows
// no earlier import of the department held; Updated the rows that changed a child's record;
// Unchanged the linked rows that changed nothing.
type RosterSummary struct {
	Summary
	Department    string `json:"department"`
	Review        int    `json:"review"`
	Unmatched     int    `json:"unmatched"`
	Failed        int    `json:"failed"`
	Leads         int    `json:"leads"`
	Discrepancies int    `json:"discrepancies"`
	// Verification is the progress of the verification list the rows' tokens belong to.
	Verification *store.VerificationProgress `json:"verification,omitempty"`
}

// list appends problems to dst up to MaxListed.
func list(dst *[]sheet.Problem, ps []sheet.Problem) {
	if room := MaxListed - len(*dst); room > 0 {
		*dst = append(*dst, ps[:min(room, len(ps))]...)
	}
}

// Store is what the imports need of the store.
type Store interface {
	BeginImport(ctx context.Context, actor string, opt store.ImportOptions) (*store.Import, error)
	ImportRosterFrom(ctx context.Context, actor string, opt store.RosterOptions, src store.RosterSource, each func(store.RosterOutcome)) (store.RosterResult, error)
	ImportBatch(ctx context.Context, uid string) (*store.Batch, error)
	ImportRejects(ctx context.Context, batch string) ([]store.RejectedRow, error)
	RosterRejects(ctx context.Context, batch string) ([]store.RejectedRow, error)
}

// Imports runs the imports over a store.
type Imports struct {
	Store Store
}

// ChildrenInput describes an import of registration forms.
type ChildrenInput struct {
	File   string // the file's name, for the batch and the summary
	SHA256 string // hex digest of the file
	// Status is the status of the records created: store.StatusDraft (default) or
	// store.StatusSubmitted.
	Status string
	// DryRun reads and checks every row and changes nothing (the preview of the import page).
	DryRun bool
}

// Children imports the rows of rd (an opened workbook of the registration template) chunk by
// chunk. A row with errors is rejected and kept in the store with its cells (Rejects gives them
// back); a failure — of the file, of the database, or the end of ctx when the client leaves —
// marks the batch failed and returns the error, the chunks written before it staying, audited.
func (im *Imports) Children(ctx context.Context, rd *sheet.Reader, in ChildrenInput, p Progress) (Summary, error) {
	out := Summary{DryRun: in.DryRun, File: in.File, Format: rd.Format(), Errors: []sheet.Problem{}, Warnings: append([]sheet.Problem{}, rd.Warnings()...)}
	begin(p, PhaseRead, 0)
	if in.DryRun {
		return out, preview(ctx, rd, &out, p)
	}
	if in.Status == "" {
		in.Status = store.StatusDraft
	}
	imp, err := im.Store.BeginImport(ctx, "", store.ImportOptions{Roster: in.File, FileSHA256: in.SHA256, Headers: rd.Header(), Status: in.Status})
	if err != nil {
		return out, err
	}
	rows := make([]store.ImportRow, 0, chunk)
	problems := make(map[int][]sheet.Problem, chunk) // the rejected rows' errors as the reader named them
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		outcomes, err := imp.Add(ctx, rows)
		if err != nil {
			return err
		}
		for _, o := range outcomes {
			if o.Outcome != store.OutcomeRejected {
				continue
			}
			if ps, ok := problems[o.Row]; ok {
				list(&out.Errors, ps)
				continue
			}
			// Refused by the store (outside the jurisdiction, contradicting an earlier row).
			for _, e := range o.Errors {
				list(&out.Errors, []sheet.Problem{{Row: o.Row, Column: sheet.ColumnLabel(e.Field), Field: e.Field, Code: e.Code, Message: e.Message}})
			}
		}
		rows = rows[:0]
		clear(problems)
		return nil
	}
	fail := func(err error) (Summary, error) {
		_ = imp.Fail(context.WithoutCancel(ctx))
		return out, err
	}
	read := 0
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		read++
		step(p, read)
		list(&out.Warnings, row.Warnings())
		if len(row.Issues.Errors) > 0 {
			problems[row.Number] = row.Errors()
		}
		rows = append(rows, store.ImportRow{Row: row.Number, Record: row.Record, Issues: row.Issues, Cells: row.Cells})
		if len(rows) == chunk {
			if err := flush(); err != nil {
				return fail(err)
			}
		}
	}
	if err := flush(); err != nil {
		return fail(err)
	}
	begin(p, PhaseWrite, read)
	res, err := imp.Finish(ctx)
	if err != nil {
		return fail(err)
	}
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	return out, nil
}

// preview reads every row and counts what would be rejected for its own errors, and the rows
// the principal could not see once written. Rows that only the registry can refuse (a later row
// contradicting an earlier one about the same child) are found on the real import.
func preview(ctx context.Context, rd *sheet.Reader, out *Summary, p Progress) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		out.Rows++
		step(p, out.Rows)
		list(&out.Warnings, row.Warnings())
		e := row.Errors()
		if len(e) == 0 && store.OutOfScope(ctx, &row.Record) {
			e = []sheet.Problem{{Row: row.Number, Column: sheet.ColumnLabel("residence_address.region_code"), Field: "residence_address.region_code",
				Code: "out_of_scope", Message: "现居住地和户籍地都不在您的辖区内"}}
		}
		if len(e) > 0 {
			out.Rejected++
			list(&out.Errors, e)
		} else {
			out.Imported++
		}
	}
}

// RosterInput describes an import of a department's roster.
type RosterInput struct {
	File       string
	SHA256     string
	Department *roster.Department
	RosterDate child.Date // default today
	// Threshold and ReviewBand are the match probabilities from which a row is linked and kept
	// for review (0: the defaults).
	Threshold, ReviewBand float64
}

// readerSource streams a roster file's rows to the store, noting the problems of each as it goes.
type readerSource struct {
	ctx  context.Context
	rd   *roster.Reader
	out  *RosterSummary
	p    Progress
	read int
}

func (r *readerSource) Next() (store.RosterRow, error) {
	if err := r.ctx.Err(); err != nil {
		return store.RosterRow{}, err
	}
	row, err := r.rd.Next()
	if err != nil {
		return store.RosterRow{}, err
	}
	r.read++
	step(r.p, r.read)
	list(&r.out.Warnings, row.Warnings())
	if !row.Issues.Valid() {
		list(&r.out.Errors, row.Errors())
	}
	return store.RosterRow{Row: row.Number, Record: row.Record, Issues: row.Issues, Cells: row.Cells}, nil
}

// Roster imports a department's roster from rd, streamed: each row is matched with the registry
// and applied as it is read (store.ImportRosterFrom), so that memory does not grow with the file.
// The summary lists the rows rejected for their own errors and those whose record could not be
// saved; the rejected rows stay in the store (Rejects). A failure marks the batch failed.
func (im *Imports) Roster(ctx context.Context, rd *roster.Reader, in RosterInput, p Progress) (RosterSummary, error) {
	out := RosterSummary{Summary: Summary{File: in.File, Errors: []sheet.Problem{}, Warnings: append([]sheet.Problem{}, rd.Warnings()...)},
		Department: in.Department.Code}
	begin(p, PhaseMatch, 0)
	src := &readerSource{ctx: ctx, rd: rd, out: &out, p: p}
	res, err := im.Store.ImportRosterFrom(ctx, "", store.RosterOptions{Department: in.Department.Code, Roster: in.File, RosterDate: in.RosterDate,
		FileSHA256: in.SHA256, Headers: rd.Header(), Threshold: in.Threshold, ReviewBand: in.ReviewBand}, src, func(o store.RosterOutcome) {
		if o.Outcome == store.RosterFailed {
			for _, e := range o.Errors {
				list(&out.Errors, []sheet.Problem{{Row: o.Row, Field: e.Field, Code: e.Code, Message: e.Message}})
			}
		}
	})
	if err != nil {
		return out, err
	}
	begin(p, PhaseWrite, src.read)
	out.Rows, out.Imported, out.Updated, out.Unchanged, out.Rejected, out.Batch = res.Rows, res.Imported, res.Updated, res.Unchanged, res.Rejected, res.Batch
	out.Review, out.Unmatched, out.Failed, out.Leads, out.Discrepancies = res.Review, res.Unmatched, res.Failed, res.Leads, res.Discrepancies
	out.Verification = res.Verification
	if v := res.Verification; v != nil {
		// Tokens that could not be used are warnings of their rows like any other.
		for _, w := range v.Warnings {
			list(&out.Warnings, []sheet.Problem{{Row: w.Row, Column: "核查编号", Code: w.Code, Message: w.Message}})
		}
	}
	return out, nil
}

// Rejected is the rejected rows of a batch as they go back to the one who imported the file:
// its header, its rows with a column 错误原因, and a name for the file.
type Rejected struct {
	Batch  *store.Batch
	Header []string
	Rows   []sheet.RejectRow
	Name   string // 学生名册-未导入的行 (without extension)
}

// Rejects returns the rejected rows of a batch of either kind, from the store (only the account
// that imported the file gets them, audited).
func (im *Imports) Rejects(ctx context.Context, batch string) (*Rejected, error) {
	b, err := im.Store.ImportBatch(ctx, batch)
	if err != nil {
		return nil, err
	}
	var rows []store.RejectedRow
	if b.Kind == store.ImportRoster {
		rows, err = im.Store.RosterRejects(ctx, batch)
	} else {
		rows, err = im.Store.ImportRejects(ctx, batch)
	}
	if err != nil {
		return nil, err
	}
	out := &Rejected{Batch: b, Header: b.Headers, Rows: make([]sheet.RejectRow, len(rows))}
	for i, rr := range rows {
		out.Rows[i] = sheet.RejectRow{Number: rr.Row, Cells: rr.Cells, Reason: joinIssues(rr.Errors)}
	}
	base := strings.TrimSuffix(b.Roster, extOf(b.Roster))
	if base == "" {
		base = map[string]string{store.ImportRoster: "名册"}[b.Kind]
		if base == "" {
			base = "导入"
		}
	}
	out.Name = base + "-未导入的行"
	return out, nil
}

// WriteRejects writes the rejected rows as a workbook or CSV with their reasons.
func (r *Rejected) Write(w io.Writer, format sheet.Format) error {
	return sheet.WriteRejects(w, r.Header, r.Rows, sheet.WriteOptions{Format: format})
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name[i:], "/\\") {
		return name[i:]
	}
	return ""
}

// joinIssues joins the messages of a row's errors, each once, naming its column where the
// message does not.
func joinIssues(is []child.Issue) string {
	seen := make(map[string]bool, len(is))
	var msgs []string
	for _, e := range is {
		m := e.Message
		if col := sheet.ColumnLabel(e.Field); col != "" && !strings.Contains(m, col) {
			m = col + "：" + m
		}
		if !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	return strings.Join(msgs, "；")
}

func begin(p Progress, phase string, total int) {
	if p != nil {
		p.Begin(phase, total)
	}
}

func step(p Progress, rows int) {
	if p != nil {
		p.Step(rows)
	}
}
