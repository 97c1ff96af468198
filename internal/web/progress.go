package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Progress of a large upload (registration forms, rosters). Reading, checking and writing a
// workbook of 20,000 rows takes tens of seconds after the upload itself; a client that asks for
// it (?progress=1, or Accept: application/x-ndjson) gets the answer as NDJSON: lines
// {"progress": {"phase", "rows", "percent"}} while the work goes on, then one last line
// {"result": …} (the usual summary) or {"error": {"code", "message"}}. The stream begins with
// its first progress line; an error before that (a file that cannot be read, no header) is the
// usual status and JSON error. Progress lines carry counts only, never a cell of the file.

// The phases of an upload's work are the workflow's (workflow.PhaseRead, PhaseMatch, PhaseWrite).

const (
	// progressRows and progressEvery bound how often a line is sent: after this many rows or
	// this long since the last one, whichever comes first.
	progressRows  = 500
	progressEvery = 500 * time.Millisecond
	// heartbeatEvery repeats the last line during a long step that cannot count rows (a
	// roster's matching), so that the user sees the work has not stopped and proxies keep
	// the connection.
	heartbeatEvery = 3 * time.Second
)

// wantsProgress tells whether the client asked for the streamed answer.
func wantsProgress(r *http.Request) bool {
	v := r.URL.Query().Get("progress")
	return v == "1" || v == "true" || strings.Contains(r.Header.Get("Accept"), "application/x-ndjson")
}

// readCounter wraps the uploaded file to tell how far through it a reader is.
//
// An .xlsx worksheet is a compressed part of the zip file, read twice by the sheet package: once
// whole to find the merged cells, then row by row. Percent counts within the second pass: when
// reset after the reader is opened, the span is the last run of forward reads (the second pass
// started where the first did) up to where the first pass ended; for a CSV file, or when the
// passes cannot be told apart, it is the whole file.
type readCounter struct {
	ra   io.ReaderAt
	size int64

	mu                 sync.Mutex
	last               int64 // offset of the latest read
	runStart, runEnd   int64 // the current run of reads at non-decreasing offsets
	prevStart, prevEnd int64 // the run before it
	from, to, reached  int64 // the span counted since reset, and the highest offset read in it
	counting           bool
}

func newReadCounter(ra io.ReaderAt, size int64) *readCounter {
	return &readCounter{ra: ra, size: size, prevStart: -1}
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.ra.ReadAt(p, off)
	c.mu.Lock()
	defer c.mu.Unlock()
	if off < c.last {
		c.prevStart, c.prevEnd = c.runStart, c.runEnd
		c.runStart, c.runEnd = off, off
	}
	c.last = off
	c.runEnd = max(c.runEnd, off+int64(n))
	if c.counting {
		c.reached = max(c.reached, off+int64(n))
	}
	return n, err
}

// reset starts counting: called once the reader has opened the file and found the header. Nil
// does nothing.
func (c *readCounter) reset() {
	if c == nil {
		return
	}
	magic := make([]byte, 4)
	n, _ := c.ra.ReadAt(magic, 0)
	zipped := n == 4 && string(magic) == "PK\x03\x04" // an .xlsx file (the passes of readCounter)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.from, c.to, c.reached = 0, c.size, 0
	if zipped && c.prevStart == c.runStart && c.prevEnd >= c.runEnd && c.prevEnd > c.runStart {
		c.from, c.to, c.reached = c.runStart, c.prevEnd, c.runEnd
	}
	c.counting = true
}

// percent is how far through the counted span the reader is, 0 to 99: 100 is the result.
func (c *readCounter) percent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.counting || c.to <= c.from {
		return 0
	}
	p := int((c.reached - c.from) * 100 / (c.to - c.from))
	return min(max(p, 0), 99)
}

// progress writes the streamed answer of one request. A nil *progress (the client did not ask)
// does nothing, so that the handlers call it unconditionally.
type progress struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	src *readCounter

	mu       sync.Mutex
	started  bool
	phase    string
	rows     int
	sentRows int
	sentAt   time.Time
	stop     chan struct{} // closes the heartbeat, when one runs
	done     chan struct{}
}

