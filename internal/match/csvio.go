package match

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Column names of the input files (header row, any order; unknown columns are ignored).
const (
	// ColRef is the required key of a row in its own file.
	ColRef = "ref"
	// ColName is the child's name.
	ColName = "name"
	// ColSex is the sex: 1/2, 男/女, M/F.
	ColSex = "sex"
	// ColBirthDate is the birth date in any of the formats ParseDate reads.
	ColBirthDate = "birth_date"
	// ColIDNumber is the citizen identity number.
	ColIDNumber = "id_number"
	// ColHukouRegion is the division code of the household registration.
	ColHukouRegion = "hukou_region"
	// ColResidenceRegion is the division code of the place of residence.
	ColResidenceRegion = "residence_region"
	// ColFatherName is the father's name.
	ColFatherName = "father_name"
	// ColMotherName is the mother's name.
	ColMotherName = "mother_name"
	// ColGuardianName is the guardian's name.
	ColGuardianName = "guardian_name"
	// ColGuardianID is the guardian's identity number.
	ColGuardianID = "guardian_id"
)

var columnOrder = []string{ColRef, ColName, ColSex, ColBirthDate, ColIDNumber, ColHukouRegion,
	ColResidenceRegion, ColFatherName, ColMotherName, ColGuardianName, ColGuardianID}

// columnAliases maps normalised header names to columns (the Chinese headers of common forms).
var columnAliases = map[string]string{
	"ref": ColRef, "编号": ColRef, "记录编号": ColRef,
	"name": ColName, "姓名": ColName, "儿童姓名": ColName,
	"sex": ColSex, "gender": ColSex, "性别": ColSex,
	"birth_date": ColBirthDate, "birthdate": ColBirthDate, "birthday": ColBirthDate, "dob": ColBirthDate, "出生日期": ColBirthDate,
	"id_number": ColIDNumber, "idnumber": ColIDNumber, "id_no": ColIDNumber, "idcard": ColIDNumber, "id_card": ColIDNumber,
	"身份证号": ColIDNumber, "身份证号码": ColIDNumber, "公民身份号码": ColIDNumber,
	"hukou_region": ColHukouRegion, "hukou": ColHukouRegion, "户籍地": ColHukouRegion, "户籍地区划": ColHukouRegion, "户籍所在地": ColHukouRegion,
	"residence_region": ColResidenceRegion, "residence": ColResidenceRegion, "居住地": ColResidenceRegion, "现居住地": ColResidenceRegion,
	"father_name": ColFatherName, "father": ColFatherName, "父亲姓名": ColFatherName,
	"mother_name": ColMotherName, "mother": ColMotherName, "母亲姓名": ColMotherName,
	"guardian_name": ColGuardianName, "guardian": ColGuardianName, "监护人姓名": ColGuardianName, "监护人": ColGuardianName,
	"guardian_id": ColGuardianID, "guardian_id_number": ColGuardianID, "监护人身份证号": ColGuardianID, "监护人身份证号码": ColGuardianID,
}

// normHeader trims a header cell (spaces, BOM, quotes), lower-cases it and turns '-' and inner
// spaces into '_'.
func normHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff"))
	s = strings.Trim(s, "\"' \t\u3000")
	s = strings.ToLower(s)
	s = strings.NewReplacer("-", "_", " ", "_", "\u3000", "_").Replace(s)
	return s
}

// header maps column positions to Person fields.
type header struct {
	pos   [11]int // position of each of columnOrder, -1 if absent
	width int
}

func parseHeader(cells []string) (header, error) {
	var h header
	for i := range h.pos {
		h.pos[i] = -1
	}
	h.width = len(cells)
	for i, c := range cells {
		col, ok := columnAliases[normHeader(c)]
		if !ok {
			continue
		}
		for k, name := range columnOrder {
			if name == col && h.pos[k] < 0 {
				h.pos[k] = i
			}
		}
	}
	if h.pos[0] < 0 {
		var names []string
		for _, c := range cells {
			names = append(names, strings.TrimSpace(c))
		}
		return h, fmt.Errorf("表头中没有 ref 列（现有列：%s）", strings.Join(names, "、"))
	}
	return h, nil
}

