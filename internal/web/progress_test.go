package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/audit"
	"guanai/internal/sheet"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// progressCSV is a registration form of n synthetic children (all valid, in the test user's
// jurisdiction) and one row with an impossible birth date.
func progressCSV(n int) []byte {
	const surnames, given = "王李张刘陈杨赵黄周吴", "明华强军平伟芳丽静敏秀英杰涛斌超兰娟梅玉"
	sn, gv := []rune(surnames), []rune(given)
	var b strings.Builder
	b.WriteString("姓名,性别,出生日期,民族,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期\n")
	for i := range n {
		birth := fmt.Sprintf("201503%02d", 10+i/1000)
		seq := fmt.Sprintf("%03d", i%1000)
		sex := "女"
		if i%2 == 1 {
			sex = "男"
		}
		name := string([]rune{sn[i%len(sn)], gv[(i/len(sn))%len(gv)], gv[(i/len(sn)/len(gv))%len(gv)]})
		fmt.Fprintf(&b, "%s,%s,%s,汉族,%s,宁夏回族自治区银川市兴庆区解放西街%d号,150302003012,父母双方,2024-03-31\n",
			name, sex, birth[:4]+"-"+birth[4:6]+"-"+birth[6:], webID("640104", birth, seq), i+1)
	}
	b.WriteString("李四,女,2015-02-30,汉族,,,,,\n")
	return []byte(b.String())
}

// streamed is an NDJSON answer taken apart.
type streamed struct {
	status   int
	ctype    string
	progress []progressLine
	result   json.RawMessage
	err      map[string]any
	trailing int // lines after the last one
}

func uploadStream(t *testing.T, h http.Handler, path, name string, content []byte) streamed {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return parseStream(t, rec)
}

