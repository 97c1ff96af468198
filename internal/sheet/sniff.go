package sheet

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
)

// fileFormat is what a file turned out to be, by its content.
type fileFormat uint8

const (
	formatXLSX fileFormat = iota + 1 // a zip container: .xlsx, or .xls saved as .xlsx
	formatText                       // delimited text: .csv, .txt, or an .xls that is text
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// sniff looks at the content, not the name: an .xls file is often an .xlsx inside (saved by a
// newer Excel under the old name), a web page (exported by an information system), or text. The
// name only decides between a damaged .xlsx and text.
func sniff(ra io.ReaderAt, size int64, name string) (fileFormat, error) {
	if size <= 0 {
		return 0, fileError(CodeEmpty, "文件是空的")
	}
	head := make([]byte, min(size, 8<<10))
	if n, err := ra.ReadAt(head, 0); n < len(head) {
		return 0, fileError(CodeNotSpreadsheet, "无法读取文件："+errText(err))
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return formatXLSX, nil
	case bytes.HasPrefix(head, oleMagic):
		// A compound file: a binary .xls (or WPS .et), or an .xlsx encrypted with a password to
		// open, which Office stores in a compound file with an EncryptedPackage stream.
		if containsUTF16(ra, size, "EncryptedPackage") {
			return 0, fileError(CodeEncrypted, "文件设置了打开密码，无法读取：请在 Excel 中取消密码后另存为 .xlsx 再导入")
		}
		return 0, fileError(CodeLegacyXLS, "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx")
	}
	text := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n"))
	switch {
	case bytes.HasPrefix(text, []byte("<?xml")) && bytes.Contains(text, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return 0, fileError(CodeXML2003, "这是 Excel 2003 XML 表格，不支持：请在 Excel 中另存为 .xlsx")
	case bytes.Contains(text, []byte("<html")), bytes.HasPrefix(text, []byte("<!doctype html")), bytes.HasPrefix(text, []byte("<table")):
		return 0, fileError(CodeHTML, "该文件实际是网页（HTML）格式，只是扩展名为 .xls：请在 Excel 中打开后另存为 .xlsx")
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return 0, fileError(CodeBadXLSX, "文件扩展名是 .xlsx，但内容不是 Excel 工作簿（文件可能已损坏或不完整），请重新保存后上传")
	}
	if utf16Order(head) == 0 && bytes.IndexByte(head, 0) >= 0 {
		return 0, fileError(CodeNotSpreadsheet, "无法识别的文件格式：请上传 .xlsx 或 .csv 文件")
	}
	return formatText, nil
}

func errText(err error) string {
	if err == nil || err == io.EOF {
		return "文件不完整"
	}
	return err.Error()
}

// containsUTF16 reports whether the file holds s in UTF-16LE, as the directory of a compound
// file names its streams. It reads at most the first 64 MB.
func containsUTF16(ra io.ReaderAt, size int64, s string) bool {
	pat := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		pat = append(pat, s[i], 0)
	}
	const chunk = 1 << 20
	buf := make([]byte, chunk+len(pat))
	for off := int64(0); off < size && off < 64<<20; off += chunk {
		n, _ := ra.ReadAt(buf, off)
		if bytes.Contains(buf[:n], pat) {
			return true
		}
	}
	return false
}

// utf16Order guesses UTF-16 text from a byte order mark or, without one, from zero bytes at
// every other position (ASCII in UTF-16): 1 little-endian, 2 big-endian, 0 neither.
func utf16Order(head []byte) int {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return 1
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return 2
	}
	if len(head) < 4 {
		return 0
	}
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := len(head) / 2
	switch {
	case odd*10 >= pairs*3 && even*10 < pairs:
		return 1
	case even*10 >= pairs*3 && odd*10 < pairs:
		return 2
	}
	return 0
}