// person builds a Person from one row; a missing cell is empty.
func (h *header) person(row []string) Person {
	get := func(k int) string {
		if i := h.pos[k]; i >= 0 && i < len(row) {
			return row[i]
		}
		return ""
	}
	return Person{Ref: strings.TrimSpace(get(0)), Name: get(1), Sex: get(2), BirthDate: get(3),
		IDNumber: get(4), HukouRegion: get(5), ResidenceRegion: get(6), FatherName: get(7),
		MotherName: get(8), GuardianName: get(9), GuardianID: get(10)}
}

// ParseRow maps one data row to a Person given the header row (see ReadCSV for the header
// rules). It fails only when the header has no ref column.
func ParseRow(headerRow, row []string) (Person, error) {
	h, err := parseHeader(headerRow)
	if err != nil {
		return Person{}, err
	}
	return h.person(row), nil
}

// ReadStats describe a read input file.
type ReadStats struct {
	Rows     int      // data rows read
	EmptyRef int      // rows skipped because ref was empty
	Encoding string   // "UTF-8" or "GB18030" (converted)
	Columns  []string // recognised columns, in file order
}

// openCSV prepares a CSV reader: strips a UTF-8 BOM and decodes GB18030 (GBK) input, which
// spreadsheet software in China often writes, when the start of the file is not UTF-8.
func openCSV(r io.Reader) (*csvReader, string, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", fmt.Errorf("读取失败：%v", err)
	}
	enc := "UTF-8"
	src := br
	if len(head) >= 3 && string(head[:3]) == "\ufeff" {
		br.Discard(3)
	} else {
		check := head
		if len(check) == 64<<10 { // the peek may cut a character in two
			for k := 0; k < 3 && len(check) > 0 && !utf8.Valid(check); k++ {
				check = check[:len(check)-1]
			}
		}
		if !utf8.Valid(check) {
			enc = "GB18030"
			src = bufio.NewReaderSize(transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), 1<<20)
		}
	}
	return newCSVReader(src), enc, nil
}

// csvError turns encoding/csv errors into Chinese messages.
func csvError(err error, width int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			what = "引号不配对（字段以引号开始却没有结束引号，或结束引号后还有字符）"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			what = "未加引号的字段中出现了引号"
		case errors.Is(pe.Err, csv.ErrFieldCount):
			what = fmt.Sprintf("列数与表头不一致（表头 %d 列）", width)
		}
		return fmt.Errorf("CSV 格式错误：第 %d 行：%s", pe.Line, what)
	}
	return fmt.Errorf("读取失败：%v", err)
}

// ReadCSVFunc reads a roster in CSV and calls fn for every row with a non-empty ref. The
// header row names the columns in any order (trimmed, case-insensitive; unknown columns are
// ignored; a ref column is required). Errors are in Chinese and name the line.
func ReadCSVFunc(r io.Reader, fn func(Person) error) (ReadStats, error) {
	var st ReadStats
	cr, enc, err := openCSV(r)
	if err != nil {
		return st, err
	}
	st.Encoding = enc
	first, err := cr.Read(nil)
	if err == io.EOF {
		return st, errors.New("文件为空，缺少表头行")
	}
	if err != nil {
		return st, csvError(err, 0)
	}
	h, err := parseHeader(first)
	if err != nil {
		return st, err
	}
	for _, i := range h.pos {
		if i >= 0 {
			st.Columns = append(st.Columns, normHeader(first[i]))
		}
	}
	var row []string
	for {
		row, err = cr.Read(row)
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, csvError(err, h.width)
		}
		p := h.person(row)
		if p.Ref == "" {
			st.EmptyRef++
			continue
		}
		st.Rows++
		if err := fn(p); err != nil {
			return st, err
		}
	}
}

// ReadCSV reads a whole roster (see ReadCSVFunc).
func ReadCSV(r io.Reader) ([]Person, ReadStats, error) {
	var out []Person
	st, err := ReadCSVFunc(r, func(p Person) error {
		out = append(out, p)
		return nil
	})
	return out, st, err
}

