import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, whenReauthNeeded, whenUnauthenticated } from './api'
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

describe('an ended session', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    whenReauthNeeded(null)
    whenUnauthenticated(() => undefined)
  })
  // The server answers 401 to the first request, then 200.
  function server() {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      seen.push(String(init.method) + ' ' + url)
      return seen.length === 1
        ? new Response(JSON.stringify({ error: { code: 'unauthenticated', message: '登录已失效' } }), { status: 401 })
        : new Response(JSON.stringify({ ok: 1 }), { status: 200 })
    })
    return seen
  }
  it('is renewed in place and the request is sent again', async () => {
    const seen = server()
    let asked = 0
    whenReauthNeeded(async () => {
      asked++
      return true
    })
    expect(await api('/api/v1/children', { method: 'POST', body: { name: '王小明' } })).toEqual({ ok: 1 })
    expect(asked).toBe(1)
    expect(seen).toEqual(['POST /api/v1/children', 'POST /api/v1/children'])
  })
  it('goes to the login page when the dialog is cancelled', async () => {
    const seen = server()
    let gone = false
    whenReauthNeeded(async () => false)
    whenUnauthenticated(() => (gone = true))
    await expect(api('/api/v1/children')).rejects.toBeInstanceOf(ApiError)
    expect(gone).toBe(true)
    expect(seen.length).toBe(1)
  })
})
