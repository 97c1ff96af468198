// Department rosters on the client (docs/rosters.md): departments, the matcher's comparison
// levels as a reviewer reads them, the query strings of the review, discrepancy and lead lists,
// and a lead's draft turned into the registration form.
import { withQuery } from './api'
import { fill, type Rec } from './record'

export interface Department {
  code: string
  label: string
}

/** The departments that send rosters, in the order the upload page offers them. */
export const departments: Department[] = [
  { code: 'education', label: '教育' },
  { code: 'police', label: '公安' },
  { code: 'health', label: '卫健' },
  { code: 'insurance', label: '医保' },
  { code: 'disability', label: '残联' },
  { code: 'assistance', label: '民政（社会救助）' },
  { code: 'rural', label: '民政（防止返贫监测）' },
  { code: 'women', label: '妇联' },
]

export function deptLabel(code: string | undefined | null): string {
  if (!code) return ''
  return departments.find((d) => d.code === code)?.label ?? code
}

// ---- comparison levels ---------------------------------------------------------------------

export type AgreementClass = 'same' | 'near' | 'differ' | 'missing'
export type TagType = 'success' | 'warning' | 'danger' | 'info'

export interface LevelView {
  cls: AgreementClass
  text: string // 一致 / 相近 / 不一致 / 缺失
  detail: string // what the level means, for the tooltip and the weight table
  type: TagType // Element Plus tag colour
}

const classText: Record<AgreementClass, string> = { same: '一致', near: '相近', differ: '不一致', missing: '缺失' }
const classType: Record<AgreementClass, TagType> = { same: 'success', near: 'warning', differ: 'danger', missing: 'info' }

// Every level name internal/match gives (LevelName, NameLevel, DateLevel, and the sex and ID
// levels of the store's agreement): the class it counts as, and what it means. A region that
// agrees down to the township counts as the same place; agreeing only on the county, the
// prefecture or the province is near.
const levels: Record<string, [AgreementClass, string]> = {
  missing: ['missing', '一方为空，不参与比对'],
  exact: ['same', '完全相同'],
  agree: ['same', '相同'],
  township: ['same', '同一乡镇（街道）'],
  pinyin: ['near', '拼音相同（同音字）'],
  near: ['near', '读音或字形相近'],
  one_char: ['near', '有一个字不同'],
  partial: ['near', '多字、少字或两字颠倒'],
  typo: ['near', '号码有一两位不同（疑似笔误）'],
  day_month_swap: ['near', '月、日颠倒'],
  one_part: ['near', '年、月、日中有一项不同'],
  county: ['near', '同一县（区），乡镇不同'],
  prefecture: ['near', '同一地级市，县（区）不同'],
  province: ['near', '同一省份，地级市不同'],
  disagree: ['differ', '不同'],
}

/** levelView says how a reviewer sees a comparison level; an unknown level is shown as missing
 * with its own name, so that a new level of the matcher is visible rather than wrong. */
export function levelView(level: string | undefined | null): LevelView {
  const hit = level ? levels[level] : undefined
  const cls: AgreementClass = hit ? hit[0] : 'missing'
  const detail = hit ? hit[1] : level ? '比对结果：' + level : '未比对'
  return { cls, text: classText[cls], detail, type: classType[cls] }
}

/** knownLevels lists the level names levelView maps (for tests). */
export const knownLevels = Object.keys(levels)

/** Labels of the matcher's compared fields (match.FieldNames) and the agreement's keys. */
export const fieldLabels: Record<string, string> = {
  id: '公民身份号码',
  id_number: '公民身份号码',
  name: '姓名',
  surname: '姓',
  given_name: '名',
  birth_date: '出生日期',
  sex: '性别',
  hukou_region: '户籍地',
  residence_region: '现居住地',
  father_name: '父亲姓名',
  mother_name: '母亲姓名',
  guardian_name: '监护人姓名',
  guardian_id: '监护人公民身份号码',
}

export function fieldLabel(f: string): string {
  return fieldLabels[f] ?? f
}

export interface PairPerson {
  name?: string
  sex?: string
  birth_date?: string
  id_number?: string
  residence_region?: string
  hukou_region?: string
  father_name?: string
  mother_name?: string
}

export interface FieldWeight {
  field: string
  level: string
  weight: number
  sibling_weight: number
}

