package sheet

// Limits that keep a hostile or broken upload from exhausting memory or a processor. Each is
// enforced where the input is read, and each refusal is an *Error with a Chinese message that
// says what to do (CodeTooLarge unless said otherwise); docs/import.md lists them. What a
// reader holds per upload, whatever the file: at most sstMemoryBytes of shared strings and
// their small caches, one row (maxRowBytes), the merged ranges (maxMerges, maxMergeHeldBytes)
// and a few buffers of 64 KB — a few tens of MB.
const (
	// maxColumns is Excel's own: column XFD. A CSV record with more fields is refused, since no
	// spreadsheet can have made it.
	maxColumns = 16384

	// maxTextBytes cuts one cell's text. Excel allows 32,767 characters (96 KB of UTF-8 for
	// Chinese); ten times that is no form's cell.
	maxTextBytes = 1 << 20

	// maxRowBytes bounds the text of one row's cells together (checked as the row is read), so
	// that a row of 16,384 cells of maxTextBytes each — 16 GB from a few MB of compressed XML —
	// is refused after 4 MB. The template's 82 columns fill a few KB; a roster row with long
	// 备注 texts a few tens of KB.
	maxRowBytes = 4 << 20

	// maxTagBytes bounds one XML tag with its attributes; Excel's longest are a few hundred bytes.
	maxTagBytes = 1 << 20

	// maxPartBytes bounds the parts read whole into memory: workbook.xml and the relationship
	// parts, a few KB in any workbook (a workbook of thousands of defined names stays under 1 MB).
	maxPartBytes = 16 << 20

	// maxSharedBytes is the largest shared-string part (uncompressed) a workbook may have. The
	// table is streamed into memory up to sstMemoryBytes and to a temporary file beyond (see
	// sst.go), so this bounds the disk a reader uses (the file is never larger than the part)
	// and the seconds it spends before the first row, not memory. A 1,000,000-row roster of
	// distinct names and identity numbers, as Excel saves it, makes about 60 MB.
	maxSharedBytes = 256 << 20

	// sstMemoryBytes is how much of the shared-string table a reader keeps in memory: string
	// bytes plus a 16-byte header each. The table of any form people fill in fits; beyond it the
	// rest goes to a temporary file. With the offsets and caches of the rest, the largest table
	// accepted costs a reader under 30 MB of heap (BenchmarkUploadMemory: 13 MB for 14 million
	// short strings, 28 MB for 50 million empty ones — 622 MB and 2.3 GB held whole).
	sstMemoryBytes = 16 << 20

	// maxSheetBytes bounds a worksheet part (uncompressed), which is streamed: the bound is on
	// the processor time one upload may take (a few seconds a GB). Excel's last row, 1,048,576,
	// of the 82-column template written full is about 3.6 GB of XML (3.5 KB a row).
	maxSheetBytes = 4 << 30

	// maxInflateRatio refuses a worksheet part over inflateRatioFloor that inflates more than
	// this many times its compressed size. Spreadsheet XML deflates 8 to 20 times (the
	// 100,000-row export 8×; a million blank styled rows as Excel writes them, each with its
	// row number, 20×); only the same bytes repeated — <row/> a hundred million times, a
	// blank-row bomb — goes beyond a few hundred.
	maxInflateRatio = 100

	// inflateRatioFloor is the size below which a worksheet's ratio is not looked at: 32 MB of
	// XML is scanned in well under a second.
	inflateRatioFloor = 32 << 20

	// maxZipEntries bounds the parts of a workbook, checked in the zip's directory before
	// archive/zip reads it (which keeps about 200 bytes for each: a 64 MB upload of empty
	// entries would hold 300 MB). A workbook has a dozen parts, plus one per sheet, drawing and
	// picture: several thousand embedded photos stay far below.
	maxZipEntries = 50000

	// maxMerges bounds the merged ranges over more than one row kept from one worksheet (56
	// bytes each: 11 MB). A form merges a family's cells, a few per family: tens of thousands
	// for the largest registry.
	maxMerges = 200000

	// maxMergeHeldBytes bounds the top-row values held for the merged ranges open at one row
	// (text plus 24 bytes a cell). A form has a few open at once, each a cell or a row of the
	// template wide: a few KB.
	maxMergeHeldBytes = 8 << 20

	// maxCSVRecordBytes bounds one CSV record (a line, or several inside quotes) after decoding
	// to UTF-8, blank lines between records not counted: a line of hundreds of MB without a
	// newline is refused after 1 MB. A row of the template is a few KB; Excel's largest cell is
	// 96 KB. Fields are counted as they come too (maxColumns): encoding/csv holds about 40
	// bytes for each, and a 1 MB line of commas would be a million of them.
	maxCSVRecordBytes = 1 << 20
)
