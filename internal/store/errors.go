package store

import (
	"errors"
	"fmt"
	"strings"

	"guanai/internal/child"
)

// Error codes of Error. The HTTP layer turns them into statuses in one place.
const (
	CodeInvalid   = "invalid"   // the request or the record is not acceptable (400/422)
	CodeNotFound  = "not_found" // no such record (404)
	CodeConflict  = "conflict"  // a concurrent change or a duplicate (409)
	CodeForbidden = "forbidden" // the workflow does not allow it (403)
	CodeInternal  = "internal"  // the database or the keys failed (500)
)

// Error is the one error type of the store: a stable code, a Chinese message for the person and,
// for validation and merge conflicts, the fields concerned. Errors from the database or the
// keyring are wrapped in an Error with CodeInternal; the cause stays reachable with errors.Unwrap
// but is never part of Message, so that no SQL or key detail reaches a user.
type Error struct {
	Code    string
	Message string
	Fields  []child.Issue
	// Existing names records that caused a duplicate conflict (their uids), so that the caller
	// can offer to open them.
	Existing []string
	err      error
}

// Error returns "code: message".
func (e *Error) Error() string {
	if e.err != nil && e.Code == CodeInternal {
		return e.Code + ": " + e.Message + ": " + e.err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause of an internal error.
func (e *Error) Unwrap() error { return e.err }

// ErrorCode, ErrorMessage and FieldIssues are the error interface every package's errors
// implement (the web layer maps the code to an HTTP status in one place). An internal error's
// message says only that the server failed: its cause is for the log.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the Chinese message for the person who acted.
func (e *Error) ErrorMessage() string {
	if e.Code == CodeInternal {
		return "服务器内部错误，请稍后重试或联系系统管理员"
	}
	return e.Message
}

// FieldIssues are the fields concerned, for a form to show beside each.
func (e *Error) FieldIssues() []child.Issue { return e.Fields }

// ErrorCode returns the code of err when it is (or wraps) an *Error, "internal" for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

func errInvalid(msg string, fields ...child.Issue) *Error {
	return &Error{Code: CodeInvalid, Message: msg, Fields: fields}
}

func errNotFound(uid string) *Error {
	return &Error{Code: CodeNotFound, Message: "没有找到编号为 " + uid + " 的儿童记录"}
}

func errForbidden(msg string) *Error { return &Error{Code: CodeForbidden, Message: msg} }

// internal wraps a cause that is no fault of the caller. what says what was being done, in
// Chinese, for the message; the cause is kept for the log.
func internal(what string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: CodeInternal, Message: what + "失败", err: fmt.Errorf("store: %s: %w", what, err)}
}

// conflictFields builds the merge-conflict error naming the fields both writers changed.
func conflictFields(paths []string) *Error {
	labels := make([]string, 0, len(paths))
	fields := make([]child.Issue, 0, len(paths))
	for _, p := range paths {
		l := FieldLabel(p)
		labels = append(labels, l)
		fields = append(fields, child.Issue{Field: p, Code: "edit_conflict",
			Message: "“" + l + "”已被他人修改为不同的值，请刷新后重新填写"})
	}
	return &Error{Code: CodeConflict, Fields: fields,
		Message: "保存冲突：在您编辑期间，他人修改了相同的项目（" + strings.Join(labels, "、") + "），请刷新后核对再保存"}
}
