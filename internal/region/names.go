package region

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// dropRune reports whether NormalizeAddress removes r: white space of any
// kind (including NBSP and the ideographic space) and zero-width characters.
func dropRune(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// needsNormalize reports whether NormalizeAddress would change s. Every rune
// it changes is ASCII, invalid, or starts with one of the bytes C2, E1, E2,
// E3 or EF in UTF-8, so the scan decodes only those.
func needsNormalize(s string) bool { return indexNormalize(s) >= 0 }

// indexNormalize returns the index of the first byte of s that
// NormalizeAddress changes, or -1.
func indexNormalize(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < utf8.RuneSelf:
			if c <= ' ' || c == 0x7f {
				return i
			}
		case c == 0xc2 || c == 0xe1 || c == 0xe2 || c == 0xe3 || c == 0xef:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r >= 0xff01 && r <= 0xff5e || dropRune(r) {
				return i
			}
			i += size - 1
		}
	}
	if !utf8.ValidString(s) {
		for i, r := range s {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
					return i
				}
			}
		}
	}
	return -1
}

// NormalizeAddress returns the form of an address that Resolve works on:
// white space (spaces, tabs, NBSP, the ideographic space) and zero-width
// characters are removed, full-width ASCII characters (０-９, Ａ-Ｚ, （）, ，)
// become their ASCII forms, control characters are removed and invalid UTF-8
// bytes become U+FFFD. Resolution.Matched and Resolution.Rest are parts of it.
func NormalizeAddress(s string) string {
	if !needsNormalize(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xff01 && r <= 0xff5e:
			b.WriteByte(byte(r - 0xfee0))
		case dropRune(r), r < ' ', r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// committeeSuffixes turn an official village-level name into its place name:
// the suffix is cut and keep is the part of it that stays.
var committeeSuffixes = []struct{ suffix, keep string }{
	{"社区居民委员会", "社区"},
	{"社区居委会", "社区"},
	{"村民委员会", "村"},
	{"嘎查委员会", "嘎查"},
	{"嘎查委会", "嘎查"},
	{"村委会", "村"},
}

// placeName returns a village-level name without its committee suffix, or
// the name itself when it has none or too little would remain.
func placeName(name string) string {
	for _, c := range committeeSuffixes {
		if strings.HasSuffix(name, c.suffix) {
			p := name[:len(name)-len(c.suffix)+len(c.keep)]
			if utf8.RuneCountInString(p) > utf8.RuneCountInString(c.keep) {
				return p
			}
			return name
		}
	}
	return name
}

// committeeTails are the committee words that may follow a village's place
// name in an address and are consumed with it; longest first.
var committeeTails = []string{"居民委员会", "村民委员会", "民委员会", "委员会", "居委会", "村委会", "委会"}

// stripSuffixes lists, per level, the administrative suffixes that may be
// left out in an address when the context makes the name unique; tried in
// order, the first one leaving at least two characters wins.
var stripSuffixes = [6][]string{
	Prefecture: {"自治州", "地区", "盟", "市"},
	County:     {"自治县", "自治旗", "新区", "矿区", "林区", "区", "县", "市", "旗"},
	Township:   {"民族乡", "民族苏木", "街道", "苏木", "镇", "乡"},
}

// ethnicGroups are the 56 nationalities, for shortening names of
// autonomous divisions (延边朝鲜族自治州 → 延边, 广西壮族自治区 → 广西).
var ethnicGroups = strings.Fields(`汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣
	黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南
	仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙
	鄂伦春 赫哲 门巴 珞巴 基诺`)

// stripEthnic removes trailing nationality names (with 族, or without it for
// names of two or more characters) while at least two characters remain.
func stripEthnic(s string) string {
	for {
		changed := false
		for _, e := range ethnicGroups {
			var cut string
			switch {
			case strings.HasSuffix(s, e+"族"):
				cut = s[:len(s)-len(e)-len("族")]
			case utf8.RuneCountInString(e) >= 2 && strings.HasSuffix(s, e):
				cut = s[:len(s)-len(e)]
			default:
				continue
			}
			if utf8.RuneCountInString(cut) >= 2 {
				s = cut
				changed = true
				break
			}
		}
		if !changed {
			return s
		}
	}
}

// shortNames returns the suffix-less forms of a name of level l (besides
// the name itself), most specific first; none for villages.
func shortNames(name string, l Level) (out [3]string, n int) {
	add := func(s string) {
		if s == name || n == len(out) || utf8.RuneCountInString(s) < 2 {
			return
		}
		for _, o := range out[:n] {
			if o == s {
				return
			}
		}
		out[n] = s
		n++
	}
	if l == Province {
		for _, suf := range []string{"自治区", "省", "市"} {
			if strings.HasSuffix(name, suf) {
				stem := name[:len(name)-len(suf)]
				add(stem)
				add(stripEthnic(stem))
				break
			}
		}
		return out, n
	}
	if l < Prefecture || l > Township {
		return out, 0
	}
	for _, suf := range stripSuffixes[l] {
		if !strings.HasSuffix(name, suf) {
			continue
		}
		stem := name[:len(name)-len(suf)]
		if utf8.RuneCountInString(stem) < 2 {
			continue
		}
		add(stem)
		if strings.HasPrefix(suf, "自治") || strings.HasPrefix(suf, "民族") || strings.HasSuffix(stem, "族") {
			add(stripEthnic(stem))
		}
		break
	}
	return out, n
}
