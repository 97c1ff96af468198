package child

import (
	"encoding/binary"
	"errors"
)

// Facts are a record without what identifies a person (WithoutIdentity) in a compact binary
// form: what the rules and the statistical tables read — codes, dates, division codes, yes/no
// answers and sets. The store keeps them plain beside the sealed record (the statistics
// projection), so that statistics never decrypt a record; they are about a tenth of the JSON's
// size and decode without reflection.
//
// The form: a version byte, then one item per field that is set, each a tag byte and its value —
// a string or division code as a length (uvarint) and its bytes, a date as a varint, a yes/no
// as one byte, a set as a count (uvarint) and its strings (a present empty set differs from an
// unknown one, which has no item), a nested part (an address, a parent, a guardian, a
// caregiver, rehabilitation, a request for help) as its own items closed by tagEnd. Tags are
// never reused: a field added to Record takes a new one (TestFactsCoverEveryField fails until it
// has one or is listed as identifying).

const factsVersion = 1

// Tags of the fields. Nested parts reuse the numbers of their own fields inside them.
const (
	tagEnd byte = iota
	tagSex
	tagBirthDate
	tagEthnicity
	tagHukouRegistered
	tagHukouAddress
	tagResidenceAddr
	tagCoResidents
	tagResidenceRegistration
	tagHousing
	tagLeftHukouDate
	tagArrivedDate
	tagGuardianshipQuality
	tagGuardianshipIssue
	tagSchoolStage
	tagStudyStatus
	tagBoarding
	tagHealth
	tagHealthMgmt06
	tagTCMMgmt036m
	tagMedicalInsurance
	tagDisabilityTypes
	tagDisabilityGrade
	tagDisabilityCertificate
	tagRehabilitation
	tagFather
	tagMother
	tagBothParentsAway
	tagOneAwayOtherIncapable
	tagOtherGuardian
	tagCaregiver
	tagFamilyHardship
	tagAssistance
	tagVagrant
	tagHelpRequested
	tagCollectionMethod
	tagReportDate
	tagImmunization
)

// Tags inside a nested part.
const (
	subHukouAddress byte = iota + 1
	subResidenceAddr
	subMigrantWorker
	subWorkRegionCode
	subWorkSince
	subCapacity
	subRelation
	subPresent
	subReceived
	subRequested
	subDate
)

// AppendFacts appends the facts of r to b.
func (r *Record) AppendFacts(b []byte) []byte {
	b = append(b, factsVersion)
	b = putString(b, tagSex, r.Sex)
	b = putDate(b, tagBirthDate, r.BirthDate)
	b = putString(b, tagEthnicity, r.Ethnicity)
	b = putBool(b, tagHukouRegistered, r.HukouRegistered)
	b = putAddress(b, tagHukouAddress, r.HukouAddress)
	b = putAddress(b, tagResidenceAddr, r.ResidenceAddr)
	b = putString(b, tagCoResidents, r.CoResidents)
	b = putString(b, tagResidenceRegistration, r.ResidenceRegistration)
	b = putString(b, tagHousing, r.Housing)
	b = putDate(b, tagLeftHukouDate, r.LeftHukouDate)
	b = putDate(b, tagArrivedDate, r.ArrivedDate)
	b = putString(b, tagGuardianshipQuality, r.GuardianshipQuality)
	b = putString(b, tagGuardianshipIssue, r.GuardianshipIssue)
	b = putString(b, tagSchoolStage, r.SchoolStage)
	b = putString(b, tagStudyStatus, r.StudyStatus)
	b = putBool(b, tagBoarding, r.Boarding)
	b = putSet(b, tagHealth, r.Health)
	b = putString(b, tagHealthMgmt06, r.HealthMgmt06)
	b = putString(b, tagTCMMgmt036m, r.TCMMgmt036m)
	b = putString(b, tagMedicalInsurance, r.MedicalInsurance)
	b = putString(b, tagImmunization, r.Immunization)
	b = putSet(b, tagDisabilityTypes, r.DisabilityTypes)
	b = putString(b, tagDisabilityGrade, r.DisabilityGrade)
	b = putBool(b, tagDisabilityCertificate, r.DisabilityCertificate)
	if x := r.Rehabilitation; x != nil {
		b = append(b, tagRehabilitation)
		b = putBool(b, subReceived, x.Received)
		b = append(b, tagEnd)
	}
	b = putParent(b, tagFather, r.Father)
	b = putParent(b, tagMother, r.Mother)
	b = putBool(b, tagBothParentsAway, r.BothParentsAway)
	b = putBool(b, tagOneAwayOtherIncapable, r.OneAwayOtherIncapable)
	if g := r.OtherGuardian; g != nil {
		b = append(b, tagOtherGuardian)
		b = putString(b, subRelation, g.Relation)
		b = putAddress(b, subHukouAddress, g.HukouAddress)
		b = putAddress(b, subResidenceAddr, g.ResidenceAddr)
		b = append(b, tagEnd)
	}
	if c := r.Caregiver; c != nil {
		b = append(b, tagCaregiver)
		b = putBool(b, subPresent, c.Present)
		b = putString(b, subRelation, c.Relation)
		b = putAddress(b, subHukouAddress, c.HukouAddress)
		b = putAddress(b, subResidenceAddr, c.ResidenceAddr)
		b = append(b, tagEnd)
	}
	b = putSet(b, tagFamilyHardship, r.FamilyHardship)
	b = putSet(b, tagAssistance, r.Assistance)
	b = putBool(b, tagVagrant, r.Vagrant)
	if h := r.HelpRequested; h != nil {
		b = append(b, tagHelpRequested)
		b = putBool(b, subRequested, h.Requested)
		b = putDate(b, subDate, h.Date)
		b = append(b, tagEnd)
	}
	b = putString(b, tagCollectionMethod, r.CollectionMethod)
	b = putDate(b, tagReportDate, r.ReportDate)
	return b
}

