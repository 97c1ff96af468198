package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
)

// Hand-over of a child between divisions (迁出 / 迁入, issue 13). The holding division asks for a
// 迁出 to another division, or a collector of the receiving division who found the child
// registered elsewhere asks for a 迁入; the receiving division's reviewer accepts or refuses.
// On accept the record itself moves — its residence becomes the receiving division, so that its
// jurisdiction, history and audit trail follow the child and nothing is duplicated. A move out
// of the city is no hand-over: the record is archived as 迁出本地 with the destination.

// Hand-over directions and statuses.
const (
	HandoverOut = "out" // 迁出, asked by the holding division
	HandoverIn  = "in"  // 申请迁入, asked by the receiving division

	HandoverPending  = "pending"
	HandoverAccepted = "accepted"
	HandoverRefused  = "refused"
)

// Handover is one hand-over as its parties see it: the child masked.
type Handover struct {
	ID          int64
	Child       string // uid
	Direction   string
	Status      string
	FromCode    string
	ToCode      string
	RequestedBy string
	RequestedAt time.Time
	DecidedBy   string
	DecidedAt   time.Time
	Note        string // the request's note and the decision's, opened
	// The child, masked: name (王**), sex, birth date.
	Name      string
	Sex       string
	BirthDate child.Date
}

func aadHandoverNote(id int64) string { return "handovers.note:" + strconv.FormatInt(id, 10) }

// maskedPlace names a division with its last level masked: 内蒙古自治区乌海市海勃湾区新华街道清**.
func maskedPlace(code string) string {
	path := region.Default().Path(code)
	if len(path) == 0 {
		return "其他辖区"
	}
	var b strings.Builder
	for i, d := range path {
		if d.Name == "市辖区" || d.Name == "县" {
			continue
		}
		if i == len(path)-1 && len(path) > 3 {
			b.WriteString(child.MaskName(d.Name))
			continue
		}
		b.WriteString(d.Name)
	}
	return b.String()
}

// RequestHandover starts a 迁出 of the child uid, held in the principal's jurisdiction, to the
// division to (6, 9 or 12 digits). When outOfCity, the child left the city: the record is
// archived at once as 不再符合条件：迁出本地 with destination (free text; to may be empty).
func (s *Store) RequestHandover(ctx context.Context, uid, to string, outOfCity bool, destination, note string) (*Handover, error) {
	p, err := gate(ctx, "您的角色不能办理迁出", auth.PermChildrenEdit)
	if err != nil {
		return nil, err
	}
	note, destination = strings.TrimSpace(note), strings.TrimSpace(destination)
	if to != "" {
		code, ok := normalizeRegion(to)
		if !ok || region.Default().FullName(code) == "" {
			return nil, errInvalid("迁入地区划代码“"+to+"”无效", child.Issue{Field: "to_code", Code: "invalid", Message: "请选择迁入的区划"})
		}
		to = code
	}
	if outOfCity && destination == "" {
		return nil, errInvalid("迁出本地须写明迁往何处", child.Issue{Field: "destination", Code: "required", Message: "请填写迁往的地址"})
	}
	if !outOfCity && to == "" {
		return nil, errInvalid("请选择迁入的区划", child.Issue{Field: "to_code", Code: "required", Message: "请选择迁入的区划"})
	}
	var out *Handover
	err = s.inTx(ctx, "办理迁出", func(t *tx) error {
		cur, err := s.loadForUpdate(t, uid)
		if err != nil {
			return err
		}
		if cur.Status == StatusArchived {
			return errForbidden("记录已归档，不能迁出")
		}
		from := cur.Record.ResidenceAddr.Region()
		if !outOfCity && from != "" && strings.HasPrefix(from, to) {
			return errInvalid("儿童已在该区划居住，无需迁出", child.Issue{Field: "to_code", Code: "same", Message: "迁入地与现居住地相同"})
		}
		if err := s.noPendingHandover(t, cur.id); err != nil {
			return err
		}
		now := s.instant()
		status := HandoverPending
		text := note
		if outOfCity {
			status = HandoverAccepted
			text = "迁往" + destination
			if note != "" {
				text += "；" + note
			}
		}
		id, err := s.insertHandover(t, cur.id, from, to, HandoverOut, status, p.Actor(), now)
		if err != nil {
			return err
		}
		if err := s.sealHandoverNote(t, id, text); err != nil {
			return err
		}
		if outOfCity {
			if _, err := s.archiveLocked(t, p.Actor(), uid, "不再符合条件：迁出本地（"+text+"）"); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE handovers SET decided_by = ?, decided_at = ? WHERE id = ?", p.Actor(), s.d.timeArg(now), id); err != nil {
				return err
			}
		}
		out = &Handover{ID: id, Child: uid, Direction: HandoverOut, Status: status, FromCode: from, ToCode: to, RequestedBy: p.Actor(), RequestedAt: now, Note: text}
		return s.appendAudit(t, audit.HandoverRequest, "handover:"+strconv.FormatInt(id, 10), map[string]any{"child": uid, "direction": HandoverOut, "from": from, "to": to, "out_of_city": outOfCity})
	})
	return out, err
}

