package store

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
)

// Attachments of the ledger: photos and scanned papers of a visit or a case, sealed like the
// record (name and content), at most MaxAttachmentSize each, of the types the content itself
// shows (JPEG, PNG, PDF) whatever the name says.

// MaxAttachmentSize caps one attachment (5 MB).
const MaxAttachmentSize = 5 << 20

// attachmentTypes are the accepted types, as http.DetectContentType names them.
var attachmentTypes = map[string]bool{"image/jpeg": true, "image/png": true, "application/pdf": true}

// LedgerAttachmentInfo describes an attachment without its content.
type LedgerAttachmentInfo struct {
	ID        int64     `json:"id"`
	Visit     int64     `json:"visit,omitempty"`
	Name      string    `json:"name"`
	MIME      string    `json:"mime"`
	Size      int       `json:"size"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// AddLedgerAttachment stores a photo or a scanned paper for the case of the child uid (for one
// of its visits when visit is not 0).
func (s *Store) AddLedgerAttachment(ctx context.Context, uid string, visit int64, name string, data []byte) (*LedgerAttachmentInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, errInvalid("附件须有文件名（不超过100字）")
	}
	if len(data) == 0 {
		return nil, errInvalid("附件是空文件")
	}
	if len(data) > MaxAttachmentSize {
		return nil, errInvalid("附件不能超过 5 MB")
	}
	mime := http.DetectContentType(data)
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	if !attachmentTypes[mime] {
		return nil, errInvalid("附件只能是 JPEG、PNG 图片或 PDF 文件")
	}
	info := &LedgerAttachmentInfo{Visit: visit, Name: name, MIME: mime, Size: len(data), CreatedAt: s.instant(), CreatedBy: auth.ActorOf(ctx)}
	err := s.ledgerChange(ctx, "保存附件", uid, auth.PermLedgerWork, "您的角色不能上传附件", func(t *tx, e *LedgerEntry) error {
		var visitID any
		if visit != 0 {
			var n int
			if err := t.queryRow("SELECT count(*) FROM ledger_visits WHERE id = ? AND entry_id = ?", visit, e.id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return &Error{Code: CodeNotFound, Message: "该儿童没有编号为 " + strconv.FormatInt(visit, 10) + " 的探访记录"}
			}
			visitID = visit
		}
		if err := t.queryRow(`INSERT INTO ledger_attachments (entry_id, visit_id, mime, size, name, data, created_at, created_by)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.id, visitID, mime, len(data), []byte{0}, []byte{0}, s.d.timeArg(info.CreatedAt),
			info.CreatedBy).Scan(&info.ID); err != nil {
			return err
		}
		sn, err := s.keys.Seal([]byte(name), []byte(aadLedger("attachment.name", info.ID)))
		if err != nil {
			return err
		}
		sd, err := s.keys.Seal(data, []byte(aadLedger("attachment", info.ID)))
		if err != nil {
			return err
		}
		if _, err := t.exec("UPDATE ledger_attachments SET name = ?, data = ? WHERE id = ?", sn, sd, info.ID); err != nil {
			return err
		}
		if err := s.ledgerEvent(t, e.id, "attach", map[string]any{"attachment": info.ID, "visit": visit, "mime": mime, "size": len(data)}); err != nil {
			return err
		}
		return s.appendAudit(t, audit.LedgerAttach, "child:"+uid, map[string]any{"step": "add", "attachment": info.ID, "size": len(data)})
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// LedgerAttachment returns an attachment of the case of the child uid with its content, audited.
func (s *Store) LedgerAttachment(ctx context.Context, uid string, id int64) (*LedgerAttachmentInfo, []byte, error) {
	p, err := gate(ctx, "您的角色不能查看重点关爱台账", auth.PermLedgerRead)
	if err != nil {
		return nil, nil, err
	}
	if !validUID(uid) {
		return nil, nil, errNoLedger(uid)
	}
	where, args := "a.id = ? AND c.uid = ?", []any{id, uid}
	cond, cargs, err := regionCond(p, "e.region_code")
	if err != nil {
		return nil, nil, err
	}
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	var info LedgerAttachmentInfo
	var visit sql.NullInt64
	var name, data []byte
	err = s.queryRow(ctx, `SELECT a.id, a.visit_id, a.mime, a.size, a.name, a.data, a.created_at, a.created_by FROM ledger_attachments a
 JOIN ledger_entries e ON e.id = a.entry_id JOIN children c ON c.id = e.child_id WHERE `+where, args...).Scan(&info.ID, &visit, &info.MIME, &info.Size,
		&name, &data, scanTime{&info.CreatedAt}, &info.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, &Error{Code: CodeNotFound, Message: "没有编号为 " + strconv.FormatInt(id, 10) + " 的附件"}
	}
	if err != nil {
		return nil, nil, internal("读取附件", err)
	}
	info.Visit = visit.Int64
	n, err := s.keys.Open(name, []byte(aadLedger("attachment.name", id)))
	if err != nil {
		return nil, nil, internal("解密附件", err)
	}
	info.Name = string(n)
	content, err := s.keys.Open(data, []byte(aadLedger("attachment", id)))
	if err != nil {
		return nil, nil, internal("解密附件", err)
	}
	if err := s.Audit(ctx, audit.LedgerAttach, "child:"+uid, map[string]any{"step": "read", "attachment": id}); err != nil {
		return nil, nil, err
	}
	return &info, content, nil
}

func (s *Store) caseAttachments(ctx context.Context, entryID int64) ([]LedgerAttachmentInfo, error) {
	rows, err := s.query(ctx, "SELECT id, visit_id, mime, size, name, created_at, created_by FROM ledger_attachments WHERE entry_id = ? ORDER BY id", entryID)
	if err != nil {
		return nil, internal("读取附件", err)
	}
	defer rows.Close()
	out := []LedgerAttachmentInfo{}
	for rows.Next() {
		var a LedgerAttachmentInfo
		var visit sql.NullInt64
		var name []byte
		if err := rows.Scan(&a.ID, &visit, &a.MIME, &a.Size, &name, scanTime{&a.CreatedAt}, &a.CreatedBy); err != nil {
			return nil, internal("读取附件", err)
		}
		a.Visit = visit.Int64
		n, err := s.keys.Open(name, []byte(aadLedger("attachment.name", a.ID)))
		if err != nil {
			return nil, internal("解密附件", err)
		}
		a.Name = string(n)
		out = append(out, a)
	}
	return out, rows.Err()
}
