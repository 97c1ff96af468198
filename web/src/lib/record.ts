// The child record of DATA.md on the client: an empty record, the rules that decide which items
// of the paper forms apply, cleaning before saving, and field errors by JSON path.
import type { FieldIssue } from './api'

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Rec = Record<string, any>

/** NONE stands in a set's checkboxes for 无 (nothing applies). */
export const NONE = '__none'

export interface Address {
  region_code: string
  detail: string
}

export function emptyAddress(): Address {
  return { region_code: '', detail: '' }
}

export function emptyParent(): Rec {
  return {
    name: '', id_number: '', phone: '', hukou_address: emptyAddress(), residence_address: emptyAddress(),
    migrant_worker: null, work_region_code: '', work_since: '', capacity: '',
  }
}

export function emptyPerson(): Rec {
  return { name: '', relation: '', id_number: '', phone: '', hukou_address: emptyAddress(), residence_address: emptyAddress() }
}

/** emptyRecord is a blank form with every block present, so inputs can bind to it. */
export function emptyRecord(): Rec {
  return {
    name: '', sex: '', birth_date: '', ethnicity: '', id_number: '', hukou_registered: true,
    hukou_address: emptyAddress(), residence_address: emptyAddress(),
    co_residents: '', residence_registration: '', housing: '', left_hukou_date: '', arrived_date: '',
    guardianship_quality: '', guardianship_issue: '',
    school_stage: '', school_name: '', study_status: '', boarding: null,
    health: [], health_mgmt_0_6: '', tcm_mgmt_0_36m: '', medical_insurance: '',
    disability_types: [], disability_grade: '', disability_certificate: null,
    rehabilitation: { received: null, detail: '' },
    father: emptyParent(), mother: emptyParent(),
    both_parents_away: null, one_away_other_incapable: null,
    other_guardian: emptyPerson(),
    caregiver: { present: null, relation_other: '', ...emptyPerson() },
    family_hardship: [], family_hardship_other: '', assistance: [],
    vagrant: null, help_requested: { requested: null, detail: '', date: '' },
    collection_method: 'home_visit', reporting_unit: '', report_date: '',
  }
}

/** fill merges a stored record into a blank form, so that every input has its place. */
export function fill(stored: Rec): Rec {
  const sets = ['disability_types', 'family_hardship', 'assistance']
  const merge = (blank: any, v: any): any => {
    if (v === null || v === undefined) return blank
    if (Array.isArray(blank)) return Array.isArray(v) ? [...v] : blank
    if (blank && typeof blank === 'object') {
      const out: Rec = { ...blank }
      for (const k of Object.keys(v)) out[k] = k in blank ? merge(blank[k], v[k]) : v[k]
      return out
    }
    return v
  }
  const out = merge(emptyRecord(), stored)
  for (const k of sets) if (Array.isArray(stored[k]) && stored[k].length === 0) out[k] = [NONE]
  return out
}

/**
 * clean turns the form into the record the API takes: unfilled items are absent (DATA.md: never
 * an empty string that means "no"), empty blocks are dropped, strings are trimmed. A set the user
 * left untouched stays absent; a set is sent empty only when the form says 无.
 */
export function clean(r: Rec): Rec {
  const walk = (v: any): any => {
    if (typeof v === 'string') {
      const t = v.trim()
      return t === '' ? undefined : t
    }
    if (v === null || v === undefined) return undefined
    // NONE is the form's 无: an answered, empty set; an untouched set stays absent.
    if (Array.isArray(v)) return v.includes(NONE) ? [] : v.length ? [...v] : undefined
    if (typeof v === 'object') {
      const out: Rec = {}
      for (const [k, x] of Object.entries(v)) {
        const c = walk(x)
        if (c !== undefined) out[k] = c
      }
      return Object.keys(out).length ? out : undefined
    }
    return v
  }
  const out = walk(r) ?? {}
  // An address without a division code is not an address.
  for (const key of ['hukou_address', 'residence_address']) {
    if (out[key] && !out[key].region_code && !out[key].detail) delete out[key]
  }
  for (const p of ['father', 'mother', 'other_guardian', 'caregiver']) {
    if (!out[p]) continue
    for (const key of ['hukou_address', 'residence_address']) {
      if (out[p][key] && !out[p][key].region_code && !out[p][key].detail) delete out[p][key]
    }
    if (Object.keys(out[p]).length === 0) delete out[p]
  }
  if (out.rehabilitation && out.rehabilitation.received === undefined) delete out.rehabilitation
  if (out.help_requested && out.help_requested.requested === undefined) delete out.help_requested
  return out
}

