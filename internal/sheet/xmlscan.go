package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// unescapeOOXML decodes the _xHHHH_ escapes with which OOXML writes control characters in
// strings (_x000D_ is a carriage return; _x005F_ escapes an underscore).
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				r := rune(v)
				if !utf8.ValidRune(r) {
					r = utf8.RuneError
				}
				b.WriteRune(r)
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// Tokens of xmlScanner.
const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText
)

// xmlScanner is a minimal pull tokenizer for the parts of a workbook: start and end tags with
// their local name (namespace prefixes such as x: are dropped) and raw attributes, and text with
// the predefined and numeric entities decoded. Comments, processing instructions and DOCTYPE
// are skipped; CDATA is text. It does not check well-formedness: it reads what Excel, WPS,
// LibreOffice and the usual libraries write, and never fails worse than an error on anything
// else.
type xmlScanner struct {
	r     *bufio.Reader
	tag   []byte // the bytes of the current tag
	name  []byte // its local name (a slice of tag)
	attrs []byte // its attributes (a slice of tag)
	self  bool   // a self-closing tag <c r="A1"/>
	raw   []byte // undecoded text
	text  []byte // the current text, valid until the next call
	err   error  // what stopped the scanner, other than the end of the input
}

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// unexpected is the error of input that ended inside a token: io.ErrUnexpectedEOF for its end,
// else the reader's own error (the context's, a damaged zip entry's).
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (s *xmlScanner) fail(err error) int {
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return tokEOF
}

// next returns the next token kind. Text is returned only when keep is set; otherwise it is
// skipped without being copied.
func (s *xmlScanner) next(keep bool) int {
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return s.fail(err)
		}
		if b != '<' {
			_ = s.r.UnreadByte()
			if !keep {
				if err := s.skipText(); err != nil {
					return s.fail(err)
				}
				continue
			}
			if err := s.readText(); err != nil && err != io.EOF {
				return s.fail(err)
			}
			s.text = decodeEntities(s.text[:0], s.raw)
			return tokText
		}
		b, err = s.r.ReadByte()
		if err != nil {
			return s.fail(unexpected(err))
		}
		switch b {
		case '/':
			if err := s.readTag(); err != nil {
				return s.fail(err)
			}
			s.splitTag()
			return tokEnd
		case '?':
			if err := s.skipPast("?>"); err != nil {
				return s.fail(err)
			}
		case '!':
			cdata, err := s.declaration()
			if err != nil {
				return s.fail(err)
			}
			if cdata && keep {
				s.text = append(s.text[:0], s.raw...)
				return tokText
			}
		default:
			_ = s.r.UnreadByte()
			if err := s.readTag(); err != nil {
				return s.fail(err)
			}
			s.splitTag()
			return tokStart
		}
	}
}

// readText reads text up to the next '<' (not consumed) into s.raw.
func (s *xmlScanner) readText() error {
	s.raw = s.raw[:0]
	for {
		chunk, err := s.r.ReadSlice('<')
		switch err {
		case nil:
			s.raw = appendCapped(s.raw, chunk[:len(chunk)-1])
			return s.r.UnreadByte()
		case bufio.ErrBufferFull:
			s.raw = appendCapped(s.raw, chunk)
		default:
			s.raw = appendCapped(s.raw, chunk)
			return err
		}
	}
}

// skipText skips text up to the next '<' (not consumed).
func (s *xmlScanner) skipText() error {
	for {
		_, err := s.r.ReadSlice('<')
		switch err {
		case nil:
			return s.r.UnreadByte()
		case bufio.ErrBufferFull:
		default:
			return err
		}
	}
}

// readTag reads the rest of a tag up to its closing '>' outside quotes into s.tag.
func (s *xmlScanner) readTag() error {
	s.tag = s.tag[:0]
	for {
		chunk, err := s.r.ReadSlice('>')
		s.tag = append(s.tag, chunk...)
		if len(s.tag) > maxTagBytes {
			return errors.New("tag too long")
		}
		switch err {
		case nil:
			if !openQuote(s.tag) {
				s.tag = s.tag[:len(s.tag)-1]
				return nil
			}
		case bufio.ErrBufferFull:
		case io.EOF:
			return io.ErrUnexpectedEOF
		default:
			return err
		}
	}
}

