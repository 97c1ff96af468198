// End to end in Chromium, against the real binary: the key-care ledger. A child becomes key care
// at registration, the reviewer assesses it and sets a plan, the collector records a visit on a
// phone-sized screen, a referral goes to education and is answered by its officer, the case is
// closed once the child no longer qualifies and reopens when it qualifies again; the history
// shows every step.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { field, idNumber, launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser
const pages = {}
const consoleErrors = {}

before(async () => {
  srv = await startServer({ demoSize: 50 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

async function as(username, viewport = { width: 1280, height: 900 }) {
  const key = username + viewport.width
  if (pages[key]) return pages[key]
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  ctx.setDefaultTimeout(45_000)
  const page = await ctx.newPage()
  consoleErrors[key] = watchConsole(page)
  await login(page, srv.base, srv.users[username])
  pages[key] = page
  return page
}

/** call runs an API request in the page, as its signed-in user (cookie and CSRF token). */
async function call(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const s = await (await fetch('/api/v1/session')).json()
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: body ? JSON.stringify(body) : undefined })
    return { status: r.status, body: await r.json().catch(() => null) }
  }, [method, path, body])
}

/** pick chooses the option with text in the Element Plus select under sel. */
async function pick(page, sel, text) {
  await page.locator(sel).first().click()
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first().click()
}

const today = new Date(Date.now() + 8 * 3600_000)
const iso = (d) => d.toISOString().slice(0, 10)
const birth = new Date(today.getTime() - 9 * 365 * 86400_000)
const soon = iso(new Date(today.getTime() + 10 * 86400_000))
let uid = ''

describe('key-care ledger', { concurrency: false }, () => {
  test('key care at registration opens the entry; the reviewer assesses it and sets a plan', async () => {
    const collector = await as('collector', { width: 390, height: 844 })
    const unit = (await call(collector, 'GET', '/api/v1/session')).body.user.org_unit.code
    const rec = {
      name: '关小爱', sex: '2', birth_date: iso(birth), id_number: idNumber('640104', iso(birth).replaceAll('-', ''), 41, 2),
      residence_address: { region_code: unit, detail: '幸福路8号' }, hukou_address: { region_code: '640104' },
      co_residents: 'both_parents', left_hukou_date: iso(new Date(today.getTime() - 400 * 86400_000)), family_hardship: ['dibao'],
    }
    const r = await call(collector, 'POST', '/api/v1/children?allow_duplicate=true', rec)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    uid = r.body.uid
    assert.equal(r.body.classification?.key_care ?? r.body.key_care, 'yes', 'registered as key care')

    const reviewer = await as('reviewer')
    await reviewer.goto(srv.base + '/')
    await reviewer.locator('[data-test=work-review] a', { hasText: '关*' }).first().waitFor()
    await reviewer.goto(srv.base + '/ledger/' + uid)
    await reviewer.locator('[data-test=case-status]', { hasText: '待评估' }).waitFor()
    await reviewer.locator('[data-test=assess-risk] .el-radio', { hasText: /^高$/ }).click()
    await reviewer.locator('[data-test=assess-needs] .el-checkbox', { hasText: '生活' }).click()
    await reviewer.locator('[data-test=assess-needs] .el-checkbox', { hasText: '教育' }).click()
    await field(reviewer, 'assess-director').fill('张晓燕')
    await reviewer.locator('[data-test=assess-save]').click()
    await reviewer.locator('[data-test=case-status]', { hasText: '帮扶中' }).waitFor()
    await pick(reviewer, '[data-test=measure-select]', '救助：低保')
    await reviewer.locator('[data-test=measure-add]').click()
    await reviewer.locator('[data-test=case-plan] .el-table', { hasText: '低保' }).waitFor()
  })

  test('the collector records a visit on a phone-sized screen', async () => {
    const page = await as('collector', { width: 390, height: 844 })
    await page.goto(srv.base + '/ledger/' + uid + '/visit')
    await field(page, 'visit-findings').waitFor()
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 390, 'the visit form is ' + wide + ' px wide on a 390-px screen')
    await page.locator('[data-test=visit-mode] .el-radio-button', { hasText: '入户' }).click()
    await field(page, 'visit-findings').fill('孩子在家由父母照顾，家庭享受低保')
    await field(page, 'visit-situation').fill('身体健康，按时上学')
    await page.locator('[data-test=visit-save]').click()
    await page.waitForURL(new RegExp('/ledger/' + uid + '$'))
    await page.locator('[data-test=case-visits]', { hasText: '孩子在家由父母照顾' }).waitFor()
  })

  test('a referral to education is answered by its officer', async () => {
    const page = await as('collector', { width: 390, height: 844 })
    await page.goto(srv.base + '/ledger/' + uid)
    await pick(page, '[data-test=referral-dept]', '教育')
    await field(page, 'referral-request').fill('请落实教育资助')
    const d = page.locator('input[placeholder="办理期限"]').first()
    await d.click()
    await d.fill(soon)
    await d.press('Enter')
    await page.keyboard.press('Escape')
    await page.locator('[data-test=referral-send]').click()
    await page.locator('[data-test=case-referrals] .el-table', { hasText: '待受理' }).waitFor()

    const officer = await as('officer')
    await officer.goto(srv.base + '/')
    await officer.locator('[data-test=work-referrals]', { hasText: '待受理 1' }).waitFor()
    await officer.goto(srv.base + '/referrals')
    const item = officer.locator('[data-test=referral-item]', { hasText: '请落实教育资助' })
    await field(item, 'referral-answer').fill('已纳入本学期教育资助名单')
    await item.locator('[data-test=referral-accept]').click()
    await item.waitFor({ state: 'detached' })

    const reviewer = await as('reviewer')
    await reviewer.goto(srv.base + '/ledger/' + uid)
    await reviewer.locator('[data-test=case-referrals] .el-table', { hasText: '已纳入本学期教育资助名单' }).waitFor()
  })

  test('the case is closed when the child no longer qualifies and reopens when it qualifies again', async () => {
    const collector = await as('collector', { width: 390, height: 844 })
    const edit = async (hardship) => {
      const c = await call(collector, 'GET', '/api/v1/children/' + uid)
      assert.equal(c.status, 200)
      const rec = { ...c.body.record, family_hardship: hardship }
      const r = await call(collector, 'PUT', '/api/v1/children/' + uid + '?version=' + c.body.version, rec)
      assert.equal(r.status, 200, JSON.stringify(r.body))
    }
    await edit([])
    const reviewer = await as('reviewer')
    await reviewer.goto(srv.base + '/ledger/' + uid)
    await reviewer.locator('[data-test=case-flagged]').waitFor()
    await pick(reviewer, '[data-test=closure-reason]', '情形消除')
    await reviewer.locator('[data-test=closure-request]').click()
    await reviewer.locator('[data-test=closure-approve]').click()
    await reviewer.locator('[data-test=case-status]', { hasText: '已结案' }).waitFor()

    await edit(['tekun'])
    await reviewer.reload()
    await reviewer.locator('[data-test=case-status]', { hasText: '待评估' }).waitFor()
    const history = await reviewer.locator('[data-test=case-history]').innerText()
    for (const step of ['列入台账', '评估', '添加帮扶措施', '探访', '转介', '部门答复转介', '不再符合重点关爱条件', '申请结案', '结案', '重新列入台账']) {
      assert.ok(history.includes(step), 'history shows ' + step + ':\n' + history)
    }
    for (const [k, errs] of Object.entries(consoleErrors)) assert.deepEqual(errs, [], 'console errors of ' + k)
  })
})
