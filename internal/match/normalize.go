package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// middleDot is the separator of transliterated minority names (阿依古丽·买买提).
const middleDot = '·'

// isDot reports the characters people type instead of the middle dot.
func isDot(r rune) bool {
	switch r {
	case '.', '·', '•', '・', '･', '‧', '∙', '⋅', 'ㆍ', '▪', '●', '۰', '˙', '﹒', '。':
		return true
	}
	return false
}

// normRune maps one character of a name to its canonical form: full-width ASCII to half-width,
// compatibility ideographs and Kangxi radicals to the unified ideograph, traditional to
// simplified, ASCII letters to upper case. It returns -1 for characters that are dropped
// (spaces, zero-width, control characters, punctuation) and middleDot for all dot variants.
func normRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	if isDot(r) {
		return middleDot
	}
	switch {
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	case r >= 0x4E00 && r <= 0x9FFF:
		return toSimplified(r)
	case r >= 0xF900 && r <= 0xFAFF, r >= 0x2E80 && r <= 0x2FDF, r >= 0x2F800 && r <= 0x2FA1F:
		s := norm.NFKC.String(string(r))
		if q, n := utf8.DecodeRuneInString(s); n == len(s) && q != utf8.RuneError {
			return toSimplified(q)
		}
		return r
	case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r), r >= 0x200B && r <= 0x200F, r == 0xFEFF, r == 0x2060:
		return -1
	case unicode.IsPunct(r) || unicode.IsSymbol(r):
		return -1
	}
	return r
}

// isOpen and isClose recognise brackets whose content (小名, 曾用名 …) is dropped from names.
func isOpen(r rune) bool  { return r == '(' || r == '（' || r == '[' || r == '【' || r == '〔' }
func isClose(r rune) bool { return r == ')' || r == '）' || r == ']' || r == '】' || r == '〕' }

// appendNormName appends the normalised characters of name to buf: see NormalizeName.
func appendNormName(buf []rune, name string) []rune {
	start := len(buf)
	depth := 0
	for _, r := range name {
		if isOpen(r) {
			depth++
			continue
		}
		if depth > 0 {
			if isClose(r) {
				depth--
			}
			continue
		}
		q := normRune(r)
		if q < 0 {
			continue
		}
		if q == middleDot && (len(buf) == start || buf[len(buf)-1] == middleDot) {
			continue
		}
		buf = append(buf, q)
	}
	for len(buf) > start && buf[len(buf)-1] == middleDot {
		buf = buf[:len(buf)-1]
	}
	return buf
}

// NormalizeName returns the canonical form of a person's name used for matching: full-width
// letters and digits made half-width, spaces and punctuation removed, bracketed remarks
// (小名、曾用名) dropped, every dot variant of minority names made the middle dot "·",
// compatibility and radical code points made ordinary characters, traditional characters made
// simplified and Latin letters upper-case.
func NormalizeName(name string) string {
	var arr [32]rune
	return string(appendNormName(arr[:0], name))
}

// compoundSurnames are two-character surnames (复姓).
var compoundSurnames = map[[2]rune]bool{}

func init() {
	for _, s := range strings.Fields("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 " +
		"独孤 南宫 西门 百里 呼延 万俟 申屠 太史 钟离 闻人 澹台 公冶 宗政 濮阳 淳于 单于 赫连 第五 拓跋 完颜 " +
		"司空 东郭 左丘 梁丘 微生 羊舌 谷梁 乐正 漆雕 公西 巫马 壤驷 段干 鲜于 闾丘 仲孙 叔孙") {
		r := []rune(s)
		compoundSurnames[[2]rune{r[0], r[1]}] = true
	}
}

// surnameLen returns how many leading characters of a normalised name are the surname: 0 for a
// transliterated name with a middle dot, for names of five or more characters (Mongolian and
// other transliterated names, written with or without the dot) and for single characters, 2 for
// a compound surname, else 1. Mongolian names without a surname are split the same way on both
// sides, which is all matching needs.
func surnameLen(rs []rune) int {
	if len(rs) < 2 || len(rs) >= 5 {
		return 0
	}
	for _, r := range rs {
		if r == middleDot {
			return 0
		}
	}
	if len(rs) >= 3 && compoundSurnames[[2]rune{rs[0], rs[1]}] {
		return 2
	}
	return 1
}

// SplitName splits a name into surname and given name after normalisation (see NormalizeName).
func SplitName(name string) (surname, given string) {
	rs := []rune(NormalizeName(name))
	n := surnameLen(rs)
	return string(rs[:n]), string(rs[n:])
}