export interface ReviewPair {
  id: number
  department: string
  batch: string
  roster: string
  row: number
  score: number
  method: string
  review: string
  roster_row: PairPerson
  candidate: PairPerson
  child_uid: string
  agreement: Record<string, string>
  fields: FieldWeight[]
  /** names and numbers in full, for the comparison (the server audits the reading) */
  full?: boolean
}

export interface PairLine {
  key: keyof PairPerson
  label: string
  roster: string
  record: string
  level: LevelView
  region: boolean // the values are division codes, to be shown by name
}

// The lines of the side-by-side view and where each one's level comes from: the agreement for
// the person's own items; the per-field table for the regions (the agreement has none).
const pairLines: { key: keyof PairPerson; label: string; agreement?: string; field?: string }[] = [
  { key: 'name', label: '姓名', agreement: 'name' },
  { key: 'sex', label: '性别', agreement: 'sex' },
  { key: 'birth_date', label: '出生日期', agreement: 'birth_date' },
  { key: 'id_number', label: '公民身份号码', agreement: 'id_number' },
  { key: 'hukou_region', label: '户籍地', field: 'hukou_region' },
  { key: 'residence_region', label: '现居住地', field: 'residence_region' },
  { key: 'father_name', label: '父亲', agreement: 'father_name' },
  { key: 'mother_name', label: '母亲', agreement: 'mother_name' },
]

/** pairRows lays a review pair out line by line: roster value, record value, agreement. */
export function pairRows(p: ReviewPair): PairLine[] {
  return pairLines.map((l) => {
    let level: string | undefined
    if (l.agreement) level = p.agreement?.[l.agreement]
    else level = p.fields?.find((f) => f.field === l.field)?.level
    const r = (p.roster_row?.[l.key] ?? '') as string
    const c = (p.candidate?.[l.key] ?? '') as string
    // Either side empty is "missing" whatever the level says.
    if (!r || !c) level = 'missing'
    return { key: l.key, label: l.label, roster: r, record: c, level: levelView(level), region: l.field !== undefined }
  })
}

/** percent shows a score of 0–1 as a percentage with at most one decimal. */
export function percent(score: number): string {
  if (!Number.isFinite(score)) return ''
  const p = Math.round(score * 1000) / 10
  return p + '%'
}

export const sexText: Record<string, string> = { '1': '男', '2': '女', '0': '未知', '9': '未说明' }

// ---- list queries --------------------------------------------------------------------------

export interface ReviewFilter {
  dept: string
  batch: string
  minScore: number | null
}

/** reviewQuery is the query of the pending-pair list for a filter and a page. */
export function reviewQuery(f: ReviewFilter, limit: number, offset: number): Record<string, string | number | undefined> {
  return {
    status: 'pending',
    dept: f.dept || undefined,
    batch: f.batch.trim() || undefined,
    min_score: f.minScore !== null && f.minScore > 0 ? f.minScore : undefined,
    limit,
    offset,
  }
}

/** bulkBody is the body of a bulk accept: the pairs of the same filter at or above threshold. */
export function bulkBody(f: ReviewFilter, threshold: number): { min_score: number; dept: string; batch: string } {
  return { min_score: threshold, dept: f.dept, batch: f.batch.trim() }
}

export interface DiscrepancyFilter {
  kind: string
  region: string
  asOf: string
  status: string // contradictions only: open / resolved / all
}

/** discrepancyQuery is the query of one kind's list (or of its export, without a page). */
export function discrepancyQuery(f: DiscrepancyFilter, page?: { limit: number; offset: number }): Record<string, string | number | undefined> {
  const q: Record<string, string | number | undefined> = { kind: f.kind, region: f.region || undefined, as_of: f.asOf || undefined }
  if (f.kind === 'contradiction' && f.status) q.status = f.status
  if (page) Object.assign(q, page)
  return q
}

export interface LeadFilter {
  region: string
  status: string
  dept: string
}

export function leadQuery(f: LeadFilter, page?: { limit: number; offset: number }): Record<string, string | number | undefined> {
  const status = f.status && f.status !== 'all' ? f.status : undefined
  const q: Record<string, string | number | undefined> = { region: f.region || undefined, status, dept: f.dept || undefined }
  if (page) Object.assign(q, page)
  return q
}

/** exportURL is the address of an Excel export with the list's filters. */
export function exportURL(path: string, q: Record<string, string | number | undefined>): string {
  return withQuery(path, q as Record<string, string | number | undefined>)
}

