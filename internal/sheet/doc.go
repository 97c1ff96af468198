// Package sheet reads and writes the Excel/CSV workbooks of children (导入模板) that village child
// directors and district civil-affairs staff fill in: the template of DATA.md, one row per child.
//
// Reading is forgiving about what people really do to a spreadsheet (title rows above the
// header, header aliases, shuffled columns, dates in five shapes or as Excel serials, full-width
// digits, codes as Chinese labels, identity numbers that Excel turned into numbers) and strict
// about what it stores: every cell goes through the parsers here and then child.Validate, and
// whatever cannot be read is an error of the row naming the spreadsheet column in Chinese.
// Reading streams: an .xlsx worksheet is decompressed and scanned row by row (see xlsx.go for
// why this package scans the sheet XML itself), a CSV file is decoded on the fly, and no more
// than one row is held at a time, plus a workbook's shared-string table: its first 16 MB in
// memory, the rest in a temporary file (sst.go). limits.go bounds what an upload may cost, and
// ReadOptions.Context stops the reading when the upload's request ends (cancel.go).
//
// Writing produces the same template (WriteChildren, WriteRejects, Template) with excelize's
// StreamWriter, so that an export imports back to the same records.
package sheet
