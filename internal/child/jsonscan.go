package child

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON scanner for the hot path of Decode: it walks one object, checks its syntax as
// strictly as encoding/json does, and hands each member's raw value to a callback without
// copying or allocating. encoding/json into json.RawMessage fields parsed every nested value
// twice and allocated for each; records arrive by the hundred thousand.

// errSyntax is returned for input that is not valid JSON; scanErr gives the offset.
var errSyntax = errors.New("JSON 语法错误")

type scanError struct {
	off int
	msg string
}

func (e *scanError) Error() string {
	return "第 " + strconv.Itoa(e.off+1) + " 个字节附近：" + e.msg
}

func (e *scanError) Unwrap() error { return errSyntax }

type scanner struct {
	data []byte
	i    int
}

func (s *scanner) fail(msg string) error { return &scanError{off: s.i, msg: msg} }

func (s *scanner) skipSpace() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// scanObject calls fn for each member of the object in data (which must be exactly one JSON
// object, surrounded by white space at most). key is only valid during the call.
func scanObject(data []byte, fn func(key []byte, val []byte)) error {
	s := scanner{data: data}
	s.skipSpace()
	if s.i >= len(data) || data[s.i] != '{' {
		return s.fail("应为 JSON 对象 {…}")
	}
	if err := s.object(fn); err != nil {
		return err
	}
	s.skipSpace()
	if s.i != len(data) {
		return s.fail("对象结束后还有多余内容")
	}
	return nil
}

// scanArray calls fn for each element of the array in data.
func scanArray(data []byte, fn func(val []byte)) error {
	s := scanner{data: data}
	s.skipSpace()
	if s.i >= len(data) || data[s.i] != '[' {
		return s.fail("应为数组 […]")
	}
	s.i++
	s.skipSpace()
	if s.i < len(data) && data[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.skipSpace()
		start := s.i
		if err := s.value(0); err != nil {
			return err
		}
		fn(data[start:s.i])
		s.skipSpace()
		if s.i >= len(data) {
			return s.fail("数组没有结束")
		}
		switch data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("数组元素之间应为逗号")
		}
	}
}

const maxDepth = 64

func (s *scanner) object(fn func(key, val []byte)) error {
	s.i++ // {
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.skipSpace()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return s.fail("应为字段名（带引号的字符串）")
		}
		ks := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.data[ks+1 : s.i-1]
		s.skipSpace()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return s.fail("字段名后应为冒号")
		}
		s.i++
		s.skipSpace()
		vs := s.i
		if err := s.value(1); err != nil {
			return err
		}
		if fn != nil {
			fn(key, s.data[vs:s.i])
		}
		s.skipSpace()
		if s.i >= len(s.data) {
			return s.fail("对象没有结束")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("字段之间应为逗号")
		}
	}
}

// value skips one JSON value, checking it.
func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return s.fail("嵌套层次过深")
	}
	if s.i >= len(s.data) {
		return s.fail("缺少值")
	}
	switch c := s.data[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.nested(depth, '}')
	case c == '[':
		return s.nested(depth, ']')
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return s.fail("无效的值")
}

func (s *scanner) nested(depth int, end byte) error {
	if end == '}' {
		// Re-enter object with a depth check on its values.
		s.i++
		s.skipSpace()
		if s.i < len(s.data) && s.data[s.i] == '}' {
			s.i++
			return nil
		}
		for {
			s.skipSpace()
			if s.i >= len(s.data) || s.data[s.i] != '"' {
				return s.fail("应为字段名（带引号的字符串）")
			}
			if err := s.str(); err != nil {
				return err
			}
			s.skipSpace()
			if s.i >= len(s.data) || s.data[s.i] != ':' {
				return s.fail("字段名后应为冒号")
			}
			s.i++
			s.skipSpace()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.skipSpace()
			if s.i >= len(s.data) {
				return s.fail("对象没有结束")
			}
			switch s.data[s.i] {
			case ',':
				s.i++
			case '}':
				s.i++
				return nil
			default:
				return s.fail("字段之间应为逗号")
			}
		}
	}
	s.i++
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		s.skipSpace()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.skipSpace()
		if s.i >= len(s.data) {
			return s.fail("数组没有结束")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("数组元素之间应为逗号")
		}
	}
}

func (s *scanner) lit(word string) error {
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return s.fail("无效的值")
	}
	s.i += len(word)
	return nil
}

func (s *scanner) number() error {
	d := s.data
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.i = i
		return s.fail("无效的数字")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.i = i
			return s.fail("无效的数字")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.i = i
			return s.fail("无效的数字")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.i = i
	return nil
}

// str skips a string starting at the opening quote, checking escapes and control characters.
// Invalid UTF-8 is accepted (encoding/json replaces it with U+FFFD).
func (s *scanner) str() error {
	d := s.data
	i := s.i + 1
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.i = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(d) {
				s.i = i
				return s.fail("字符串没有结束")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					s.i = i
					return s.fail("无效的 \\u 转义")
				}
				i += 6
			default:
				s.i = i
				return s.fail("无效的转义字符")
			}
		case c < 0x20:
			s.i = i
			return s.fail("字符串中有控制字符")
		default:
			i++
		}
	}
	s.i = i
	return s.fail("字符串没有结束")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unquote returns the text of a JSON string value that scanObject has already checked.
func unquote(v []byte) string {
	body := v[1 : len(v)-1]
	esc := false
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			esc = true
			break
		}
	}
	if !esc {
		return string(body)
	}
	if !hasByte(body, '\\') && utf8.Valid(body) {
		return string(body)
	}
	b := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		c := body[i]
		if c == '\\' {
			switch body[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(body[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
						if r2 := utf16.DecodeRune(r, hex4(body[i+2:i+6])); r2 != utf8.RuneError {
							b = utf8.AppendRune(b, r2)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // " \ /
				b = append(b, body[i+1])
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, body[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}
