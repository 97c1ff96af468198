package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
)

// National upload (上报全国儿童福利信息系统, docs/upload.md): civil affairs makes a numbered batch
// of the approved records of its jurisdiction not yet uploaded, or changed since their last
// upload, in the layouts of 附件1 (a migrant child, by the residence) and 附件2 (a left-behind
// child, by the hukou place); the records become 已上报 with the batch in the transaction that
// writes the file, audited as an export of full identity numbers. The national system's answer
// is taken back per item: accepted, or returned with a reason, which sends the record back to
// its collector (退回) and makes it due again once approved anew.

// Results of an upload item.
const (
	UploadPending  = "pending"
	UploadAccepted = "accepted"
	UploadReturned = "returned"
)

// UploadBatch is one national upload batch.
type UploadBatch struct {
	Number    string    `json:"number"`
	Region    string    `json:"region"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Records   int       `json:"records"` // distinct records
	Form1     int       `json:"form1"`   // rows of the 附件1 sheet
	Form2     int       `json:"form2"`   // rows of the 附件2 sheet
	Digest    string    `json:"digest"`  // SM3 of the file, hex
	Accepted  int       `json:"accepted"`
	Returned  int       `json:"returned"`
	Pending   int       `json:"pending"`

	id    int64
	scope string
}

// UploadEntry is one row of a batch's file: its 批次序号, its form (1 or 2) and the record.
type UploadEntry struct {
	Seq   int
	Form  int
	Child *Child
}

// UploadItem is an item of a batch as listed (masked by the caller's view).
type UploadItem struct {
	Seq        int       `json:"seq"`
	Form       int       `json:"form"`
	UID        string    `json:"uid"`
	Version    int       `json:"version"`
	Region     string    `json:"region_code"`
	Result     string    `json:"result"`
	Reason     string    `json:"reason,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	Name       string    `json:"name"`      // masked
	IDNumber   string    `json:"id_number"` // masked
}

// UploadWriter writes the file of a batch (inside the transaction that makes it, so that a
// failure leaves no batch and no record marked) and returns the file's SM3 digest.
type UploadWriter func(b *UploadBatch, form1, form2 []UploadEntry) (digest string, err error)

func uploadGate(ctx context.Context) (*auth.Principal, error) {
	p, err := gate(ctx, "")
	if err != nil {
		return nil, err
	}
	if !p.Can(auth.PermChildrenReview) || !p.Can(auth.PermChildrenExport) || !p.CivilAffairs() {
		return nil, errForbidden("只有民政审核员可以上报全国儿童福利信息系统")
	}
	if _, _, err := jurisdiction(p); err != nil {
		return nil, err
	}
	return p, nil
}

// uploadRegion is the division a batch covers: region when given (inside the jurisdiction; a
// region around it is the jurisdiction), else the jurisdiction ("" for the whole database).
func uploadRegion(p *auth.Principal, region string) (string, error) {
	if strings.TrimSpace(region) == "" {
		return p.Scope, nil
	}
	code, ok := normalizeRegion(region)
	if !ok {
		return "", errInvalid("行政区划代码“"+region+"”格式不正确", child.Issue{Field: "region", Code: "region_format", Message: "区划代码格式不正确"})
	}
	if p.Covers(code) {
		return code, nil
	}
	if strings.HasPrefix(p.Scope, code) {
		return p.Scope, nil
	}
	return "", errForbidden("区划 " + region + " 不在您的辖区内")
}

func inRegion(code, region string) bool {
	c, ok := normalizeRegion(code)
	return ok && strings.HasPrefix(c, region)
}

// CreateUploadBatch makes the next batch of region ("" the jurisdiction): every approved or
// uploaded record whose form (附件1 when it is a migrant child living in the region, 附件2 when
// it is a left-behind child with its hukou there) was not uploaded at its current version, or was
// returned since. write receives the batch and the rows of each sheet; the records approved
// become 已上报. A batch with no record is kept too (it says that nothing was due).
// Only the operator makes a batch at will (guanai upload batch); a reviewer's batch needs a
// request approved by another reviewer (CreateRequestedUploadBatch).
func (s *Store) CreateUploadBatch(ctx context.Context, region string, write UploadWriter) (*UploadBatch, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Whole() {
		return nil, errForbidden("上报批次须经本辖区另一名民政审核员批准后生成")
	}
	region, err = uploadRegion(p, region)
	if err != nil {
		return nil, err
	}
	return s.createUploadBatch(ctx, p, region, write, nil)
}