// ---- leads ---------------------------------------------------------------------------------

export interface Lead {
  uid: string
  department: string
  batch: string
  row: number
  region_code: string
  reasons: string[]
  reason_text: string[]
  person: PairPerson
  status: string
  outcome?: string
  outcome_label?: string
  child_uid?: string
  created_at: string
}

export const leadOutcomes: Record<string, string> = { registered: '已登记', not_eligible: '不符合条件', not_found: '查无此人' }

/**
 * draftForm turns a lead's draft record into the registration form: the record's items on a
 * blank form, what the form itself sets (填报单位, 填报日期, 采集方式) kept unless the draft says
 * otherwise, and values the API masked (王**) left out, since saving them would store the mask.
 */
export function draftForm(record: Rec | null | undefined, defaults: Rec = {}): Rec {
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('*') ? undefined : v
    if (Array.isArray(v)) return v.map(clean)
    if (v && typeof v === 'object') {
      const out: Rec = {}
      for (const [k, x] of Object.entries(v as Rec)) {
        const c = clean(x)
        if (c !== undefined && c !== null && c !== '') out[k] = c
      }
      return out
    }
    return v
  }
  const merged: Rec = { ...defaults, ...((clean(record ?? {}) as Rec) ?? {}) }
  return fill(merged)
}

// ---- discrepancies -------------------------------------------------------------------------

// The department whose roster a discrepancy kind needs (docs/rosters.md); contradictions come
// from any roster.
const kindDepartments: Record<string, string> = {
  no_school: 'education',
  dropout: 'education',
  no_residence_permit: 'police',
  permit_expiring: 'police',
  no_insurance: 'insurance',
  no_health_mgmt: 'health',
  disability_unrecorded: 'disability',
  disability_unlisted: 'disability',
}

export function kindDepartment(kind: string): string {
  return kindDepartments[kind] ?? ''
}

// ---- verification lists --------------------------------------------------------------------

export interface Choice {
  value: string
  label: string
}

// What a verification list may hold, per department (the verification API's kinds): "" is the
// department's whole population in the region.
const verifyKinds: Record<string, Choice[]> = {
  education: [{ value: 'no_school', label: '义务教育年龄儿童不在学生名册中' }, { value: 'dropout', label: '疑似辍学' }],
  police: [
    { value: 'no_residence_permit', label: '流动儿童没有居住证或暂住登记记录' },
    { value: 'permit_expiring', label: '居住证已过期或 60 日内到期' },
  ],
  health: [{ value: 'no_health_mgmt', label: '0-6 岁儿童没有健康管理服务记录' }],
  insurance: [{ value: 'no_insurance', label: '不在医保参保名册中' }],
  disability: [{ value: 'disability_unlisted', label: '登记为残疾，但不在残联持证名册中' }],
}

// The population a department is asked about when no narrower selection is chosen (the store's
// populationLabels).
const populations: Record<string, string> = {
  education: '义务教育年龄（6-15 周岁）儿童',
  police: '流动儿童',
  health: '0-6 岁儿童',
  insurance: '全部儿童',
  disability: '登记有残疾的儿童',
}

/** verificationKinds lists the selections a department can be asked to check. */
export function verificationKinds(dept: string): Choice[] {
  return [{ value: '', label: '区域内' + (populations[dept] ?? '全部儿童') }, ...(verifyKinds[dept] ?? [])]
}

export interface Verification {
  uid: string
  department: string
  department_label?: string
  region: string
  kind: string
  kind_label?: string
  note?: string
  count: number
  answered: number
  not_found: number
  pending: number
  created_by?: string
  created_at: string
}

/** progressOf is the share of a list's children the department has answered for (found or
 * not), as a whole percentage. */
export function progressOf(v: Pick<Verification, 'count' | 'answered' | 'not_found'>): number {
  if (!v.count) return 0
  return Math.min(100, Math.round(((v.answered + v.not_found) / v.count) * 100))
}

/** leadFormKind picks the registration form a lead suggests: 附件2 (left-behind) when the roster
 * says so or says the parents work away, else 附件1 (migrant). */
export function leadFormKind(reasons: string[] | null | undefined): 'migrant' | 'left_behind' {
  const r = reasons ?? []
  return r.includes('flag_left_behind') || r.includes('parents_away') ? 'left_behind' : 'migrant'
}
