package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/roster"
)

// AdoptDiscrepancy closes a discrepancy by taking the department's value into the record (差异
// 核查, issue 13): a new version of the record whose item comes from the roster row the
// discrepancy was found in, with the row's provenance (department, roster, row, roster date),
// the history naming the batch and the audit entry in the same transaction. note says why (it
// is kept with the version and the discrepancy). Keeping the record's value is
// ResolveDiscrepancy.
func (s *Store) AdoptDiscrepancy(ctx context.Context, uid, note string) (*Child, error) {
	p, err := gate(ctx, "您的角色不能处理差异", auth.PermLeadsWork)
	if err != nil {
		return nil, err
	}
	if !p.Can(auth.PermChildrenEdit) {
		return nil, errForbidden("您的角色不能修改儿童记录，不能采用部门的值")
	}
	note = strings.TrimSpace(note)
	where, args := "d.uid = ?", []any{uid}
	if cc, cargs, err := childCond(p, "c."); err != nil {
		return nil, err
	} else if cc != "" {
		where, args = where+" AND "+cc, append(args, cargs...)
	}
	if dc, dargs := deptCond(p, "d.department"); dc != "" {
		where, args = where+" AND "+dc, append(args, dargs...)
	}
	var out *Child
	err = s.inTx(ctx, "采用部门的值", func(t *tx) error {
		var status, childUID, field, dept, batch string
		var rosterName sql.NullString
		var rowNo int
		var rosterDate sql.NullInt64
		var batchID int64
		var data []byte
		err := t.queryRow(`SELECT d.status, c.uid, d.field, d.department, r.row_no, r.data, b.id, b.uid, b.roster, r.roster_date
 FROM discrepancies d JOIN children c ON c.id = d.child_id JOIN roster_rows r ON r.id = d.row_id JOIN import_batches b ON b.id = r.batch_id
 WHERE `+where+s.d.forUpdate(), args...).Scan(&status, &childUID, &field, &dept, &rowNo, &data, &batchID, &batch, &rosterName, &rosterDate)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + uid + " 的差异"}
		}
		if err != nil {
			return err
		}
		if status != "open" {
			return &Error{Code: CodeConflict, Message: "该差异已处理"}
		}
		if data == nil {
			return &Error{Code: CodeConflict, Message: "名册行的内容未保存，无法采用部门的值"}
		}
		plain, err := s.keys.Open(data, []byte(aadRosterData(batch, rowNo)))
		if err != nil {
			return internal("解密名册行", err)
		}
		var rr roster.Record
		if err := json.Unmarshal(plain, &rr); err != nil {
			return internal("读取名册行", err)
		}
		cur, err := s.loadForUpdate(t, childUID)
		if err != nil {
			return err
		}
		if cur.Status == StatusArchived {
			return errForbidden("记录已归档，不能修改")
		}
		curLeaves, err := flatten(&cur.Record)
		if err != nil {
			return err
		}
		// The record without the item, merged with the row: the department's value fills it
		// as the roster import would have.
		cleared := make(leaves, len(curLeaves))
		for k, v := range curLeaves {
			if k != field && !strings.HasPrefix(k, field+".") && !strings.HasPrefix(k, field+"[") {
				cleared[k] = v
			}
		}
		base, err := cleared.record()
		if err != nil {
			return err
		}
		rr.Department = dept
		merged := roster.Merge(&rr, base).Record
		newLeaves, err := flatten(&merged)
		if err != nil {
			return err
		}
		changes := diffLeaves(curLeaves, newLeaves)
		touches := false
		for _, ch := range changes {
			if ch.Path == field || strings.HasPrefix(ch.Path, field+".") || strings.HasPrefix(ch.Path, field+"[") {
				touches = true
			}
		}
		if !touches {
			return &Error{Code: CodeConflict, Message: "名册中该项的值无法写入记录，请核实后手工修改"}
		}
		deptLabel := dept
		if d, ok := roster.Lookup(dept); ok {
			deptLabel = d.Label
		}
		why := "采用" + deptLabel + "名册（" + rosterName.String + " 第 " + strconv.Itoa(rowNo) + " 行）的值"
		if note != "" {
			why += "：" + note
		}
		src := Source{Kind: SourceRoster, Department: dept, Roster: rosterName.String, Row: rowNo, RosterDate: child.Date(rosterDate.Int64), Note: why, batchID: batchID}
		w, err := s.change(cur, merged, changes, p.Actor(), src)
		if err != nil {
			return err
		}
		if err := s.flush(t, []*write{w}); err != nil {
			return err
		}
		sealed, err := s.keys.Seal([]byte(why), []byte(aadDiscResolution(uid)))
		if err != nil {
			return internal("加密核实结果", err)
		}
		if _, err := t.exec("UPDATE discrepancies SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = ? WHERE uid = ?",
			s.d.timeArg(s.instant()), p.Actor(), sealed, uid); err != nil {
			return err
		}
		fields := make([]string, len(changes))
		for i, ch := range changes {
			fields[i] = ch.Path
		}
		if err := s.appendAudit(t, audit.ChildUpdate, "child:"+childUID, map[string]any{"version": w.c.Version, "fields": fields, "source": SourceRoster, "batch": batch}); err != nil {
			return err
		}
		out = w.c
		return s.appendAudit(t, audit.DiscrepancyAdopt, "discrepancy:"+uid, map[string]any{"child": childUID, "field": field, "department": dept, "batch": batch, "row": rowNo, "version": w.c.Version})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