// openQuote reports whether a tag read so far ends inside a quoted attribute value.
func openQuote(tag []byte) bool {
	if bytes.IndexByte(tag, '\'') < 0 {
		return bytes.Count(tag, []byte{'"'})%2 == 1
	}
	var quote byte
	for _, c := range tag {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return quote != 0
}

// splitTag splits s.tag into the local name, the attributes and the self-closing mark.
func (s *xmlScanner) splitTag() {
	t := s.tag
	s.self = len(t) > 0 && t[len(t)-1] == '/'
	if s.self {
		t = t[:len(t)-1]
	}
	i := 0
	for i < len(t) && !isXMLSpace(t[i]) {
		i++
	}
	name := t[:i]
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	s.name, s.attrs = name, t[i:]
}

// declaration skips a comment or a DOCTYPE after "<!", or reads a CDATA section into s.raw and
// reports it.
func (s *xmlScanner) declaration() (cdata bool, err error) {
	head, _ := s.r.Peek(7)
	switch {
	case bytes.HasPrefix(head, []byte("--")):
		_, _ = s.r.Discard(2)
		return false, s.skipPast("-->")
	case bytes.Equal(head, []byte("[CDATA[")):
		_, _ = s.r.Discard(7)
		s.raw = s.raw[:0]
		if err := s.readPast("]]>", true); err != nil {
			return false, err
		}
		s.raw = bytes.TrimSuffix(s.raw, []byte("]]>"))
		return true, nil
	}
	depth := 0 // a DOCTYPE may hold an internal subset in brackets
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return false, unexpected(err)
		}
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth <= 0 {
				return false, nil
			}
		}
	}
}

func (s *xmlScanner) skipPast(end string) error { return s.readPast(end, false) }

// readPast reads up to and including end (at most 4 bytes), keeping the bytes in s.raw (up to
// maxTextBytes) when keep is set.
func (s *xmlScanner) readPast(end string, keep bool) error {
	var win [4]byte
	n := 0
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if keep && len(s.raw) < maxTextBytes {
			s.raw = append(s.raw, c)
		}
		copy(win[:], win[1:])
		win[3] = c
		if n++; n >= len(end) && string(win[4-len(end):]) == end {
			return nil
		}
	}
}

// attr returns the value of the attribute with the local name local, entities decoded.
func (s *xmlScanner) attr(local string) (string, bool) {
	v, ok := s.rawAttr(local)
	if !ok {
		return "", false
	}
	if bytes.IndexByte(v, '&') < 0 {
		return string(v), true
	}
	return string(decodeEntities(nil, v)), true
}

// rawAttr returns the undecoded value of the attribute with the local name local, a slice of
// the tag valid until the next token: for the cell attributes r and t, which hold no entities,
// read without allocating.
func (s *xmlScanner) rawAttr(local string) ([]byte, bool) {
	a := s.attrs
	for i := 0; i < len(a); {
		for i < len(a) && isXMLSpace(a[i]) {
			i++
		}
		j := i
		for j < len(a) && a[j] != '=' && !isXMLSpace(a[j]) {
			j++
		}
		if j == i {
			i = j + 1
			continue
		}
		name := a[i:j]
		k := j
		for k < len(a) && isXMLSpace(a[k]) {
			k++
		}
		if k >= len(a) || a[k] != '=' {
			i = k
			continue
		}
		k++
		for k < len(a) && isXMLSpace(a[k]) {
			k++
		}
		if k >= len(a) {
			break
		}
		q := a[k]
		if q != '"' && q != '\'' {
			i = k + 1
			continue
		}
		end := bytes.IndexByte(a[k+1:], q)
		if end < 0 {
			break
		}
		val := a[k+1 : k+1+end]
		i = k + 2 + end
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		if string(name) == local {
			return val, true
		}
	}
	return nil, false
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// decodeEntities appends src to dst with &lt; &gt; &amp; &quot; &apos; and &#…; decoded; an
// unknown or broken reference is kept as it is.
func decodeEntities(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '&')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		end := bytes.IndexByte(src, ';')
		if end < 0 || end > 12 {
			dst = append(dst, '&')
			src = src[1:]
			continue
		}
		ent := string(src[1:end])
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var v uint64
			var err error = strconv.ErrSyntax
			if strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X") {
				v, err = strconv.ParseUint(ent[2:], 16, 32)
			} else if strings.HasPrefix(ent, "#") {
				v, err = strconv.ParseUint(ent[1:], 10, 32)
			}
			if err != nil {
				dst = append(dst, '&')
				src = src[1:]
				continue
			}
			r := rune(v)
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		}
		src = src[end+1:]
	}
}
