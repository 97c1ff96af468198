import { describe, expect, it } from 'vitest'
import { NONE, ageMonths, clean, emptyRecord, errorFor, fieldErrors, fill, todayInChina, visible } from './record'

describe('clean', () => {
  it('drops what was not filled and keeps what was', () => {
    const r = emptyRecord()
    r.name = '  张小明 '
    r.sex = '1'
    r.birth_date = '2015-03-10'
    r.residence_address.region_code = '150302003012'
    r.father.phone = '13812345678'
    const got = clean(r)
    expect(got).toEqual({
      name: '张小明', sex: '1', birth_date: '2015-03-10', hukou_registered: true,
      residence_address: { region_code: '150302003012' },
      father: { phone: '13812345678' }, collection_method: 'home_visit',
    })
  })
  it('keeps false, which is an answer, and drops null, which is not', () => {
    const r = emptyRecord()
    r.boarding = false
    r.vagrant = null
    r.rehabilitation.received = false
    const got = clean(r)
    expect(got.boarding).toBe(false)
    expect('vagrant' in got).toBe(false)
    expect(got.rehabilitation).toEqual({ received: false })
    expect('help_requested' in got).toBe(false)
  })
})

describe('sets', () => {
  it('sends 无 as an empty set and an untouched set not at all', () => {
    const r = emptyRecord()
    r.family_hardship = [NONE]
    const got = clean(r)
    expect(got.family_hardship).toEqual([])
    expect('assistance' in got).toBe(false)
    expect(fill(got).family_hardship).toEqual([NONE])
  })
})

describe('fill', () => {
  it('puts a stored record into a blank form without losing unknown keys', () => {
    const f = fill({ name: '巴特尔', father: { name: '巴图' }, disability_types: ['visual'], ref: 'x1' })
    expect(f.name).toBe('巴特尔')
    expect(f.father.name).toBe('巴图')
    expect(f.father.phone).toBe('')
    expect(f.mother.hukou_address).toEqual({ region_code: '', detail: '' })
    expect(f.disability_types).toEqual(['visual'])
    expect(f.ref).toBe('x1')
  })
})

describe('ageMonths', () => {
  const cases: [string, string, number | null][] = [
    ['2020-03-10', '2023-03-10', 36],
    ['2020-03-10', '2023-03-09', 35],
    ['2020-03-10', '2020-03-09', null],
    ['', '2023-01-01', null],
  ]
  it.each(cases)('born %s, on %s: %s months', (b, t, want) => {
    expect(ageMonths(b, t)).toBe(want)
  })
})

describe('visible', () => {
  it('shows the 0–36-month item only to small children and 0–6 items below 7', () => {
    const r = emptyRecord()
    r.birth_date = '2023-01-01'
    expect(visible(r, 'both', '2025-06-30')).toMatchObject({ tcm036: true, healthMgmt06: true })
    r.birth_date = '2020-01-01'
    expect(visible(r, 'both', '2025-06-30')).toMatchObject({ tcm036: false, healthMgmt06: true })
    r.birth_date = '2015-01-01'
    expect(visible(r, 'both', '2025-06-30')).toMatchObject({ tcm036: false, healthMgmt06: false })
  })
  it('shows form-1 and form-2 blocks by form and situation', () => {
    const r = emptyRecord()
    r.co_residents = 'other_guardian'
    r.caregiver.present = true
    expect(visible(r, 'migrant', '2025-06-30')).toMatchObject({ form1: true, form2: false, otherGuardian: true, caregiverDetails: false })
    expect(visible(r, 'left_behind', '2025-06-30')).toMatchObject({ form1: false, form2: true, otherGuardian: false, caregiverDetails: true })
  })
  it('asks for a disability grade once a type is given', () => {
    const r = emptyRecord()
    expect(visible(r, 'both', '2025-06-30').disabilityGrade).toBe(false)
    r.disability_types = ['hearing']
    expect(visible(r, 'both', '2025-06-30').disabilityGrade).toBe(true)
  })
})

describe('field errors', () => {
  it('finds an item’s message by its path or a path under it', () => {
    const e = fieldErrors([
      { field: 'id_number', message: '校验码不对' },
      { field: 'id_number', message: '第二条' },
      { field: 'father.phone', message: '电话号码格式不对' },
    ])
    expect(errorFor(e, 'id_number')).toBe('校验码不对')
    expect(errorFor(e, 'father')).toBe('电话号码格式不对')
    expect(errorFor(e, 'mother')).toBe('')
  })
})

it('todayInChina is the date in UTC+8', () => {
  expect(todayInChina(new Date('2025-06-30T17:00:00Z'))).toBe('2025-07-01')
  expect(todayInChina(new Date('2025-06-30T15:59:00Z'))).toBe('2025-06-30')
})

describe('masked values', () => {
  it('are left out of the preview and kept for saving', async () => {
    const { withoutMasked, isMasked } = await import('./record')
    const r = { name: '王**', id_number: '640104********3711', father: { phone: '138****5678', name: '王强' }, sex: '1' }
    expect(withoutMasked(r)).toEqual({ father: { name: '王强' }, sex: '1' })
    expect(isMasked('王**')).toBe(true)
    expect(isMasked('王小川')).toBe(false)
    expect(clean(fill(r)).id_number).toBe('640104********3711')
  })
})