// createUploadBatch makes the batch; claim, when given, runs in the same transaction once the
// batch is numbered (it marks used the request a reviewer's batch is made under).
func (s *Store) createUploadBatch(ctx context.Context, p *auth.Principal, region string, write UploadWriter, claim func(t *tx, b *UploadBatch) error) (*UploadBatch, error) {
	var out *UploadBatch
	var number string
	err := s.inTx(ctx, "生成上报批次", func(t *tx) error {
		if s.d.postgres {
			// Two batches of one region at once would both take the same records.
			if _, err := t.exec("LOCK TABLE upload_batches IN SHARE ROW EXCLUSIVE MODE"); err != nil {
				return err
			}
		}
		done := map[[2]int64]int64{}
		rows, err := t.query("SELECT child_id, form, MAX(version) FROM upload_items WHERE result <> 'returned' GROUP BY child_id, form")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, form, v int64
			if err := rows.Scan(&id, &form, &v); err != nil {
				rows.Close()
				return err
			}
			done[[2]int64{id, form}] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		where := " WHERE status IN ('approved', 'uploaded') AND (migrant_monitoring = 'yes' OR migrant_statistics = 'yes' OR left_behind = 'yes')"
		var args []any
		if region != "" {
			where += " AND ((res_code >= ? AND res_code < ?) OR (hukou_code >= ? AND hukou_code < ?))"
			args = append(args, region, region+"~", region, region+"~")
		}
		cond, cargs, err := childCond(p, "")
		if err != nil {
			return err
		}
		where, args = andWhere(where, args, cond, cargs)
		crows, err := t.query(childSelect+where+" ORDER BY id", args...)
		if err != nil {
			return err
		}
		var form1, form2 []UploadEntry
		for crows.Next() {
			c, _, err := s.scanChild(crows.Scan)
			if err != nil {
				crows.Close()
				return err
			}
			cl := &c.Classification
			if (cl.MigrantMonitoring == "yes" || cl.MigrantStatistics == "yes") && (region == "" || inRegion(c.Record.ResidenceAddr.Region(), region)) {
				if v, ok := done[[2]int64{c.id, 1}]; !ok || v < int64(c.Version) {
					form1 = append(form1, UploadEntry{Form: 1, Child: c})
				}
			}
			if cl.LeftBehind == "yes" && (region == "" || inRegion(c.Record.HukouAddress.Region(), region)) {
				if v, ok := done[[2]int64{c.id, 2}]; !ok || v < int64(c.Version) {
					form2 = append(form2, UploadEntry{Form: 2, Child: c})
				}
			}
		}
		crows.Close()
		if err := crows.Err(); err != nil {
			return err
		}
		now := s.instant()
		day := now.In(chinaTime).Format("20060102")
		prefix := "SB" + region
		if region == "" {
			prefix = "SB000000"
		}
		prefix += "-" + day + "-"
		var n int
		if err := t.queryRow("SELECT COUNT(*) FROM upload_batches WHERE number LIKE ?", prefix+"%").Scan(&n); err != nil {
			return err
		}
		number = fmt.Sprintf("%s%02d", prefix, n+1)
		b := &UploadBatch{Number: number, Region: region, CreatedBy: p.Actor(), CreatedAt: now,
			Form1: len(form1), Form2: len(form2), scope: p.Scope}
		distinct := map[int64]bool{}
		uids := []string{}
		for i := range form1 {
			form1[i].Seq = i + 1
		}
		for i := range form2 {
			form2[i].Seq = len(form1) + i + 1
		}
		for _, e := range append(append([]UploadEntry{}, form1...), form2...) {
			if !distinct[e.Child.id] {
				distinct[e.Child.id] = true
				uids = append(uids, e.Child.UID)
			}
		}
		b.Records, b.Pending = len(distinct), len(form1)+len(form2)
		if err := t.queryRow(`INSERT INTO upload_batches (number, region, scope, created_by, created_at, records, form1, form2)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.Number, b.Region, b.scope, b.CreatedBy, s.d.timeArg(now), b.Records, b.Form1, b.Form2).Scan(&b.id); err != nil {
			return err
		}
		if claim != nil {
			if err := claim(t, b); err != nil {
				return err
			}
		}
		for _, e := range append(append([]UploadEntry{}, form1...), form2...) {
			rc := e.Child.Record.ResidenceAddr.Region()
			if e.Form == 2 {
				rc = e.Child.Record.HukouAddress.Region()
			}
			if _, err := t.exec("INSERT INTO upload_items (batch_id, seq, child_id, form, version, region) VALUES (?, ?, ?, ?, ?, ?)",
				b.id, e.Seq, e.Child.id, e.Form, e.Child.Version, rc); err != nil {
				return err
			}
		}
		for id := range distinct {
			var c *Child
			for _, e := range append(append([]UploadEntry{}, form1...), form2...) {
				if e.Child.id == id {
					c = e.Child
					break
				}
			}
			if c.Status != StatusApproved {
				continue
			}
			if _, err := t.exec("UPDATE children SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
				StatusUploaded, s.d.timeArg(now), b.CreatedBy, id); err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO child_transitions (child_id, from_status, to_status, version, actor, at, reason)
 VALUES (?, ?, ?, ?, ?, ?, ?)`, id, StatusApproved, StatusUploaded, c.Version, b.CreatedBy, s.d.timeArg(now), nil); err != nil {
				return err
			}
		}
		if write != nil {
			if b.Digest, err = write(b, form1, form2); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE upload_batches SET digest = ? WHERE id = ?", b.Digest, b.id); err != nil {
				return err
			}
		}
		out = b
		return s.appendAudit(t, audit.UploadBatch, "upload:"+b.Number, map[string]any{"region": region, "records": b.Records,
			"form1": b.Form1, "form2": b.Form2, "digest": b.Digest, "children": uids})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const uploadBatchSelect = `SELECT b.id, b.number, b.region, b.scope, b.created_by, b.created_at, b.records, b.form1, b.form2, b.digest,
 (SELECT COUNT(*) FROM upload_items i WHERE i.batch_id = b.id AND i.result = 'accepted'),
 (SELECT COUNT(*) FROM upload_items i WHERE i.batch_id = b.id AND i.result = 'returned'),
 (SELECT COUNT(*) FROM upload_items i WHERE i.batch_id = b.id AND i.result = 'pending')
 FROM upload_batches b`

func scanUploadBatch(scan func(...any) error) (*UploadBatch, error) {
	var b UploadBatch
	err := scan(&b.id, &b.Number, &b.Region, &b.scope, &b.CreatedBy, scanTime{&b.CreatedAt}, &b.Records, &b.Form1, &b.Form2, &b.Digest,
		&b.Accepted, &b.Returned, &b.Pending)
	return &b, err
}

// uploadBatchCond keeps the batches of the principal's jurisdiction (alias b).
func uploadBatchCond(p *auth.Principal) (string, []any, error) {
	return regionCond(p, "b.region")
}

// UploadBatches lists the batches of the jurisdiction, newest first.
func (s *Store) UploadBatches(ctx context.Context) ([]*UploadBatch, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	cond, args, err := uploadBatchCond(p)
	if err != nil {
		return nil, err
	}
	where := ""
	if cond != "" {
		where = " WHERE " + cond
	}
	rows, err := s.query(ctx, uploadBatchSelect+where+" ORDER BY b.id DESC LIMIT 200", args...)
	if err != nil {
		return nil, internal("读取上报批次", err)
	}
	defer rows.Close()
	out := []*UploadBatch{}
	for rows.Next() {
		b, err := scanUploadBatch(rows.Scan)
		if err != nil {
			return nil, internal("读取上报批次", err)
		}
		out = append(out, b)
	}
	return out, internal("读取上报批次", rows.Err())
}

func errNoUploadBatch(number string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有编号为 " + number + " 的上报批次"}
}

// UploadBatchItems returns a batch of the jurisdiction and its items, names and identity
// numbers masked, reasons of returns opened; the listing is audited.
func (s *Store) UploadBatchItems(ctx context.Context, number string) (*UploadBatch, []UploadItem, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, nil, err
	}
	cond, cargs, err := uploadBatchCond(p)
	if err != nil {
		return nil, nil, err
	}
	where, args := andWhere(" WHERE b.number = ?", []any{number}, cond, cargs)
	b, err := scanUploadBatch(s.queryRow(ctx, uploadBatchSelect+where, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errNoUploadBatch(number)
	}
	if err != nil {
		return nil, nil, internal("读取上报批次", err)
	}
	if err := s.Audit(ctx, audit.UploadList, "upload:"+number, map[string]any{"items": b.Form1 + b.Form2}); err != nil {
		return nil, nil, err
	}
	rows, err := s.query(ctx, `SELECT i.seq, i.form, i.version, i.region, i.result, i.reason, i.answered_at, c.uid, c.record
 FROM upload_items i JOIN children c ON c.id = i.child_id WHERE i.batch_id = ? ORDER BY i.seq`, b.id)
	if err != nil {
		return nil, nil, internal("读取上报批次", err)
	}
	defer rows.Close()
	items := []UploadItem{}
	for rows.Next() {
		var it UploadItem
		var reason, sealed []byte
		if err := rows.Scan(&it.Seq, &it.Form, &it.Version, &it.Region, &it.Result, &reason, scanTime{&it.AnsweredAt}, &it.UID, &sealed); err != nil {
			return nil, nil, internal("读取上报批次", err)
		}
		rec, err := s.openRecord(it.UID, sealed, aadRecord(it.UID))
		if err != nil {
			return nil, nil, internal("读取上报批次", err)
		}
		it.Name, it.IDNumber = child.MaskName(rec.Name), idcard.Mask(rec.IDNumber)
		if len(reason) > 0 {
			plain, err := s.keys.Open(reason, []byte(aadUploadReason(b.Number, it.Seq)))
			if err != nil {
				return nil, nil, internal("读取退回原因", err)
			}
			it.Reason = string(plain)
		}
		items = append(items, it)
	}
	return b, items, internal("读取上报批次", rows.Err())
}

func aadUploadReason(batch string, seq int) string {
	return fmt.Sprintf("upload_items.reason:%s:%d", batch, seq)
}

// UploadAnswer is one answer of the national system: the item named by batch and 批次序号, or
// by identity number (the latest pending item of that record), accepted or returned.
type UploadAnswer struct {
	Row      int
	Batch    string
	Seq      int
	IDNumber string
	Returned bool
	Reason   string
}

// UploadFeedbackResult says what an answer file did.
type UploadFeedbackResult struct {
	Accepted int             `json:"accepted"`
	Returned int             `json:"returned"`
	Errors   []FeedbackError `json:"errors"`
}

// FeedbackError is an answer that was not applied, and why.
type FeedbackError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// ApplyUploadFeedback applies the national system's answers: an accepted item is kept as
// accepted; a returned one records the reason and sends the record back (退回) to its collector
// with it, so that it is corrected, submitted and approved again and then due in the next batch.
// An answer naming no pending item of the jurisdiction is an error of its row; the others are
// applied in one transaction, audited.
func (s *Store) ApplyUploadFeedback(ctx context.Context, answers []UploadAnswer) (*UploadFeedbackResult, error) {
	p, err := uploadGate(ctx)
	if err != nil {
		return nil, err
	}
	cond, cargs, err := uploadBatchCond(p)
	if err != nil {
		return nil, err
	}
	res := &UploadFeedbackResult{Errors: []FeedbackError{}}
	err = s.inTx(ctx, "导入上报反馈", func(t *tx) error {
		now := s.instant()
		var returned []string
		for _, a := range answers {
			var q string
			var args []any
			if a.Batch != "" && a.Seq > 0 {
				q, args = " WHERE b.number = ? AND i.seq = ?", []any{a.Batch, a.Seq}
			} else {
				bidx := s.idIndex(a.IDNumber)
				q, args = " WHERE c.id_bidx = ?", []any{bidx}
				if a.Batch != "" {
					q += " AND b.number = ?"
					args = append(args, a.Batch)
				}
			}
			q, args = andWhere(q, args, cond, cargs)
			var (
				batchID, childID       int64
				seq, version           int
				number, result, status string
				uid                    string
			)
			err := t.queryRow(`SELECT i.batch_id, i.seq, i.child_id, i.version, i.result, b.number, c.uid, c.status
 FROM upload_items i JOIN upload_batches b ON b.id = i.batch_id JOIN children c ON c.id = i.child_id`+q+
				" ORDER BY CASE WHEN i.result = 'pending' THEN 0 ELSE 1 END, i.batch_id DESC, i.seq LIMIT 1", args...).
				Scan(&batchID, &seq, &childID, &version, &result, &number, &uid, &status)
			if errors.Is(err, sql.ErrNoRows) {
				what := "公民身份号码 " + idcard.Mask(a.IDNumber)
				if a.IDNumber == "" {
					what = fmt.Sprintf("批次 %s 序号 %d", a.Batch, a.Seq)
				}
				res.Errors = append(res.Errors, FeedbackError{Row: a.Row, Message: "上报批次中没有" + what + "的记录"})
				continue
			}
			if err != nil {
				return err
			}
			if result != UploadPending {
				res.Errors = append(res.Errors, FeedbackError{Row: a.Row, Message: fmt.Sprintf("批次 %s 序号 %d 已有反馈结果，不再重复处理", number, seq)})
				continue
			}
			if !a.Returned {
				if _, err := t.exec("UPDATE upload_items SET result = ?, answered_at = ?, answered_by = ? WHERE batch_id = ? AND seq = ?",
					UploadAccepted, s.d.timeArg(now), p.Actor(), batchID, seq); err != nil {
					return err
				}
				res.Accepted++
				continue
			}
			reason := strings.TrimSpace(a.Reason)
			if reason == "" {
				res.Errors = append(res.Errors, FeedbackError{Row: a.Row, Message: "退回的记录须有退回原因"})
				continue
			}
			sealed, err := s.keys.Seal([]byte(reason), []byte(aadUploadReason(number, seq)))
			if err != nil {
				return err
			}
			if _, err := t.exec("UPDATE upload_items SET result = ?, reason = ?, answered_at = ?, answered_by = ? WHERE batch_id = ? AND seq = ?",
				UploadReturned, sealed, s.d.timeArg(now), p.Actor(), batchID, seq); err != nil {
				return err
			}
			res.Returned++
			returned = append(returned, uid)
			if status != StatusUploaded && status != StatusApproved {
				continue // already sent back, or archived: the answer is kept on the item
			}
			at := now
			why := "全国儿童福利信息系统退回（批次 " + number + "）：" + reason
			sr, err := s.keys.Seal([]byte(why), []byte(aadTransition(uid, at)))
			if err != nil {
				return err
			}
			if _, err := t.exec("UPDATE children SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
				StatusReturned, s.d.timeArg(at), p.Actor(), childID); err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO child_transitions (child_id, from_status, to_status, version, actor, at, reason)
 VALUES (?, ?, ?, ?, ?, ?, ?)`, childID, status, StatusReturned, version, p.Actor(), s.d.timeArg(at), sr); err != nil {
				return err
			}
		}
		if res.Accepted+res.Returned == 0 {
			return nil
		}
		return s.appendAudit(t, audit.UploadFeedback, "upload:feedback", map[string]any{"accepted": res.Accepted, "returned": res.Returned,
			"returned_children": returned, "errors": len(res.Errors)})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