// loadRecs reads a roster and normalises it in parallel, keeping file order. maxRows, when
// positive, bounds the number of rows (from the file size): the records are then written in
// place into one slice reserved for that many (pages never written cost nothing).
func loadRecs(r io.Reader, workers int, maxRows int) ([]rec, refTable, ReadStats, error) {
	initPinyin()
	const batch = 4096
	type job struct {
		seq    int
		people []Person
	}
	jobs := make(chan job, 2*workers)
	type part struct {
		recs []rec // nil when written in place
		refs refTable
	}
	var all []rec
	if maxRows > 0 {
		all = make([]rec, maxRows+batch)
	}
	var mu sync.Mutex
	var parts []part
	var wg sync.WaitGroup
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []rune
			for j := range jobs {
				var out part
				var dst []rec
				if lo := j.seq * batch; lo+len(j.people) <= len(all) {
					dst = all[lo : lo+len(j.people)]
				} else {
					dst = make([]rec, len(j.people))
					out.recs = dst
				}
				out.refs.end = make([]uint32, 0, len(j.people))
				for i := range j.people {
					dst[i], buf = makeRec(&j.people[i], buf)
					out.refs.add(j.people[i].Ref)
				}
				mu.Lock()
				for len(parts) <= j.seq {
					parts = append(parts, part{})
				}
				parts[j.seq] = out
				mu.Unlock()
			}
		}()
	}
	cur := make([]Person, 0, batch)
	seq := 0
	st, err := ReadCSVFunc(r, func(p Person) error {
		cur = append(cur, p)
		if len(cur) == batch {
			jobs <- job{seq, cur}
			seq++
			cur = make([]Person, 0, batch)
		}
		return nil
	})
	if len(cur) > 0 && err == nil {
		jobs <- job{seq, cur}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, refTable{}, st, err
	}
	n := st.Rows
	var recs []rec
	if n <= len(all) {
		recs = all[:n:n]
	} else {
		recs = make([]rec, 0, n)
	}
	var refs refTable
	refs.end = make([]uint32, 0, n)
	for i := range parts {
		if n > len(all) {
			if parts[i].recs != nil {
				recs = append(recs, parts[i].recs...)
			} else {
				recs = append(recs, all[i*batch:i*batch+len(parts[i].refs.end)]...)
			}
		}
		refs.appendTable(&parts[i].refs)
		parts[i] = part{}
	}
	return recs, refs, st, nil
}

// WriteCSV writes the links among ms (Decision "link") as left_ref,right_ref,score,method with
// the score to four decimals.
func WriteCSV(w io.Writer, ms []Match) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("left_ref,right_ref,score,method\n")
	var line []byte
	for i := range ms {
		m := &ms[i]
		if m.Decision != DecisionLink {
			continue
		}
		line = appendCSVField(line[:0], m.LeftRef)
		line = append(line, ',')
		line = appendCSVField(line, m.RightRef)
		line = append(line, ',')
		line = strconv.AppendFloat(line, m.Score, 'f', 4, 64)
		line = append(line, ',')
		line = append(line, m.Method...)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteReviewCSV writes matches with their decision and per-field breakdown:
// left_ref,right_ref,score,method,decision,fields where fields reads
// "field=level(weight/sibling weight); …".
func WriteReviewCSV(w io.Writer, ms []Match) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"left_ref", "right_ref", "score", "method", "decision", "fields"})
	for i := range ms {
		m := &ms[i]
		var b strings.Builder
		for j, f := range m.Fields {
			if j > 0 {
				b.WriteString("; ")
			}
			if f.Level == "missing" {
				fmt.Fprintf(&b, "%s=missing", f.Field)
				continue
			}
			fmt.Fprintf(&b, "%s=%s(%+.1f/%+.1f)", f.Field, f.Level, f.Weight, f.SiblingWeight)
		}
		cw.Write([]string{m.LeftRef, m.RightRef, strconv.FormatFloat(m.Score, 'f', 4, 64), m.Method, m.Decision, b.String()})
	}
	cw.Flush()
	return cw.Error()
}

func appendCSVField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}