// RequestTransferIn asks for the 迁入 of the child whose ID number is idNumber, registered in
// another division, into the principal's own division (申请迁入, after the duplicate warning).
// The child is named to the requester only masked.
func (s *Store) RequestTransferIn(ctx context.Context, idNumber, note string) (*Handover, error) {
	p, err := gate(ctx, "您的角色不能申请迁入", auth.PermChildrenCreate)
	if err != nil {
		return nil, err
	}
	if p.Whole() || p.Scope == "" {
		return nil, errForbidden("申请迁入须由区划内的账号办理")
	}
	bidx := s.idIndex(strings.ToUpper(strings.TrimSpace(idNumber)))
	if bidx == "" {
		return nil, errInvalid("请填写儿童的公民身份号码", child.Issue{Field: "id_number", Code: "required", Message: "请填写公民身份号码"})
	}
	note = strings.TrimSpace(note)
	var out *Handover
	err = s.inTx(ctx, "申请迁入", func(t *tx) error {
		var cid int64
		var uid string
		var res sql.NullString
		err := t.queryRow("SELECT id, uid, res_code FROM children WHERE id_bidx = ? AND status <> 'archived' ORDER BY id LIMIT 1"+s.d.forUpdate(), bidx).Scan(&cid, &uid, &res)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有找到该公民身份号码的登记记录"}
		}
		if err != nil {
			return err
		}
		if p.InScope(res.String) {
			return errInvalid("该儿童已由本辖区登记，无需申请迁入")
		}
		if err := s.noPendingHandover(t, cid); err != nil {
			return err
		}
		now := s.instant()
		id, err := s.insertHandover(t, cid, res.String, p.Scope, HandoverIn, HandoverPending, p.Actor(), now)
		if err != nil {
			return err
		}
		if err := s.sealHandoverNote(t, id, note); err != nil {
			return err
		}
		out = &Handover{ID: id, Child: "", Direction: HandoverIn, Status: HandoverPending, FromCode: res.String, ToCode: p.Scope, RequestedBy: p.Actor(), RequestedAt: now, Note: note}
		return s.appendAudit(t, audit.HandoverRequest, "handover:"+strconv.FormatInt(id, 10), map[string]any{"child": uid, "direction": HandoverIn, "from": res.String, "to": p.Scope})
	})
	return out, err
}

func (s *Store) noPendingHandover(t *tx, childID int64) error {
	var n int
	if err := t.queryRow("SELECT count(*) FROM handovers WHERE child_id = ? AND status = 'pending'", childID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &Error{Code: CodeConflict, Message: "该儿童已有待处理的迁出/迁入申请"}
	}
	return nil
}

