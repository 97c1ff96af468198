package sheet

// Error is a problem with the file as a whole (its format, its encoding, its header), as opposed
// to a problem of one row. Code is stable and machine readable; Message is a Chinese sentence
// for the person who uploaded the file. Reader functions return it wrapped with context
// ("sheet: 名单.xls: …"); errors.As finds it.
type Error struct {
	Code    string
	Message string
}

// Error returns the Chinese message.
func (e *Error) Error() string { return e.Message }

// ErrorCode is the code of the error interface every package's errors implement: too_large for
// a part beyond what the reader accepts, invalid for any other file it cannot read (Code says
// which).
func (e *Error) ErrorCode() string {
	if e.Code == CodeTooLarge {
		return "too_large"
	}
	return "invalid"
}

// ErrorMessage is the Chinese message for the person who uploaded the file.
func (e *Error) ErrorMessage() string { return "无法读取文件：" + e.Message }

// Codes of Error.
const (
	CodeEmpty           = "empty"            // the file has no bytes
	CodeLegacyXLS       = "legacy_xls"       // a binary Excel 97–2003 workbook
	CodeEncrypted       = "encrypted"        // a workbook protected by a password to open
	CodeHTML            = "html"             // a web page saved with an .xls name
	CodeXML2003         = "xml_2003"         // Excel 2003 XML spreadsheet
	CodeODS             = "ods"              // an OpenDocument spreadsheet
	CodeXLSB            = "xlsb"             // an Excel binary workbook
	CodeNotSpreadsheet  = "not_spreadsheet"  // none of the formats above, nor text
	CodeBadXLSX         = "bad_xlsx"         // a zip that is not a readable workbook
	CodeTooLarge        = "too_large"        // a part beyond the size this reader accepts
	CodeSheetNotFound   = "sheet_not_found"  // the requested worksheet does not exist
	CodeNoHeader        = "no_header"        // no header row among the first rows
	CodeDuplicateColumn = "duplicate_column" // two columns of the header are the same item
	CodeBadCSV          = "bad_csv"          // a CSV file that cannot be split into fields
)

func fileError(code, msg string) *Error { return &Error{Code: code, Message: msg} }
