package store

import (
	"context"
	"database/sql"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

// Summary is the plain part of a stored record: what statistics count, read without decrypting
// anything. The answers are those stored, as of Classification date AsOf (today's after the
// daily Reclassify).
type Summary struct {
	UID           string
	Status        string
	Synthetic     bool
	Sex           string
	BirthDate     child.Date
	Ethnicity     string
	ResidenceCode string // division code as given (6, 9 or 12 digits), "" when unknown
	HukouCode     string
	CoResidents   string
	SchoolStage   string
	StudyStatus   string
	Boarding      *bool
	Insurance     string
	Health        []string // nil when unknown
	Disability    []string // nil when unknown
	Hardship      []string
	Assistance    []string
	// Parents working away and the province where they work (2 digits).
	FatherMigrant, MotherMigrant   *bool
	FatherWorkProv, MotherWorkProv string
	CaregiverRelation              string
	GuardianshipIssue              string

	AsOf              child.Date
	Age               int
	MigrantMonitoring string
	MigrantStatistics string
	LeftBehind        string
	KeyCare           string
	KeyCareReasons    []string
}

const summarySelect = `SELECT uid, status, synthetic, sex, birth_date, ethnicity, res_code, hukou_code, co_residents,
 school_stage, study_status, boarding, medical_insurance, health, disability_types, family_hardship, assistance,
 father_migrant_worker, mother_migrant_worker, father_work_province, mother_work_province, caregiver_relation,
 guardianship_issue, classified_on, age, migrant_monitoring, migrant_statistics, left_behind, key_care, key_care_reasons
 FROM children`

// EachSummary calls fn for the summary of every record matching q (paging ignored), in id order,
// streaming: a city's million records are never held at once.
func (s *Store) EachSummary(ctx context.Context, q Query, fn func(*Summary) error) error {
	where, args, err := s.scopedWhere(ctx, &q, auth.PermChildrenRead, auth.PermStatsRead)
	if err != nil {
		return err
	}
	if err := s.Audit(ctx, audit.StatsRead, "", q.criteria()); err != nil {
		return err
	}
	rows, err := s.query(ctx, summarySelect+where+" ORDER BY id", args...)
	if err != nil {
		return internal("读取统计数据", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m                                           Summary
			synthetic, boarding, fm, mm                 sql.NullBool
			sex, eth, res, huk, co, stage, study, ins   sql.NullString
			health, dis, hard, assist, fwp, mwp, cr, gi sql.NullString
			birth, asOf, age                            sql.NullInt64
			reasons                                     string
		)
		if err := rows.Scan(&m.UID, &m.Status, &synthetic, &sex, &birth, &eth, &res, &huk, &co, &stage, &study, &boarding,
			&ins, &health, &dis, &hard, &assist, &fm, &mm, &fwp, &mwp, &cr, &gi, &asOf, &age,
			&m.MigrantMonitoring, &m.MigrantStatistics, &m.LeftBehind, &m.KeyCare, &reasons); err != nil {
			return internal("读取统计数据", err)
		}
		m.Synthetic = synthetic.Bool
		m.Sex, m.Ethnicity, m.ResidenceCode, m.HukouCode, m.CoResidents = sex.String, eth.String, res.String, huk.String, co.String
		m.SchoolStage, m.StudyStatus, m.Insurance = stage.String, study.String, ins.String
		m.FatherWorkProv, m.MotherWorkProv, m.CaregiverRelation, m.GuardianshipIssue = fwp.String, mwp.String, cr.String, gi.String
		m.BirthDate, m.AsOf = child.Date(birth.Int64), child.Date(asOf.Int64)
		m.Age = -1
		if age.Valid {
			m.Age = int(age.Int64)
		}
		m.Boarding, m.FatherMigrant, m.MotherMigrant = boolPtr(boarding), boolPtr(fm), boolPtr(mm)
		m.Health, m.Disability, m.Hardship, m.Assistance = setOf(health), setOf(dis), setOf(hard), setOf(assist)
		m.KeyCareReasons = splitSet(reasons)
		if err := fn(&m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return internal("读取统计数据", err)
	}
	return nil
}

// Each calls fn for every record matching q (paging ignored), decrypted, in id order,
// streaming: for statistics as of another date, which classify the records again. A principal
// that reads statistics but not records (统计人员, 督导) gets the records without what
// identifies a person (child.Record.WithoutIdentity): the rules and the tables need none of it.
func (s *Store) Each(ctx context.Context, q Query, fn func(*Child) error) error {
	where, args, err := s.scopedWhere(ctx, &q, auth.PermChildrenRead, auth.PermStatsRead, auth.PermChildrenExport)
	if err != nil {
		return err
	}
	p := auth.PrincipalFrom(ctx)
	anonymous := !p.Can(auth.PermChildrenRead) && !p.Can(auth.PermChildrenExport)
	if err := s.Audit(ctx, audit.ChildBulkRead, "", q.criteria()); err != nil {
		return err
	}
	rows, err := s.query(ctx, childSelect+where+" ORDER BY id", args...)
	if err != nil {
		return internal("读取儿童记录", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, _, err := s.scanChild(rows.Scan)
		if err != nil {
			return internal("读取儿童记录", err)
		}
		if anonymous {
			c.Record = c.Record.WithoutIdentity()
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return internal("读取儿童记录", err)
	}
	return nil
}

func boolPtr(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}

func setOf(s sql.NullString) []string {
	if !s.Valid {
		return nil
	}
	return splitSet(s.String)
}