/** ageMonths is the age in full months on today (both YYYY-MM-DD), or null. */
export function ageMonths(birth: string, today: string): number | null {
  const b = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birth)
  const t = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today)
  if (!b || !t) return null
  let m = (+t[1] - +b[1]) * 12 + (+t[2] - +b[2])
  if (+t[3] < +b[3]) m--
  return m < 0 ? null : m
}

/** Which paper form the collector is filling: 附件1 (migrant), 附件2 (left-behind) or both. */
export type FormKind = 'migrant' | 'left_behind' | 'both'

/** Visible says which conditional items of the forms apply to the record as it stands. */
export interface Visible {
  form1: boolean // 附件1 items: co-residents, residence registration, housing, dates, other guardian
  form2: boolean // 附件2 items: parents' summary, entrusted caregiver
  otherGuardian: boolean
  caregiverDetails: boolean
  disabilityGrade: boolean
  healthMgmt06: boolean
  tcm036: boolean
  familyHardshipOther: boolean
  rehabDetail: boolean
  helpDetail: boolean
  fatherWork: boolean
  motherWork: boolean
}

export function visible(r: Rec, kind: FormKind, today: string): Visible {
  const months = ageMonths(r.birth_date, today)
  const form1 = kind !== 'left_behind'
  const form2 = kind !== 'migrant'
  return {
    form1,
    form2,
    otherGuardian: form1 && r.co_residents === 'other_guardian',
    caregiverDetails: form2 && r.caregiver?.present === true,
    disabilityGrade: (r.disability_types ?? []).some((t: string) => t !== NONE) || (r.health ?? []).includes('disabled'),
    // Unknown age: show both, the server decides.
    healthMgmt06: months === null || months < 7 * 12,
    tcm036: months === null || months <= 36,
    familyHardshipOther: (r.family_hardship ?? []).includes('other'),

    rehabDetail: r.rehabilitation?.received === true,
    helpDetail: r.help_requested?.requested === true,
    fatherWork: r.father?.migrant_worker === true,
    motherWork: r.mother?.migrant_worker === true,
  }
}

/** fieldErrors maps the server's issues to their JSON paths (first message per path). */
export function fieldErrors(issues: FieldIssue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const is of issues ?? []) {
    const f = is.field || ''
    if (!(f in out)) out[f] = is.message
  }
  return out
}

/** errorFor finds the message for a form item: its own path or a path under it. */
export function errorFor(errors: Record<string, string>, path: string): string {
  if (errors[path]) return errors[path]
  for (const [k, v] of Object.entries(errors)) {
    if (k.startsWith(path + '.') || k.startsWith(path + '[')) return v
  }
  return ''
}

/** todayInChina is today's date in China (UTC+8) as YYYY-MM-DD. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

/** isMasked tells a value shown masked by the server (王**, 150302********123X). */
export function isMasked(v: unknown): boolean {
  return typeof v === 'string' && v.includes('*')
}

/** withoutMasked drops masked values, for the live preview: the server restores them only when
 * the record is saved, and the classification does not depend on them. */
export function withoutMasked(r: Rec): Rec {
  const walk = (v: any): any => {
    if (isMasked(v)) return undefined
    if (Array.isArray(v) || v === null || typeof v !== 'object') return v
    const out: Rec = {}
    for (const [k, x] of Object.entries(v)) {
      const c = walk(x)
      if (c !== undefined) out[k] = c
    }
    return out
  }
  return walk(r)
}