func putString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putDate(b []byte, tag byte, d Date) []byte {
	if d == 0 {
		return b
	}
	return binary.AppendVarint(append(b, tag), int64(d))
}

func putBool(b []byte, tag byte, v *bool) []byte {
	if v == nil {
		return b
	}
	if *v {
		return append(b, tag, 1)
	}
	return append(b, tag, 0)
}

func putSet(b []byte, tag byte, set []string) []byte {
	if set == nil {
		return b
	}
	b = binary.AppendUvarint(append(b, tag), uint64(len(set)))
	for _, s := range set {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// putAddress writes an address that is there (nil: nothing) as its division code.
func putAddress(b []byte, tag byte, a *Address) []byte {
	if a == nil {
		return b
	}
	b = binary.AppendUvarint(append(b, tag), uint64(len(a.RegionCode)))
	return append(b, a.RegionCode...)
}

func putParent(b []byte, tag byte, p *Parent) []byte {
	if p == nil {
		return b
	}
	b = append(b, tag)
	b = putAddress(b, subHukouAddress, p.HukouAddress)
	b = putAddress(b, subResidenceAddr, p.ResidenceAddr)
	b = putBool(b, subMigrantWorker, p.MigrantWorker)
	b = putString(b, subWorkRegionCode, p.WorkRegionCode)
	b = putDate(b, subWorkSince, p.WorkSince)
	b = putString(b, subCapacity, p.Capacity)
	return append(b, tagEnd)
}

var errFacts = errors.New("facts: malformed")

// factsReader reads the items of facts.
type factsReader struct {
	b   []byte
	err error
	// strs interns the strings read (nil: none): the facts of many records repeat the same few
	// hundred codes, and a string interned is one allocation less per field.
	strs map[string]string
}

func (f *factsReader) byte() byte {
	if len(f.b) == 0 {
		f.err = errFacts
		return tagEnd
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

func (f *factsReader) str() string {
	n, k := binary.Uvarint(f.b)
	if k <= 0 || uint64(len(f.b)-k) < n {
		f.err = errFacts
		f.b = nil
		return ""
	}
	raw := f.b[k : k+int(n)]
	f.b = f.b[k+int(n):]
	if f.strs == nil || len(raw) > 24 {
		return string(raw)
	}
	if s, ok := f.strs[string(raw)]; ok {
		return s
	}
	if len(f.strs) >= 4096 {
		return string(raw)
	}
	s := string(raw)
	f.strs[s] = s
	return s
}

func (f *factsReader) date() Date {
	v, k := binary.Varint(f.b)
	if k <= 0 {
		f.err = errFacts
		f.b = nil
		return 0
	}
	f.b = f.b[k:]
	return Date(v)
}

func (f *factsReader) bool() *bool {
	v := f.byte()
	if v > 1 {
		f.err = errFacts
	}
	return Bool(v == 1)
}

func (f *factsReader) set() []string {
	n, k := binary.Uvarint(f.b)
	if k <= 0 || n > uint64(len(f.b)) {
		f.err = errFacts
		f.b = nil
		return nil
	}
	f.b = f.b[k:]
	out := make([]string, 0, n)
	for range n {
		if f.err != nil {
			return nil
		}
		out = append(out, f.str())
	}
	return out
}

func (f *factsReader) address() *Address { return &Address{RegionCode: f.str()} }

// DecodeFacts decodes facts written by AppendFacts into r (which it overwrites).
func DecodeFacts(b []byte, r *Record) error { return decodeFacts(b, r, nil) }

// FactsDecoder decodes the facts of many records, sharing the strings they repeat (codes,
// division codes) between them. One goroutine uses a decoder at a time.
type FactsDecoder struct{ strs map[string]string }

// Decode decodes facts written by AppendFacts into r (which it overwrites).
func (d *FactsDecoder) Decode(b []byte, r *Record) error {
	if d.strs == nil {
		d.strs = make(map[string]string, 512)
	}
	return decodeFacts(b, r, d.strs)
}

func decodeFacts(b []byte, r *Record, strs map[string]string) error {
	*r = Record{}
	if len(b) == 0 || b[0] != factsVersion {
		return errFacts
	}
	f := &factsReader{b: b[1:], strs: strs}
	for len(f.b) > 0 && f.err == nil {
		switch tag := f.byte(); tag {
		case tagSex:
			r.Sex = f.str()
		case tagBirthDate:
			r.BirthDate = f.date()
		case tagEthnicity:
			r.Ethnicity = f.str()
		case tagHukouRegistered:
			r.HukouRegistered = f.bool()
		case tagHukouAddress:
			r.HukouAddress = f.address()
		case tagResidenceAddr:
			r.ResidenceAddr = f.address()
		case tagCoResidents:
			r.CoResidents = f.str()
		case tagResidenceRegistration:
			r.ResidenceRegistration = f.str()
		case tagHousing:
			r.Housing = f.str()
		case tagLeftHukouDate:
			r.LeftHukouDate = f.date()
		case tagArrivedDate:
			r.ArrivedDate = f.date()
		case tagGuardianshipQuality:
			r.GuardianshipQuality = f.str()
		case tagGuardianshipIssue:
			r.GuardianshipIssue = f.str()
		case tagSchoolStage:
			r.SchoolStage = f.str()
		case tagStudyStatus:
			r.StudyStatus = f.str()
		case tagBoarding:
			r.Boarding = f.bool()
		case tagHealth:
			r.Health = f.set()
		case tagHealthMgmt06:
			r.HealthMgmt06 = f.str()
		case tagTCMMgmt036m:
			r.TCMMgmt036m = f.str()
		case tagMedicalInsurance:
			r.MedicalInsurance = f.str()
		case tagImmunization:
			r.Immunization = f.str()
		case tagDisabilityTypes:
			r.DisabilityTypes = f.set()
		case tagDisabilityGrade:
			r.DisabilityGrade = f.str()
		case tagDisabilityCertificate:
			r.DisabilityCertificate = f.bool()
		case tagRehabilitation:
			x := &Rehabilitation{}
			for f.err == nil {
				t := f.byte()
				if t == tagEnd {
					break
				}
				if t != subReceived {
					f.err = errFacts
					break
				}
				x.Received = f.bool()
			}
			r.Rehabilitation = x
		case tagFather:
			r.Father = f.parent()
		case tagMother:
			r.Mother = f.parent()
		case tagBothParentsAway:
			r.BothParentsAway = f.bool()
		case tagOneAwayOtherIncapable:
			r.OneAwayOtherIncapable = f.bool()
		case tagOtherGuardian:
			g := &Guardian{}
			for f.err == nil {
				t := f.byte()
				if t == tagEnd {
					break
				}
				switch t {
				case subRelation:
					g.Relation = f.str()
				case subHukouAddress:
					g.HukouAddress = f.address()
				case subResidenceAddr:
					g.ResidenceAddr = f.address()
				default:
					f.err = errFacts
				}
			}
			r.OtherGuardian = g
		case tagCaregiver:
			c := &Caregiver{}
			for f.err == nil {
				t := f.byte()
				if t == tagEnd {
					break
				}
				switch t {
				case subPresent:
					c.Present = f.bool()
				case subRelation:
					c.Relation = f.str()
				case subHukouAddress:
					c.HukouAddress = f.address()
				case subResidenceAddr:
					c.ResidenceAddr = f.address()
				default:
					f.err = errFacts
				}
			}
			r.Caregiver = c
		case tagFamilyHardship:
			r.FamilyHardship = f.set()
		case tagAssistance:
			r.Assistance = f.set()
		case tagVagrant:
			r.Vagrant = f.bool()
		case tagHelpRequested:
			h := &HelpRequest{}
			for f.err == nil {
				t := f.byte()
				if t == tagEnd {
					break
				}
				switch t {
				case subRequested:
					h.Requested = f.bool()
				case subDate:
					h.Date = f.date()
				default:
					f.err = errFacts
				}
			}
			r.HelpRequested = h
		case tagCollectionMethod:
			r.CollectionMethod = f.str()
		case tagReportDate:
			r.ReportDate = f.date()
		default:
			f.err = errFacts
		}
	}
	return f.err
}

func (f *factsReader) parent() *Parent {
	p := &Parent{}
	for f.err == nil {
		t := f.byte()
		if t == tagEnd {
			break
		}
		switch t {
		case subHukouAddress:
			p.HukouAddress = f.address()
		case subResidenceAddr:
			p.ResidenceAddr = f.address()
		case subMigrantWorker:
			p.MigrantWorker = f.bool()
		case subWorkRegionCode:
			p.WorkRegionCode = f.str()
		case subWorkSince:
			p.WorkSince = f.date()
		case subCapacity:
			p.Capacity = f.str()
		default:
			f.err = errFacts
		}
	}
	return p
}
