import { beforeEach, describe, expect, it } from 'vitest'
import { readID } from './idcard'
import { draftKey, dropDraft, loadDraft, pruneDrafts, saveDraft } from './draft'
import { stashMasked, unstash } from './masked'
import { clean, emptyRecord } from './record'

describe('readID', () => {
  it('reads birth date, sex and division of a valid number', () => {
    expect(readID('150302201503101237')).toEqual({ birthDate: '2015-03-10', sex: '1', region: '150302' })
  })
  it('refuses incomplete numbers, wrong check digits and impossible dates', () => {
    for (const id of ['1503022015031012', '150302201503101238', '150302201502301234', '', 'abc']) expect(readID(id)).toBe(null)
  })
  it('knows a girl by an even 17th digit', () => {
    const first17 = '15030220160801002'
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0)
    expect(readID(first17 + '10X98765432'[sum % 11])?.sex).toBe('2')
  })
})

describe('drafts in the browser', () => {
  beforeEach(() => localStorage.clear())
  it('are kept per user and record, and dropped when old', () => {
    const k = draftKey('collector', '')
    saveDraft(k, { form: { name: '王小明' }, kind: 'migrant', at: 1000 })
    expect(loadDraft(k, 2000)?.form.name).toBe('王小明')
    expect(loadDraft(draftKey('other', ''), 2000)).toBe(null)
    pruneDrafts(1000 + 8 * 24 * 3600_000)
    expect(loadDraft(k, 2000)).toBe(null)
    saveDraft(k, { form: {}, kind: 'migrant', at: 1000 })
    dropDraft(k)
    expect(localStorage.length).toBe(0)
  })
})

describe('masked values', () => {
  it('never stay in an input and go back unchanged when not retyped', () => {
    const r = emptyRecord()
    Object.assign(r, { name: '王小明', id_number: '150302************' })
    r.father.phone = '139****1111'
    r.mother.phone = '138****2222'
    const kept = stashMasked(r)
    expect(r.id_number).toBe('')
    expect(r.father.phone).toBe('')
    expect(r.name).toBe('王小明')
    r.mother.phone = '13700003333'
    const body = unstash(clean(r), kept)
    expect(body.id_number).toBe('150302************')
    expect(body.father.phone).toBe('139****1111')
    expect(body.mother.phone).toBe('13700003333')
  })
})
