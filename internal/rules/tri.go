// Package rules decides, as of a reference date, whether a child is a migrant child (流动儿童, in
// the monitoring scope and in the statistics scope), a left-behind child (留守儿童) and a key-care
// child (重点关爱服务对象), by the definitions of section 一 and 四(二) of Wuhai's work plan
// (乌民发〔2024〕47号) as RULES.md states them. Every answer is three-valued and carries readable
// Chinese reasons naming the facts used; missing facts make an answer undetermined, never yes. The
// package does no I/O.
package rules

// Tri is a three-valued answer.
type Tri int8

// The three answers. The zero value is Undetermined, so that a fact not looked at never counts
// as yes or no.
const (
	Undetermined Tri = 0
	Yes          Tri = 1
	No           Tri = 2
)

// String returns "yes", "no" or "undetermined", as CONTRACT.md writes them.
func (t Tri) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "undetermined"
}

// Chinese returns 是, 否 or 待确定.
func (t Tri) Chinese() string {
	switch t {
	case Yes:
		return "是"
	case No:
		return "否"
	}
	return "待确定"
}

// triOf turns a known boolean into Yes or No.
func triOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// and is "all of": No as soon as one is No, Undetermined when none is No but one is
// Undetermined, Yes only when all are Yes.
func and(ts ...Tri) Tri {
	out := Yes
	for _, t := range ts {
		switch t {
		case No:
			return No
		case Undetermined:
			out = Undetermined
		}
	}
	return out
}

// or is "either": Yes as soon as one is Yes, No when all are No, else Undetermined.
func or(ts ...Tri) Tri {
	out := No
	for _, t := range ts {
		switch t {
		case Yes:
			return Yes
		case Undetermined:
			out = Undetermined
		}
	}
	return out
}

// differ compares two division codes at a level of precision (6 for counties, 9 for townships):
// Yes when they differ within the digits both give, No when both give the level and agree,
// Undetermined when one is missing or too short to tell.
func differ(a, b string, level int) Tri {
	if a == "" || b == "" {
		return Undetermined
	}
	n := min(len(a), len(b), level)
	if a[:n] != b[:n] {
		return Yes
	}
	if n == level {
		return No
	}
	return Undetermined
}
