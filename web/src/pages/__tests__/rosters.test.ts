import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import RosterReview from '../RosterReview.vue'
import LeadsList from '../LeadsList.vue'
import { session } from '../../lib/session'

// A fake server: each handler answers a method and path (query left out); every call is kept.
type Handler = (body: unknown, url: URL) => [number, unknown]
let calls: { method: string; url: URL; body: unknown }[]
function server(routes: Record<string, Handler>) {
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://x')
    const method = init.method ?? 'GET'
    const body = init.body ? JSON.parse(String(init.body)) : undefined
    calls.push({ method, url, body })
    const h = routes[method + ' ' + url.pathname] ?? (url.pathname.startsWith('/api/v1/regions/') ? () => [200, { division: { name: '黄河社区居委会' } }] : undefined)
    const [status, reply] = h ? h(body, url) : [404, { error: { code: 'not_found', message: '没有' } }]
    return new Response(JSON.stringify(reply), { status, headers: { 'Content-Type': 'application/json' } })
  })
}

async function mountPage(component: object, path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component }] })
  await router.push(path)
  const w = mount(component, { global: { plugins: [ElementPlus, router], stubs: { RegionPicker: true } }, attachTo: document.body })
  await flushPromises()
  return w
}

const pair = {
  id: 4, department: 'education', batch: 'b1', roster: '教育名册.csv', row: 3, score: 0.1306, method: 'probabilistic', review: 'pending',
  roster_row: { name: '陈**', sex: '1', birth_date: '2015-08-06' },
  candidate: { name: '陈**', sex: '1', birth_date: '2015-08-06', id_number: '621102********2479', residence_region: '150302002004' },
  child_uid: 'c1',
  agreement: { name: 'one_char', sex: 'agree', birth_date: 'exact', id_number: 'missing', father_name: 'missing', mother_name: 'missing' },
  fields: [{ field: 'given_name', level: 'one_char', weight: -3.11, sibling_weight: -6.39 }],
}

beforeEach(() => {
  calls = []
  session.user = { username: 'reviewer', name: '王建国', roles: ['reviewer'], role_labels: [], department: 'minzheng', department_label: '民政',
    org_unit: { code: '150302', name: '海勃湾区', path: '' }, permissions: ['rosters.import', 'leads.read', 'leads.work', 'children.create'], mfa_enrolled: true, mfa_required: true }
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('RosterReview', () => {
  it('shows the pair side by side with its agreement, and accepting it posts the decision and drops it', async () => {
    server({
      'GET /api/v1/roster-reviews': (_, u) => [200, { items: u.searchParams.get('batch') === 'b1' ? [pair] : [], total: 1 }],
      'GET /api/v1/roster-reviews/count': () => [200, { total: 0 }],
      'POST /api/v1/roster-reviews/4': () => [200, { id: 4, outcome: 'updated', child_uid: 'c1', filled: ['school_name'], lead: false, discrepancies: 0 }],
    })
    const w = await mountPage(RosterReview, '/rosters/review?batch=b1')
    const list = calls.find((c) => c.url.pathname === '/api/v1/roster-reviews')!
    expect(list.url.searchParams.get('status')).toBe('pending')
    expect(w.get('[data-test=agree-name]').text()).toBe('相近')
    expect(w.get('[data-test=agree-birth_date]').text()).toBe('一致')
    expect(w.get('[data-test=agree-id_number]').text()).toBe('缺失')
    expect(w.get('[data-test=pair-score]').text()).toContain('13.1%')
    expect(w.text()).toContain('黄河社区居委会') // the candidate's residence by name
    expect(w.text()).toContain('621102********2479')
    await w.get('[data-test=pair-accept]').trigger('click')
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.url.pathname).toBe('/api/v1/roster-reviews/4')
    expect(post.body).toEqual({ decision: 'accept' })
    expect(w.find('.pair').exists()).toBe(false)
    w.unmount()
  })
  it('shows how many pairs a bulk accept would take at the threshold', async () => {
    server({
      'GET /api/v1/roster-reviews': () => [200, { items: [pair], total: 1 }],
      'GET /api/v1/roster-reviews/count': (_, u) => [200, { total: u.searchParams.get('min_score') === '0.3' ? 7 : -1 }],
    })
    const w = await mountPage(RosterReview, '/rosters/review?dept=education')
    expect(w.get('[data-test=bulk-count]').text()).toContain('7')
    const count = calls.find((c) => c.url.pathname === '/api/v1/roster-reviews/count')!
    expect(count.url.searchParams.get('dept')).toBe('education')
    w.unmount()
  })
})

describe('LeadsList', () => {
  const lead = {
    uid: 'L1', department: 'education', batch: 'b1', row: 4, region_code: '150302002004', reasons: ['flag_migrant'], reason_text: ['名册标注为随迁子女（流动儿童）'],
    person: { name: '刘**', sex: '1', birth_date: '2018-03-01' }, status: 'open', created_at: '2026-11-29 19:02:30',
  }
  it('lists open leads with their reasons and a registration link carrying the lead', async () => {
    server({ 'GET /api/v1/leads': () => [200, { items: [lead], total: 1 }] })
    const w = await mountPage(LeadsList, '/leads')
    const q = calls.find((c) => c.url.pathname === '/api/v1/leads')!.url.searchParams
    expect(q.get('status')).toBe('open')
    expect(w.text()).toContain('名册标注为随迁子女（流动儿童）')
    expect(w.get('[data-test=lead-register-card]').attributes('href')).toBe('/children/new?lead=L1')
    expect(w.get('[data-test=leads-export]').attributes('href')).toBe('/api/v1/leads/export?status=open')
    w.unmount()
  })
  it('asks for a note before closing a lead as not found', async () => {
    server({
      'GET /api/v1/leads': () => [200, { items: [lead], total: 1 }],
      'POST /api/v1/leads/L1/outcome': () => [200, { ...lead, status: 'closed', outcome: 'not_found' }],
    })
    const w = await mountPage(LeadsList, '/leads')
    const btn = w.findAll('.card-actions button').find((b) => b.text() === '查无此人')!
    await btn.trigger('click')
    await flushPromises()
    const confirm = document.querySelector('[data-test=lead-close-confirm]') as HTMLButtonElement
    confirm.click()
    await flushPromises()
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
    // Element Plus animates the message in; the marked item is what can be seen here.
    expect(document.querySelector('.el-dialog .el-form-item')?.classList.contains('is-error')).toBe(true)
    const note = document.querySelector('textarea[data-test=lead-note]') as HTMLTextAreaElement
    note.value = '已随父母返回户籍地'
    note.dispatchEvent(new Event('input'))
    confirm.click()
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.url.pathname).toBe('/api/v1/leads/L1/outcome')
    expect(post.body).toEqual({ outcome: 'not_found', note: '已随父母返回户籍地' })
    w.unmount()
  })
})
