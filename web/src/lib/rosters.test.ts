import { describe, expect, it } from 'vitest'
import { withQuery } from './api'
import { NONE } from './record'
import {
  bulkBody, deptLabel, discrepancyQuery, draftForm, fieldLabel, kindDepartment, knownLevels, leadFormKind, leadQuery, levelView, pairRows,
  percent, progressOf, reviewQuery, verificationKinds, type ReviewPair,
} from './rosters'

describe('levelView', () => {
  it('maps every level internal/match names to one of the four classes', () => {
    // The level names of match.levelNames (compare.go) and of the store's agreement (sex, ID).
    const fromMatch = [
      'missing', 'exact', 'typo', 'disagree', // identity numbers
      'pinyin', 'near', 'one_char', 'partial', // names
      'day_month_swap', 'one_part', // dates
      'agree', // sex
      'township', 'county', 'prefecture', 'province', // regions
    ]
    for (const l of fromMatch) expect(knownLevels, l).toContain(l)
    expect(levelView('exact')).toMatchObject({ cls: 'same', text: '一致', type: 'success' })
    expect(levelView('agree')).toMatchObject({ cls: 'same', text: '一致', type: 'success' })
    expect(levelView('township').cls).toBe('same')
    for (const l of ['pinyin', 'near', 'one_char', 'partial', 'typo', 'day_month_swap', 'one_part', 'county', 'prefecture', 'province']) {
      expect(levelView(l), l).toMatchObject({ cls: 'near', text: '相近', type: 'warning' })
    }
    expect(levelView('disagree')).toMatchObject({ cls: 'differ', text: '不一致', type: 'danger' })
    expect(levelView('missing')).toMatchObject({ cls: 'missing', text: '缺失', type: 'info' })
  })
  it('shows a level it does not know by name, as missing rather than as agreement', () => {
    const v = levelView('soundex')
    expect(v.cls).toBe('missing')
    expect(v.detail).toContain('soundex')
    expect(levelView(undefined).text).toBe('缺失')
  })
  it('explains each level in Chinese', () => {
    expect(levelView('day_month_swap').detail).toBe('月、日颠倒')
    expect(levelView('pinyin').detail).toContain('拼音相同')
  })
})

const pair: ReviewPair = {
  id: 4, department: 'education', batch: 'b1', roster: 'v.csv', row: 2, score: 0.1306560105540423, method: 'probabilistic', review: 'pending',
  roster_row: { name: '闫**', sex: '1', birth_date: '2016-10-06', residence_region: '150302002009' },
  candidate: { name: '闫**', sex: '1', birth_date: '2016-10-06', id_number: '150302********1373', residence_region: '150302002009', hukou_region: '150302008003', father_name: '闫**' },
  child_uid: 'c1',
  agreement: { birth_date: 'exact', father_name: 'missing', id_number: 'missing', mother_name: 'missing', name: 'one_char', sex: 'agree' },
  fields: [
    { field: 'residence_region', level: 'township', weight: 2.71, sibling_weight: 0 },
    { field: 'hukou_region', level: 'missing', weight: 0, sibling_weight: 0 },
  ],
}

describe('pairRows', () => {
  it('lays a pair out in the order of the form, levels from the agreement and, for regions, the field weights', () => {
    const rows = pairRows(pair)
    expect(rows.map((r) => r.label)).toEqual(['姓名', '性别', '出生日期', '公民身份号码', '户籍地', '现居住地', '父亲', '母亲'])
    const by = Object.fromEntries(rows.map((r) => [r.key, r]))
    expect(by.name.level.text).toBe('相近')
    expect(by.birth_date.level.text).toBe('一致')
    expect(by.sex.level.text).toBe('一致')
    expect(by.residence_region.level.text).toBe('一致')
    expect(by.residence_region.region).toBe(true)
    expect(by.name.region).toBe(false)
    expect(by.id_number).toMatchObject({ roster: '', record: '150302********1373' })
    expect(by.id_number.level.text).toBe('缺失')
  })
  it('calls a line missing when one side is empty, whatever the level says', () => {
    const p = { ...pair, agreement: { ...pair.agreement, father_name: 'exact' } }
    expect(pairRows(p).find((r) => r.key === 'father_name')?.level.cls).toBe('missing')
  })
})