func (s *Store) insertHandover(t *tx, childID int64, from, to, dir, status, actor string, at time.Time) (int64, error) {
	var id int64
	err := t.queryRow(`INSERT INTO handovers (child_id, from_code, to_code, direction, status, requested_by, requested_at)
 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, childID, from, to, dir, status, actor, s.d.timeArg(at)).Scan(&id)
	return id, err
}

func (s *Store) sealHandoverNote(t *tx, id int64, note string) error {
	if note == "" {
		return nil
	}
	sealed, err := s.keys.Seal([]byte(note), []byte(aadHandoverNote(id)))
	if err != nil {
		return err
	}
	_, err = t.exec("UPDATE handovers SET note = ? WHERE id = ?", sealed, id)
	return err
}

// HandoverQuery selects hand-overs: Incoming (to the principal's jurisdiction) or outgoing
// (from it); Pending only those waiting for a decision.
type HandoverQuery struct {
	Incoming bool
	Pending  bool
	Limit    int
}

// Handovers lists the hand-overs into (Incoming) or out of the principal's jurisdiction, newest
// first, the child masked. The reading is audited (the names, masked, are personal data).
func (s *Store) Handovers(ctx context.Context, q HandoverQuery) ([]Handover, error) {
	p, err := gate(ctx, "您的角色不能查看迁出/迁入", auth.PermChildrenRead)
	if err != nil {
		return nil, err
	}
	col := "h.from_code"
	if q.Incoming {
		col = "h.to_code"
	}
	where, args := "1 = 1", []any{}
	if rc, rargs, err := regionCond(p, col); err != nil {
		return nil, err
	} else if rc != "" {
		where, args = rc, rargs
	}
	if q.Pending {
		where += " AND h.status = 'pending'"
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Handover
	err = s.inTx(ctx, "查看迁出迁入", func(t *tx) error {
		rows, err := t.query(`SELECT h.id, c.uid, h.direction, h.status, h.from_code, h.to_code, h.requested_by, h.requested_at,
 h.decided_by, h.decided_at, h.note, c.record FROM handovers h JOIN children c ON c.id = h.child_id WHERE `+where+
			" ORDER BY h.id DESC LIMIT "+strconv.Itoa(limit), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h Handover
			var decidedBy sql.NullString
			var note, rec []byte
			if err := rows.Scan(&h.ID, &h.Child, &h.Direction, &h.Status, &h.FromCode, &h.ToCode, &h.RequestedBy, scanTime{&h.RequestedAt},
				&decidedBy, scanTime{&h.DecidedAt}, &note, &rec); err != nil {
				return err
			}
			h.DecidedBy = decidedBy.String
			if len(note) > 0 {
				b, err := s.keys.Open(note, []byte(aadHandoverNote(h.ID)))
				if err != nil {
					return internal("解密迁出说明", err)
				}
				h.Note = string(b)
			}
			r, err := s.openRecord(h.Child, rec, aadRecord(h.Child))
			if err != nil {
				return err
			}
			h.Name, h.Sex, h.BirthDate = child.MaskName(r.Name), r.Sex, r.BirthDate
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return s.appendAudit(t, audit.HandoverList, "handovers", map[string]any{"incoming": q.Incoming, "count": len(out)})
	})
	if out == nil {
		out = []Handover{}
	}
	return out, err
}

// DecideHandover accepts or refuses a pending hand-over into the principal's jurisdiction. On
// accept the record gets a new version whose residence is the receiving division (detail: the
// new address, may be empty), so that it is held there from now on; the version, the history
// and the audit entries name the hand-over.
func (s *Store) DecideHandover(ctx context.Context, id int64, accept bool, detail, note string) (*Handover, error) {
	p, err := gate(ctx, "您的角色不能审核迁入", auth.PermChildrenReview)
	if err != nil {
		return nil, err
	}
	where, args := "h.id = ?", []any{id}
	if rc, rargs, err := regionCond(p, "h.to_code"); err != nil {
		return nil, err
	} else if rc != "" {
		where, args = where+" AND "+rc, append(args, rargs...)
	}
	note, detail = strings.TrimSpace(note), strings.TrimSpace(detail)
	if !accept && note == "" {
		return nil, errInvalid("拒绝迁入须写明原因", child.Issue{Field: "note", Code: "required", Message: "请填写拒绝原因"})
	}
	var out *Handover
	err = s.inTx(ctx, "审核迁入", func(t *tx) error {
		var h Handover
		var childID int64
		var prev []byte
		err := t.queryRow(`SELECT h.id, h.child_id, c.uid, h.direction, h.status, h.from_code, h.to_code, h.note FROM handovers h
 JOIN children c ON c.id = h.child_id WHERE `+where+s.d.forUpdate(), args...).Scan(&h.ID, &childID, &h.Child, &h.Direction, &h.Status, &h.FromCode, &h.ToCode, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			return &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的迁入申请"}
		}
		if err != nil {
			return err
		}
		if h.Status != HandoverPending {
			return &Error{Code: CodeConflict, Message: "该迁入申请已处理"}
		}
		text := note
		if len(prev) > 0 {
			b, err := s.keys.Open(prev, []byte(aadHandoverNote(id)))
			if err != nil {
				return internal("解密迁出说明", err)
			}
			text = strings.TrimSpace(string(b) + "；" + note)
			text = strings.Trim(text, "；")
		}
		now := s.instant()
		h.Status = HandoverRefused
		version := 0
		if accept {
			h.Status = HandoverAccepted
			// The record is outside the receiving reviewer's jurisdiction until now: read it by
			// its id, the hand-over being the permission.
			cur, _, err := s.scanChild(t.queryRow(childSelect+" WHERE id = ?"+s.d.forUpdate(), childID).Scan)
			if err != nil {
				return err
			}
			if cur.Status == StatusArchived {
				return errForbidden("记录已归档，不能迁入")
			}
			rec := cur.Record
			rec.ResidenceAddr = &child.Address{RegionCode: h.ToCode, Detail: detail}
			curLeaves, err := flatten(&cur.Record)
			if err != nil {
				return err
			}
			newLeaves, err := flatten(&rec)
			if err != nil {
				return err
			}
			changes := diffLeaves(curLeaves, newLeaves)
			why := "迁入：自" + region.Default().FullName(h.FromCode) + "迁入" + region.Default().FullName(h.ToCode) + "（迁移申请 " + strconv.FormatInt(id, 10) + "）"
			w, err := s.change(cur, rec, changes, p.Actor(), Source{Note: why})
			if err != nil {
				return err
			}
			if err := s.flush(t, []*write{w}); err != nil {
				return err
			}
			version = w.c.Version
			fields := make([]string, len(changes))
			for i, ch := range changes {
				fields[i] = ch.Path
			}
			if err := s.appendAudit(t, audit.ChildUpdate, "child:"+h.Child, map[string]any{"version": version, "fields": fields, "source": SourceEntry, "handover": id}); err != nil {
				return err
			}
		}
		if _, err := t.exec("UPDATE handovers SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?", h.Status, p.Actor(), s.d.timeArg(now), id); err != nil {
			return err
		}
		if err := s.sealHandoverNote(t, id, text); err != nil {
			return err
		}
		h.DecidedBy, h.DecidedAt, h.Note = p.Actor(), now, text
		out = &h
		return s.appendAudit(t, audit.HandoverDecide, "handover:"+strconv.FormatInt(id, 10), map[string]any{"child": h.Child, "accept": accept, "from": h.FromCode, "to": h.ToCode, "version": version})
	})
	return out, err
}
