import { describe, expect, it, beforeEach, vi, afterEach } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import ClassificationPanel from '../ClassificationPanel.vue'
import PersonFields from '../PersonFields.vue'
import LoginPage from '../../pages/LoginPage.vue'
import { codes } from '../../lib/codes'
import { emptyParent } from '../../lib/record'
import { session } from '../../lib/session'

const global = { plugins: [ElementPlus] }

describe('ClassificationPanel', () => {
  it('shows each answer, the key-care reasons, the reasons and what is missing', () => {
    codes.tables = { key_care_reason: [{ code: 'family_hardship', label: '家庭生活困难' }] }
    const w = mount(ClassificationPanel, {
      global,
      props: {
        value: {
          age: 9, migrant_monitoring: 'yes', migrant_statistics: 'yes', left_behind: 'no', key_care: 'yes',
          key_care_reasons: ['family_hardship'], reasons: ['现居住地与户籍地不在同一县（区）'], missing: ['来现居住地日期'],
          warnings: [{ field: 'school_stage', message: '9 岁在读学前' }],
        },
      },
    })
    expect(w.get('[data-test=cls-mm]').text()).toContain('是')
    expect(w.get('[data-test=cls-lb]').text()).toContain('否')
    expect(w.get('[data-test=cls-kc]').text()).toContain('家庭生活困难')
    expect(w.text()).toContain('现居住地与户籍地不在同一县（区）')
    expect(w.text()).toContain('来现居住地日期')
    expect(w.text()).toContain('9 岁在读学前')
    expect(w.text()).toContain('9 周岁')
  })
  it('says what to fill in before there is an answer', () => {
    const w = mount(ClassificationPanel, { global, props: { value: null } })
    expect(w.text()).toContain('填写出生日期、户籍地和现居住地后显示判定结果')
  })
  it('shows undetermined as 待定', () => {
    const w = mount(ClassificationPanel, {
      global,
      props: { value: { age: null, migrant_monitoring: 'undetermined', migrant_statistics: 'no', left_behind: 'no', key_care: 'no', key_care_reasons: [], reasons: [], missing: [] } },
    })
    expect(w.get('[data-test=cls-mm]').text()).toContain('待定')
  })
})

describe('PersonFields', () => {
  // The division picker loads from the server; here it is a plain stub, inside a form as on the page.
  const mountPerson = (props: Record<string, unknown>) =>
    mount(
      { components: { PersonFields }, props: ['p'], template: '<el-form><PersonFields v-bind="p" /></el-form>' },
      { global: { ...global, stubs: { RegionPicker: true } }, props: { p: props } },
    )
  it('asks where and since when a parent works only when the parent works away', async () => {
    const person = emptyParent()
    const w = mountPerson({ person, path: 'father', kind: 'parent', errors: {}, showWork: false })
    expect(w.text()).not.toContain('务工地')
    await w.setProps({ p: { person, path: 'father', kind: 'parent', errors: {}, showWork: true } })
    expect(w.text()).toContain('务工地')
    expect(w.text()).toContain('外出务工起始日期')
  })
  it('marks the item the server’s message concerns', async () => {
    const w = mountPerson({ person: emptyParent(), path: 'mother', kind: 'parent', errors: { 'mother.phone': '电话号码格式不对' } })
    await flushPromises()
    const item = w.findAll('.el-form-item').find((i) => i.text().includes('联系方式'))
    // Element Plus animates the message in; the marked item is what the test can see here (the
    // browser test checks the message text).
    expect(item?.classes()).toContain('is-error')
    const other = w.findAll('.el-form-item').find((i) => i.text().includes('公民身份号码'))
    expect(other?.classes()).not.toContain('is-error')
  })
  it('has a relation item for a guardian and none for a parent', () => {
    const g = mountPerson({ person: { ...emptyParent(), relation: '' }, path: 'other_guardian', kind: 'guardian', errors: {} })
    expect(g.text()).toContain('与儿童关系')
    const p = mountPerson({ person: emptyParent(), path: 'father', kind: 'parent', errors: {} })
    expect(p.text()).not.toContain('与儿童关系')
  })
})

describe('LoginPage', () => {
  let calls: { url: string; body: Record<string, unknown> }[]
  beforeEach(() => {
    calls = []
    session.user = null
  })
  afterEach(() => vi.unstubAllGlobals())

  // The server's answers, in order: what POST /api/v1/session says to each attempt.
  function server(replies: [number, unknown][]) {
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body ?? '{}')) })
      const [status, body] = replies.shift()!
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
    })
  }

  async function mountLogin() {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/login', component: LoginPage }, { path: '/', component: { template: '<p>home</p>' } }] })
    await router.push('/login')
    const w = mount(LoginPage, { global: { plugins: [ElementPlus, router] }, attachTo: document.body })
    return { w, router }
  }

  it('asks for the dynamic code when the password is right, then signs in', async () => {
    const user = { username: 'reviewer', name: '王建国', roles: ['reviewer'], role_labels: ['民政审核员'], permissions: ['children.read'], org_unit: { code: '150302', name: '海勃湾区', path: '乌海市/海勃湾区' } }
    server([
      [401, { error: { code: 'mfa_required', message: '请输入动态验证码' } }],
      [401, { error: { code: 'bad_totp', message: '动态验证码不正确' } }],
      [200, { user, csrf_token: 't', must_change_password: false }],
    ])
    const { w, router } = await mountLogin()
    await w.get('input[data-test=username]').setValue('reviewer')
    await w.get('input[data-test=password]').setValue('correct horse battery')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.find('input[data-test=totp]').exists()).toBe(true)
    expect(w.find('[data-test=login-error]').exists()).toBe(false)

    await w.get('input[data-test=totp]').setValue('000000')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test=login-error]').text()).toContain('动态验证码不正确')

    await w.get('input[data-test=totp]').setValue('123456')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls.map((c) => c.body.totp)).toEqual([undefined, '000000', '123456'])
    expect(calls.every((c) => c.body.username === 'reviewer')).toBe(true)
    expect(session.user?.name).toBe('王建国')
    expect(router.currentRoute.value.path).toBe('/')
    w.unmount()
  })

  it('refuses an empty form without asking the server, and shows the server’s message', async () => {
    server([[401, { error: { code: 'bad_credentials', message: '用户名或密码错误' } }]])
    const { w } = await mountLogin()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test=login-error]').text()).toContain('请输入用户名')
    expect(calls).toHaveLength(0)
    await w.get('input[data-test=username]').setValue('nobody')
    await w.get('input[data-test=password]').setValue('wrong')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-test=login-error]').text()).toContain('用户名或密码错误')
    w.unmount()
  })
})