describe('queries', () => {
  it('asks for pending pairs with only the filters that are set', () => {
    expect(reviewQuery({ dept: '', batch: ' ', minScore: null }, 20, 40)).toEqual({ status: 'pending', dept: undefined, batch: undefined, min_score: undefined, limit: 20, offset: 40 })
    const q = reviewQuery({ dept: 'education', batch: ' b1 ', minScore: 0.25 }, 20, 0)
    expect(withQuery('/api/v1/roster-reviews', q)).toBe('/api/v1/roster-reviews?status=pending&dept=education&batch=b1&min_score=0.25&limit=20&offset=0')
    expect(bulkBody({ dept: 'police', batch: ' x ', minScore: null }, 0.3)).toEqual({ min_score: 0.3, dept: 'police', batch: 'x' })
  })
  it('sends the status of a discrepancy list only for contradictions', () => {
    expect(discrepancyQuery({ kind: 'no_school', region: '150302', asOf: '', status: 'resolved' })).toEqual({ kind: 'no_school', region: '150302', as_of: undefined })
    expect(withQuery('/api/v1/discrepancies/export', discrepancyQuery({ kind: 'contradiction', region: '', asOf: '2026-09-01', status: 'all' })))
      .toBe('/api/v1/discrepancies/export?kind=contradiction&as_of=2026-09-01&status=all')
    expect(discrepancyQuery({ kind: 'dropout', region: '', asOf: '', status: '' }, { limit: 50, offset: 100 })).toMatchObject({ limit: 50, offset: 100 })
  })
  it('leaves the status out of a lead query for all leads', () => {
    expect(withQuery('/api/v1/leads', leadQuery({ region: '', status: 'all', dept: 'education' }))).toBe('/api/v1/leads?dept=education')
    expect(withQuery('/api/v1/leads/export', leadQuery({ region: '150302', status: 'open', dept: '' }, { limit: 20, offset: 0 })))
      .toBe('/api/v1/leads/export?region=150302&status=open&limit=20&offset=0')
  })
})

describe('draftForm', () => {
  it('puts the draft on a blank form, keeping the form defaults the draft does not set', () => {
    const f = draftForm(
      { name: '刘小北', sex: '1', birth_date: '2018-03-01', id_number: '620602201803012112', hukou_address: { region_code: '620602' }, school_name: '海北小学', father: { name: '刘大海' } },
      { reporting_unit: '黄河社区', report_date: '2026-11-29', residence_address: { region_code: '150302002004', detail: '' } },
    )
    expect(f.name).toBe('刘小北')
    expect(f.id_number).toBe('620602201803012112')
    expect(f.hukou_address).toEqual({ region_code: '620602', detail: '' })
    expect(f.residence_address.region_code).toBe('150302002004')
    expect(f.father.name).toBe('刘大海')
    expect(f.father.phone).toBe('') // the rest of the block is there for the inputs
    expect(f.mother.name).toBe('')
    expect(f.school_name).toBe('海北小学')
    expect(f.reporting_unit).toBe('黄河社区')
    expect(f.collection_method).toBe('home_visit')
  })
  it('lets the draft override a default and leaves masked values out', () => {
    const f = draftForm({ name: '刘**', residence_address: { region_code: '150302002001', detail: '3号楼***' }, mother: { name: '王**' } }, { residence_address: { region_code: '150302002004' } })
    expect(f.name).toBe('')
    expect(f.residence_address).toEqual({ region_code: '150302002001', detail: '' })
    expect(f.mother.name).toBe('')
  })
  it('keeps an empty set as 无 and copes with no draft', () => {
    expect(draftForm({ assistance: [] }).assistance).toEqual([NONE])
    expect(draftForm(null).name).toBe('')
  })
})

describe('small helpers', () => {
  it('names departments, fields and kinds', () => {
    expect(deptLabel('insurance')).toBe('医保')
    expect(deptLabel('tax')).toBe('tax')
    expect(fieldLabel('given_name')).toBe('名')
    expect(fieldLabel('guardian_id')).toBe('监护人公民身份号码')
    expect(kindDepartment('no_health_mgmt')).toBe('health')
    expect(kindDepartment('contradiction')).toBe('')
  })
  it('shows scores as percentages', () => {
    expect(percent(0.1306560105540423)).toBe('13.1%')
    expect(percent(0.3)).toBe('30%')
    expect(percent(1)).toBe('100%')
  })
  it('counts a verification list as done for answered and not-found children', () => {
    expect(progressOf({ count: 0, answered: 0, not_found: 0 })).toBe(0)
    expect(progressOf({ count: 8, answered: 3, not_found: 1 })).toBe(50)
    expect(progressOf({ count: 3, answered: 3, not_found: 0 })).toBe(100)
  })
  it('offers each department its own selections besides the whole population', () => {
    expect(verificationKinds('education').map((k) => k.value)).toEqual(['', 'no_school', 'dropout'])
    expect(verificationKinds('police').map((k) => k.value)).toEqual(['', 'no_residence_permit', 'permit_expiring'])
    expect(verificationKinds('unknown').map((k) => k.value)).toEqual([''])
    expect(verificationKinds('police')[0].label).toBe('区域内流动儿童')
  })
  it('suggests the left-behind form for a left-behind lead', () => {
    expect(leadFormKind(['flag_left_behind'])).toBe('left_behind')
    expect(leadFormKind(['parents_away', 'hukou_elsewhere'])).toBe('left_behind')
    expect(leadFormKind(['flag_migrant', 'hukou_elsewhere'])).toBe('migrant')
    expect(leadFormKind(undefined)).toBe('migrant')
  })
})