// newProgress answers r as a stream when the client asked for it; src tells the percent.
func newProgress(w http.ResponseWriter, r *http.Request, src *readCounter) *progress {
	if !wantsProgress(r) {
		return nil
	}
	return &progress{w: w, rc: http.NewResponseController(w), src: src}
}

// counter wraps ra in a readCounter when the client asked for progress.
func counter(r *http.Request, ra io.ReaderAt, size int64) (io.ReaderAt, *readCounter) {
	if !wantsProgress(r) {
		return ra, nil
	}
	c := newReadCounter(ra, size)
	return c, c
}

type progressLine struct {
	Phase   string `json:"phase"`
	Rows    int    `json:"rows"`
	Percent *int   `json:"percent,omitempty"`
}

// begin starts a phase and sends its first line at once.
func (p *progress) begin(phase string, rows int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.rows = phase, rows
	p.send()
}

// step records that rows rows are done and sends a line when enough rows or time have passed.
func (p *progress) step(rows int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows = rows
	if rows-p.sentRows >= progressRows || time.Since(p.sentAt) >= progressEvery {
		p.send()
	}
}

// send writes the current state as a line; p.mu is held.
func (p *progress) send() {
	l := progressLine{Phase: p.phase, Rows: p.rows}
	if p.src != nil {
		pc := p.src.percent()
		l.Percent = &pc
	}
	p.line(map[string]any{"progress": l})
	p.sentRows, p.sentAt = p.rows, time.Now()
}

// line writes v as one line and flushes it, starting the stream with the first; p.mu is held.
// A failed write means the client has gone: the request's context ends and the work stops
// there, so the error is not kept.
func (p *progress) line(v any) {
	if !p.started {
		h := p.w.Header()
		h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no") // a proxy in front passes each line on as it comes
		p.w.WriteHeader(http.StatusOK)
		p.started = true
	}
	// The server's write timeout bounds a silent answer; a stream that keeps saying how far it
	// is may take longer (a very large import), so each line moves the deadline on.
	_ = p.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	enc := json.NewEncoder(p.w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
	_ = p.rc.Flush()
}

// streamWriteTimeout is how long a streamed answer may go without a line.
const streamWriteTimeout = 2 * time.Minute

// heartbeat repeats the current line every heartbeatEvery until the returned function is
// called, for a step that reports nothing itself.
func (p *progress) heartbeat() (stop func()) {
	if p == nil {
		return func() {}
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.send()
				p.mu.Unlock()
			}
		}
	}(p.stop, p.done)
	return func() {
		close(p.stop)
		<-p.done
	}
}

// answer ends a request that may have been streamed: with the stream begun, the result or the
// error becomes its last line (the status is sent already); otherwise the usual JSON answer.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, p *progress, result any, err error) {
	if p == nil || !p.started {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, result)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.line(map[string]any{"result": result})
		return
	}
	// s.fail decides the code, message and logging as for any request; its body, one line of
	// JSON {"error": …}, is the stream's last line. A cancelled request answers nothing: the
	// client has gone, and what failed was the work stopping (the store does not always say
	// so with context.Canceled).
	if r.Context().Err() != nil {
		return
	}
	var rec lineRecorder
	s.fail(&rec, r, err)
	if rec.body.Len() > 0 {
		_, _ = p.w.Write(rec.body.Bytes())
		_ = p.rc.Flush()
	}
}

// lineRecorder keeps what s.fail writes.
type lineRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (l *lineRecorder) Header() http.Header {
	if l.header == nil {
		l.header = http.Header{}
	}
	return l.header
}

func (l *lineRecorder) Write(b []byte) (int, error) { return l.body.Write(b) }

func (l *lineRecorder) WriteHeader(int) {}

// Begin and Step make a *progress the workflow's Progress (a nil one does nothing).
func (p *progress) Begin(phase string, rows int) { p.begin(phase, rows) }

// Step is step.
func (p *progress) Step(rows int) { p.step(rows) }