func parseStream(t *testing.T, rec *httptest.ResponseRecorder) streamed {
	t.Helper()
	out := streamed{status: rec.Code, ctype: rec.Header().Get("Content-Type")}
	for l := range strings.Lines(rec.Body.String()) {
		if out.result != nil || out.err != nil {
			out.trailing++
			continue
		}
		var line struct {
			Progress json.RawMessage `json:"progress"`
			Result   json.RawMessage `json:"result"`
			Error    map[string]any  `json:"error"`
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		switch {
		case line.Progress != nil:
			// A progress line has counts only: nothing else may get in.
			dec := json.NewDecoder(bytes.NewReader(line.Progress))
			dec.DisallowUnknownFields()
			var p progressLine
			if err := dec.Decode(&p); err != nil {
				t.Fatalf("progress line %s: %v", l, err)
			}
			out.progress = append(out.progress, p)
		case line.Result != nil:
			out.result = line.Result
		case line.Error != nil:
			out.err = line.Error
		default:
			t.Fatalf("unknown line %q", l)
		}
	}
	return out
}

// withoutBatch drops what differs between two stores importing the same file.
func withoutBatch(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	delete(m, "batch")
	delete(m, "rejects_url")
	return m
}

func TestImportProgress(t *testing.T) {
	const n = 3000
	data := progressCSV(n)

	for _, dry := range []bool{true, false} {
		t.Run(fmt.Sprintf("dry_run=%v", dry), func(t *testing.T) {
			path := "/api/v1/imports"
			if dry {
				path += "?dry_run=1"
			}
			sep := "?"
			if dry {
				sep = "&"
			}
			got := uploadStream(t, newStoreServer(t), path+sep+"progress=1", "children.csv", data)
			if got.status != 200 || !strings.HasPrefix(got.ctype, "application/x-ndjson") {
				t.Fatalf("got %d %q, want 200 NDJSON", got.status, got.ctype)
			}
			if got.result == nil || got.trailing != 0 {
				t.Fatalf("want a result as the last line; got result %s, error %v, %d lines after it", got.result, got.err, got.trailing)
			}
			// One line at the start, then at least one every 500 rows.
			if len(got.progress) < n/progressRows {
				t.Fatalf("got %d progress lines, want at least %d: %+v", len(got.progress), n/progressRows, got.progress)
			}
			last := progressLine{Phase: workflow.PhaseRead}
			lastPercent := 0
			for i, p := range got.progress {
				if p.Phase != workflow.PhaseRead && p.Phase != workflow.PhaseWrite || p.Percent == nil {
					t.Fatalf("line %d: %+v, want a read or write phase with a percent", i, p)
				}
				if p.Phase == workflow.PhaseRead && last.Phase == workflow.PhaseWrite {
					t.Fatalf("line %d: back to reading after writing", i)
				}
				if p.Rows < last.Rows || *p.Percent < lastPercent || *p.Percent > 99 {
					t.Fatalf("line %d: %+v after rows %d, %d%%: want non-decreasing rows and percent up to 99", i, p, last.Rows, lastPercent)
				}
				last, lastPercent = p, *p.Percent
			}
			// The last line comes at most 500 rows before the end (the result follows); the
			// import's last one, closing the batch, has them all.
			if last.Rows <= n+1-progressRows || lastPercent < 75 {
				t.Errorf("last progress %+v, %d%%: want nearly all %d rows and of the file", last, lastPercent, n+1)
			}
			if !dry && (last.Phase != workflow.PhaseWrite || last.Rows != n+1) {
				t.Errorf("last progress %+v, want write with all %d rows", last, n+1)
			}

			// The result is the summary the plain request answers for the same file.
			status, _, raw := upload(t, newStoreServer(t), path, "children.csv", data)
			if status != 200 {
				t.Fatalf("plain upload: %d %s", status, raw)
			}
			want := withoutBatch(t, []byte(raw))
			res := withoutBatch(t, got.result)
			if !reflect.DeepEqual(res, want) {
				t.Errorf("streamed result\n%v\nwant\n%v", res, want)
			}
			if res["rows"] != float64(n+1) || res["rejected"] != 1.0 {
				t.Errorf("result counts %v %v, want %d rows and 1 rejected", res["rows"], res["rejected"], n+1)
			}
		})
	}
}

// TestImportProgressEarlyError: an error found before the stream begins keeps its status and
// its JSON answer.
func TestImportProgressEarlyError(t *testing.T) {
	h := newStoreServer(t)
	got := uploadStream(t, h, "/api/v1/imports?progress=1", "x.csv", []byte("甲,乙\n1,2\n"))
	if got.status != 422 || !strings.HasPrefix(got.ctype, "application/json") || got.err == nil || got.err["code"] != "invalid" {
		t.Errorf("got %d %q %v, want a 422 JSON error", got.status, got.ctype, got.err)
	}
	if len(got.progress) != 0 {
		t.Errorf("progress lines before an early error: %+v", got.progress)
	}
}

func TestRosterProgress(t *testing.T) {
	h := newStoreServer(t)
	roster := "姓名,身份证号,学校名称,年级,在校状态,是否随迁子女,家庭住址\n" +
		"赵小龙," + webID("640104", "20160801", "015") + ",乌海市第一小学,四年级,在校,是,内蒙古自治区乌海市海勃湾区新华街道清泉社区\n" +
		"钱多多,150302201501011230,乌海市第一小学,四年级,在校,否,\n"
	got := uploadStream(t, h, "/api/v1/rosters?dept=education&progress=1", "学生名册.csv", []byte(roster))
	if got.status != 200 || !strings.HasPrefix(got.ctype, "application/x-ndjson") || got.result == nil || got.trailing != 0 {
		t.Fatalf("got %d %q result %s error %v", got.status, got.ctype, got.result, got.err)
	}
	var sum workflow.RosterSummary
	if err := json.Unmarshal(got.result, &sum); err != nil || sum.Rows != 2 || sum.Rejected != 1 || sum.Leads != 1 || sum.Batch == "" {
		t.Errorf("summary %+v (%v), want 2 rows, 1 rejected, 1 lead", sum, err)
	}
	var phases []string
	for _, p := range got.progress {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}
	if !reflect.DeepEqual(phases, []string{workflow.PhaseMatch, workflow.PhaseWrite}) {
		t.Errorf("phases %v, want match (read, matched and written row by row) then write", phases)
	}
	if m := got.progress[len(got.progress)-1]; m.Rows != 2 {
		t.Errorf("last line %+v, want 2 rows", m)
	}
	// The same request refused before the stream: a plain 400.
	got = uploadStream(t, h, "/api/v1/rosters?dept=civil&progress=1", "x.csv", []byte(roster))
	if got.status != 400 || got.err == nil || len(got.progress) != 0 {
		t.Errorf("unknown department: %d %v %v", got.status, got.err, got.progress)
	}
}

// TestProgressLateError: an error after the stream began is its last line (the status is sent
// already); a cancelled request adds nothing; the Accept header asks for the stream too.
func TestProgressLateError(t *testing.T) {
	s := &Server{}
	req := httptest.NewRequest("POST", "/api/v1/imports", nil)
	req.Header.Set("Accept", "application/x-ndjson")
	rec := httptest.NewRecorder()
	p := newProgress(rec, req, nil)
	if p == nil {
		t.Fatal("Accept: application/x-ndjson did not ask for progress")
	}
	p.begin(workflow.PhaseRead, 0)
	s.answer(rec, req, p, nil, &Error{Code: "invalid", Message: "无法读取文件：第 7 行损坏"})
	got := parseStream(t, rec)
	if got.status != 200 || len(got.progress) != 1 || got.err == nil || got.err["code"] != "invalid" || got.err["message"] != "无法读取文件：第 7 行损坏" {
		t.Errorf("got %d %+v %v", got.status, got.progress, got.err)
	}

	rec = httptest.NewRecorder()
	p = newProgress(rec, req, nil)
	p.begin(workflow.PhaseRead, 0)
	s.answer(rec, req, p, nil, context.Canceled)
	if got := parseStream(t, rec); got.err != nil || got.result != nil || len(got.progress) != 1 {
		t.Errorf("cancelled: %+v", got)
	}

	plain := httptest.NewRequest("POST", "/api/v1/imports", nil)
	if newProgress(httptest.NewRecorder(), plain, nil) != nil {
		t.Error("progress without asking")
	}
}

// TestReadCounterXLSX: through an .xlsx file the percent counts the second pass over the
// worksheet (the first finds the merged cells) and gets to the end of it, although the shared
// strings follow the worksheet in the file.
func TestReadCounterXLSX(t *testing.T) {
	f := excelize.NewFile()
	header := []any{"姓名", "性别", "出生日期", "民族", "身份证号", "户籍地址", "现居住地区划代码", "共同居住人"}
	f.SetSheetRow("Sheet1", "A1", &header)
	for i := range 3000 {
		seq := fmt.Sprintf("%03d", i%1000)
		birth := fmt.Sprintf("201503%02d", 10+i/1000)
		row := []any{fmt.Sprintf("学生%d", i), map[bool]string{true: "男", false: "女"}[i%2 == 1], birth, "汉族", webID("640104", birth, seq),
			fmt.Sprintf("宁夏回族自治区银川市兴庆区解放西街%d号", i), "150302003012", "父母双方"}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	c := newReadCounter(bytes.NewReader(data), int64(len(data)))
	rd, err := sheet.NewReader(c, int64(len(data)), "x.xlsx", sheet.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	c.reset()
	if c.to-c.from >= int64(len(data))*9/10 {
		t.Fatalf("counted span %d..%d of %d bytes: the worksheet was not told from the file", c.from, c.to, len(data))
	}
	first, prev := c.percent(), c.percent()
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := c.percent(); p < prev {
			t.Fatalf("percent went back from %d to %d", prev, p)
		} else {
			prev = p
		}
	}
	t.Logf("span %d..%d of %d, percent %d to %d", c.from, c.to, len(data), first, prev)
	if first > 50 || prev < 90 {
		t.Errorf("percent from %d to %d, want from under half to nearly all", first, prev)
	}
}

// cancelAt is a response that ends the request's context once a progress line has counted at
// least rows rows: the user leaving the page in the middle of an import.
type cancelAt struct {
	*httptest.ResponseRecorder
	rows   int
	cancel context.CancelFunc
}

func (c *cancelAt) Write(b []byte) (int, error) {
	var l struct{ Progress *progressLine }
	if json.Unmarshal(b, &l) == nil && l.Progress != nil && l.Progress.Rows >= c.rows {
		c.cancel()
	}
	return c.ResponseRecorder.Write(b)
}

// TestImportProgressCancelled: a client that goes away stops the import, and its batch is
// marked failed, not left running.
func TestImportProgressCancelled(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "city_worker", "collector,reviewer", "minzheng", "1503", false))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "children.csv")
	fw.Write(progressCSV(3000))
	mw.Close()
	ctx, cancel := context.WithCancel(opCtx())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/imports?progress=1", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
	req.Header.Set("X-CSRF-Token", c.csrf)
	rec := &cancelAt{ResponseRecorder: httptest.NewRecorder(), rows: 1000, cancel: cancel}
	e.h.ServeHTTP(rec, req)

	got := parseStream(t, rec.ResponseRecorder)
	if got.result != nil || got.err != nil || len(got.progress) == 0 {
		t.Fatalf("cancelled import answered %d lines, result %s, error %v: want progress only", len(got.progress), got.result, got.err)
	}
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.Import})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("import audit entries %+v (%v), want one", page.Items, err)
	}
	entry := page.Items[0]
	b, err := e.st.ImportBatch(opCtx(), strings.TrimPrefix(entry.Object, "import:"))
	if err != nil || b.Status != "failed" || !strings.Contains(string(entry.Detail), `"failed":true`) {
		t.Errorf("batch %+v (%v), audit %s: want failed", b, err, entry.Detail)
	}
}
