package idcard

// DisabilityCategory digits of the second-generation disability certificate (第二代残疾人证).
const (
	CategoryVisual       = 1 // 视力残疾
	CategoryHearing      = 2 // 听力残疾
	CategorySpeech       = 3 // 言语残疾
	CategoryPhysical     = 4 // 肢体残疾
	CategoryIntellectual = 5 // 智力残疾
	CategoryMental       = 6 // 精神残疾
	CategoryMultiple     = 7 // 多重残疾
)

// DisabilityCert is a parsed second-generation disability certificate number (残疾人证号): the
// holder's 18-character identity number, one category digit and one grade digit.
type DisabilityCert struct {
	Number   string // 20 characters
	Holder   ID
	Category int // 1–7, see the Category constants
	Grade    int // 1–4 (一级 … 四级)
}

// ParseDisabilityCert checks a 20-character disability certificate number: a valid identity
// number followed by a category digit 1–7 and a grade digit 1–4.
func ParseDisabilityCert(s string) (DisabilityCert, error) {
	n := Normalize(s)
	if n == "" {
		return DisabilityCert{}, errf(CodeEmpty, "未填写残疾人证号")
	}
	if len(n) != 20 {
		return DisabilityCert{}, errf(CodeLength, "残疾人证号应为 20 位（18 位公民身份号码 + 残疾类别 1 位 + 残疾等级 1 位），现为 "+itoa(len([]rune(n)))+" 位")
	}
	id, err := Parse(n[:18])
	if err != nil {
		e := err.(*Error)
		return DisabilityCert{}, errf(e.Code, "残疾人证号前 18 位不是有效的公民身份号码："+e.Message)
	}
	if id.Converted {
		return DisabilityCert{}, errf(CodeFormat, "残疾人证号前 18 位应为 18 位公民身份号码")
	}
	cat, grade := n[18], n[19]
	if cat < '1' || cat > '7' {
		return DisabilityCert{}, errf(CodeCategory, "残疾人证号第 19 位为残疾类别，应为 1–7（1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重），填写的是 "+string(cat))
	}
	if grade < '1' || grade > '4' {
		return DisabilityCert{}, errf(CodeGrade, "残疾人证号第 20 位为残疾等级，应为 1–4，填写的是 "+string(grade))
	}
	return DisabilityCert{Number: n, Holder: id, Category: int(cat - '0'), Grade: int(grade - '0')}, nil
}
