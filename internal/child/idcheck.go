package child

import "guanai/internal/idcard"

// IDMismatches lists the disagreements between the child's ID number and the birth date or the
// sex (DATA.md): a warning at entry, so that a draft can be kept, but they block submission and
// approval until corrected, as the national system refuses such records. Each issue names the
// field to correct and says how, in Chinese; nil when they agree or cannot be compared.
func IDMismatches(r *Record) []Issue {
	if r.IDNumber == "" {
		return nil
	}
	id, err := idcard.Parse(r.IDNumber)
	if err != nil {
		return nil // an invalid number is an error at entry already
	}
	var out []Issue
	if born := DateOf(id.Birth); r.BirthDate != 0 && born != r.BirthDate {
		out = append(out, Issue{Field: "id_number", Code: "id_birth_mismatch",
			Message: "公民身份号码中的出生日期 " + born.String() + " 与填写的出生日期 " + r.BirthDate.String() + " 不一致，请更正公民身份号码或出生日期后再提交"})
	}
	if r.Sex == "1" || r.Sex == "2" {
		if idSex := sexCode(id.Sex); idSex != r.Sex {
			out = append(out, Issue{Field: "id_number", Code: "id_sex_mismatch",
				Message: "公民身份号码第 17 位表示性别为“" + Sex.Label(idSex) + "”，与填写的性别“" + Sex.Label(r.Sex) + "”不一致，请更正公民身份号码或性别后再提交"})
		}
	}
	return out
}
