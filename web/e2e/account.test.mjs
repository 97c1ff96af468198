// End-to-end tests of account security (first-login password change, TOTP enrolment, recovery
// codes), the print view of a registration form and the statistics dashboard, in a real Chromium
// against the real binary (its own server, see harness.mjs). Run by `make test` (node --test).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { BIN, field, launch, login, startServer, totpCode, watchConsole } from './harness.mjs'

let srv, browser
const contexts = []

before(async () => {
  srv = await startServer({ demoSize: 300 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

/** fresh opens a new browser context (its own cookies) with a page whose errors are collected. */
async function fresh(viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  contexts.push(ctx)
  const page = await ctx.newPage()
  return { ctx, page, errors: watchConsole(page) }
}

/** userAdd creates an account the way an administrator does, with `guanai user add` on the
 * server's own database, and returns the initial password it printed once. */
async function userAdd(args) {
  const db = /数据库 (sqlite:\/\/[^）\s]+)/.exec(srv.stderr())?.[1]
  assert.ok(db, 'the server printed its database: ' + srv.stderr())
  const dir = dirname(db.slice('sqlite://'.length))
  const proc = spawn(BIN, ['user', 'add', '--db', db, ...args], { env: { ...process.env, GUANAI_DATA_DIR: dir, GUANAI_DB: '' } })
  let out = ''
  proc.stdout.on('data', (b) => (out += b))
  proc.stderr.on('data', (b) => (out += b))
  const code = await new Promise((r) => proc.on('exit', r))
  assert.equal(code, 0, 'guanai user add: ' + out)
  const pw = /初始密码：(\S+)/.exec(out)?.[1]
  assert.ok(pw, 'an initial password was printed: ' + out)
  return pw
}

/** apiLogin signs in over the API (no browser) and returns the session reply. */
async function apiLogin(user) {
  const r = await fetch(srv.base + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password, totp: user.totp ? totpCode(user.totp) : undefined }),
  })
  assert.equal(r.status, 200, 'API login of ' + user.username)
  return r.json()
}

/** formItem is the Element Plus form item whose label is exactly `label`. */
function formItem(page, label) {
  return page.locator('.el-form-item').filter({ has: page.locator('.el-form-item__label').getByText(label, { exact: true }) })
}

/** tryPassword fills the password form of the account page and submits it. */
async function tryPassword(page, old, next, repeat = next) {
  await formItem(page, '原密码').locator('input').fill(old)
  await formItem(page, '新密码').locator('input').fill(next)
  await formItem(page, '再次输入新密码').locator('input').fill(repeat)
  await page.getByRole('button', { name: '修改密码', exact: true }).click()
}

/** errorOf waits until the item labelled `label` shows an error containing `text`. */
async function errorOf(page, label, text) {
  const err = formItem(page, label).locator('.el-form-item__error')
  await err.filter({ hasText: text }).waitFor({ timeout: 15_000 }).catch(async (e) => {
    throw new Error(e.message + '\nthe page says: ' + (await page.locator('main').innerText()))
  })
  return (await err.innerText()).trim()
}

/** loginError signs in through the login page with a password (and, at the second step, a
 * recovery code) expecting a refusal, and returns the message shown. */
async function submitLogin(page, username, password) {
  await page.goto(srv.base + '/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(password)
  await page.locator('[data-test=login-submit]').click()
}

async function loginWithRecovery(page, username, password, code) {
  await submitLogin(page, username, password)
  await field(page, 'totp').waitFor()
  await page.getByRole('button', { name: '手机不在身边？使用恢复码' }).click()
  await field(page, 'recovery').fill(code)
  await page.locator('[data-test=login-submit]').click()
  return Promise.race([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }).then(() => ''),
    page.locator('[data-test=login-error]').waitFor({ timeout: 15_000 }).then(async () => (await page.locator('[data-test=login-error]').innerText()).trim()),
  ])
}

/** onHome waits until the work page has loaded and stayed: a page that still needs a password
 * change or a second factor is sent on to the account page by its first API call. */
async function onHome(page) {
  await page.waitForURL((u) => u.pathname === '/', { timeout: 15_000 })
  await page.waitForLoadState('networkidle')
  assert.equal(new URL(page.url()).pathname, '/', 'stays on the work page')
}

describe('account security, print view and dashboard', { concurrency: false }, () => {
  test('a new account changes its password at first login; the policy is explained; the old password no longer works', async () => {
    const village = (await apiLogin(srv.users.collector)).user.org_unit.code
    const username = 'chenjing'
    const initial = await userAdd(['--username', username, '--name', '陈静', '--roles', 'collector', '--department', 'minzheng', '--org', village])
    const { page, errors } = await fresh()
    await login(page, srv.base, { username, password: initial })
    await page.waitForURL(/\/account\?must=1$/)
    await page.locator('.el-alert', { hasText: '首次登录或密码已过期' }).waitFor()
    // Every other page waits for the new password.
    await page.goto(srv.base + '/children')
    await page.waitForURL(/\/account\?must=1$/)
    // The hint states the server's policy: a password that follows it is not refused for length.
    assert.match(await formItem(page, '新密码').innerText(), /至少 8 个字符.*至少 3 类.*不能包含用户名/s)

    const good = 'Huanghe#2024river'
    await tryPassword(page, 'Wrong#old-1234', good)
    assert.equal(await errorOf(page, '原密码', '原密码不正确'), '原密码不正确')
    await tryPassword(page, initial, good, good + 'x')
    assert.equal(await errorOf(page, '再次输入新密码', '不一致'), '两次输入的新密码不一致')
    await tryPassword(page, initial, 'Ab1#x')
    assert.equal(await errorOf(page, '新密码', '至少'), '密码至少 8 个字符')
    await tryPassword(page, initial, 'abcdefgh1234')
    assert.match(await errorOf(page, '新密码', '3 类'), /^密码须包含小写字母、大写字母、数字、其他符号中的至少 3 类$/)
    await tryPassword(page, initial, 'Chenjing#2024')
    assert.equal(await errorOf(page, '新密码', '用户名'), '密码不能包含用户名')
    await tryPassword(page, initial, initial)
    assert.match(await errorOf(page, '新密码', '用过'), /^不能使用最近 \d+ 次用过的密码$/)
    // Still not through: the work pages stay closed.
    assert.match(page.url(), /\/account\?must=1$/)

    await tryPassword(page, initial, good)
    await page.locator('.el-message', { hasText: '密码已修改' }).waitFor()
    await onHome(page)

    // Signing out through the user menu, the old password is refused, the new one works.
    await page.locator('header .user button').click()
    await page.locator('.el-dropdown-menu__item:visible', { hasText: '退出登录' }).click()
    await page.waitForURL(/\/login/)
    await submitLogin(page, username, initial)
    await page.locator('[data-test=login-error]').waitFor()
    assert.equal((await page.locator('[data-test=login-error]').innerText()).trim(), '用户名或密码错误')
    await login(page, srv.base, { username, password: good })
    await onHome(page)
    assert.deepEqual(errors, [], 'no page logged an error')
  })

  test('a district account enrols TOTP, sees its recovery codes once, then needs a code; a recovery code works once', async () => {
    const username = 'liuyang'
    const initial = await userAdd(['--username', username, '--name', '刘洋', '--roles', 'reviewer', '--department', 'minzheng', '--org', '150302'])
    const password = 'Haibowan#2024qu'
    const { ctx, page, errors } = await fresh()
    await login(page, srv.base, { username, password: initial })
    await page.waitForURL(/\/account\?must=1$/)
    await tryPassword(page, initial, password)
    // Above the village a second factor is required: the work page sends the user back.
    await page.waitForURL(/\/account\?must=mfa$/, { timeout: 15_000 })
    await page.locator('.el-alert', { hasText: '须启用动态验证码' }).waitFor()

    await page.getByRole('button', { name: '启用动态验证码' }).click()
    // The owner proves it is them: a wrong password is refused beside the field.
    const pwInput = formItem(page, '当前密码（确认是您本人操作）').locator('input')
    await pwInput.fill('not-the-password')
    await page.locator('[data-test=totp-reauth]').getByRole('button', { name: '启用动态验证码' }).click()
    assert.match(await errorOf(page, '当前密码（确认是您本人操作）', '密码不正确'), /密码不正确/)
    await pwInput.fill(password)
    await page.locator('[data-test=totp-reauth]').getByRole('button', { name: '启用动态验证码' }).click()
    const secret = (await page.locator('code.secret').innerText()).trim()
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 secret is shown')
    const link = await page.locator('a[href^="otpauth://"]').getAttribute('href')
    assert.match(link, /^otpauth:\/\/totp\//)
    assert.equal(new URL(link).searchParams.get('secret'), secret, 'the link carries the same secret')

    // A code that is none of those the authenticator could show now is refused.
    const now = Date.now()
    const near = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, now + d)))
    let wrong = Number(totpCode(secret, now))
    do wrong = (wrong + 1) % 1_000_000
    while (near.has(String(wrong).padStart(6, '0')))
    const codeInput = formItem(page, '验证器显示的 6 位数字').locator('input')
    await codeInput.fill(String(wrong).padStart(6, '0'))
    await page.getByRole('button', { name: '确认启用' }).click()
    assert.match(await errorOf(page, '验证器显示的 6 位数字', '动态口令不正确'), /核对验证器/)

    await codeInput.fill(totpCode(secret))
    await page.getByRole('button', { name: '确认启用' }).click()
    const codes = page.locator('ol.codes li')
    await codes.first().waitFor()
    const recovery = (await codes.allInnerTexts()).map((c) => c.trim())
    assert.equal(recovery.length, 10, 'ten recovery codes')
    for (const c of recovery) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/)
    assert.equal(new Set(recovery).size, 10)
    await page.locator('.el-message', { hasText: '动态验证码已启用' }).waitFor()
    await page.getByRole('button', { name: '已抄写，继续使用系统' }).click()
    await onHome(page)

    // Shown once: the account page now only says that the factor is on.
    await page.goto(srv.base + '/account')
    await page.getByText('已启用。登录时需要输入').waitFor()
    assert.equal(await page.locator('ol.codes').count(), 0, 'the recovery codes are not shown again')
    assert.equal(await page.getByRole('button', { name: '启用动态验证码' }).count(), 0)
    assert.ok(!(await page.content()).includes(recovery[0]), 'no recovery code in the page')
    await ctx.close()

    // The password alone is not enough any more.
    const second = await fresh()
    await submitLogin(second.page, username, password)
    await field(second.page, 'totp').waitFor()
    assert.match(new URL(second.page.url()).pathname, /^\/login/)
    // A recovery code signs in once; the same code is refused afterwards.
    assert.equal(await loginWithRecovery(second.page, username, password, recovery[3]), '')
    await onHome(second.page)
    const third = await fresh()
    assert.equal(await loginWithRecovery(third.page, username, password, recovery[3]), '恢复码不正确或已使用过')
    // The authenticator's code signs in (the harness waits for the next step if the code of
    // the enrolment step is refused as a replay).
    const fourth = await fresh()
    await login(fourth.page, srv.base, { username, password, totp: secret })
    await onHome(fourth.page)
    for (const e of [errors, second.errors, third.errors, fourth.errors]) assert.deepEqual(e, [], 'no page logged an error')
  })

  test('the print view shows the registration form masked, without the navigation, laid out for A4', async () => {
    const { ctx, page, errors } = await fresh()
    await login(page, srv.base, srv.users.collector)
    // A child of the collector's village with an ID number, and that number in full (a reveal,
    // audited with its purpose) to make sure the print never holds it.
    const kid = await page.evaluate(async () => {
      const s = await (await fetch('/api/v1/session')).json()
      const list = await (await fetch('/api/v1/children?limit=50')).json()
      const c = list.items.find((x) => x.id_number)
      const r = await fetch(`/api/v1/children/${c.uid}/reveal`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: JSON.stringify({ field: 'id_number', purpose: '打印核对测试' }),
      })
      return { uid: c.uid, masked: c.id_number, full: (await r.json()).value }
    })
    assert.match(kid.full, /^\d{17}[\dX]$/, 'the full number was revealed')
    assert.notEqual(kid.masked, kid.full)

    await page.goto(srv.base + '/children/' + kid.uid)
    const [print] = await Promise.all([ctx.waitForEvent('page'), page.getByRole('button', { name: '打印登记表' }).click()])
    const printErrors = watchConsole(print)
    await print.waitForURL(new RegExp(`/children/${kid.uid}/print$`))
    const sheet = print.locator('article.sheet')
    await sheet.first().locator('td').first().waitFor()
    // No navigation frame: only the sheet and its print bar.
    assert.equal(await print.locator('header, nav, .el-drawer').count(), 0, 'no navigation on the print view')
    assert.match(await sheet.first().locator('h1').innerText(), /^(流动|留守)儿童基本情况登记表$/)
    const row = async (label) => (await sheet.first().locator('tr', { has: print.locator('th.lbl', { hasText: new RegExp(`^${label}$`) }) }).first().locator('td').innerText()).trim()
    assert.equal(await row('公民身份号码'), kid.masked, 'the ID number is printed masked')
    assert.match(await row('公民身份号码'), /\*{4,}/)
    // The collector works the case: the name is printed in full, and the sheet says so.
    assert.doesNotMatch(await row('姓名'), /\*/, 'the name is printed as the collector sees it')
    assert.match(await sheet.first().locator('[data-test=names-shown]').innerText(), /姓名按打印人权限完整显示/)
    assert.match(await row('出生日期'), /^\d{4}-\d{2}-\d{2}$/)
    assert.ok(!(await print.locator('body').innerText()).includes(kid.full), 'the full ID number is not printed')
    assert.match(await sheet.first().innerText(), /填报人（签字）：[\s\S]*审核人（签字）：[\s\S]*已按规定脱敏打印/)

    // Both forms at once: 附件 1 and 附件 2, each on its own sheet.
    await print.locator('.bar label', { hasText: '两张都打印' }).click()
    await sheet.nth(1).waitFor()
    assert.deepEqual((await sheet.locator('h1').allInnerTexts()).map((t) => t.trim()), ['流动儿童基本情况登记表', '留守儿童基本情况登记表'])

    // Printed, the bar disappears, the grey background goes, and each sheet ends its page.
    await print.emulateMedia({ media: 'print' })
    assert.equal(await print.locator('.bar').isVisible(), false, 'the print bar is not printed')
    const style = await sheet.first().evaluate((el) => {
      const st = getComputedStyle(el)
      return { breakAfter: st.breakAfter, pageBreak: st.pageBreakAfter, bg: getComputedStyle(el.parentElement).backgroundColor }
    })
    assert.ok(style.breakAfter === 'page' || style.pageBreak === 'always', 'a sheet ends its page: ' + JSON.stringify(style))
    assert.equal(style.bg, 'rgb(255, 255, 255)')
    // The PDF Chromium prints has A4 pages (595 × 842 pt), at least one per sheet.
    const pdf = (await print.pdf({ preferCSSPageSize: true, printBackground: true })).toString('latin1')
    const boxes = [...pdf.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))])
    assert.ok(boxes.length >= 2, 'two sheets make at least two pages: ' + JSON.stringify(boxes))
    for (const [w, h] of boxes) assert.ok(Math.abs(w - 595) <= 2 && Math.abs(h - 842) <= 2, 'an A4 page: ' + w + '×' + h)
    assert.deepEqual([...errors, ...printErrors], [], 'no page logged an error')
    await ctx.close()
  })

  test('the dashboard draws its charts with data, and clicking a region bar narrows them to it and back', async () => {
    const { page, errors } = await fresh()
    await login(page, srv.base, srv.users.reviewer)
    const statsOf = (region) => page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/v1/stats' && (u.searchParams.get('region') ?? '') === region && r.status() === 200
    })
    const first = statsOf('')
    await page.goto(srv.base + '/dashboard')
    const district = await (await first).json()
    const cards = page.locator('.chart-card')
    await cards.nth(3).waitFor()
    assert.equal(await cards.count(), 4)
    const toolbar = page.locator('.toolbar')
    await toolbar.getByText(/统计区域：.*海勃湾区/).waitFor()

    // The totals are numbers, and the by-region and age charts are drawn on a canvas.
    const records = page.locator('.totals .el-card', { hasText: '在册儿童' }).locator('.num')
    assert.match(await records.innerText(), /^\d+$/)
    assert.ok(Number(await records.innerText()) > 0, 'the demo children are counted')
    const byRegion = cards.filter({ hasText: '分地区儿童数' })
    const ageCard = cards.filter({ hasText: '年龄' })
    for (const card of [byRegion, ageCard, cards.filter({ hasText: '重点关爱原因' })]) {
      const box = await card.locator('.chart canvas').first().boundingBox()
      assert.ok(box && box.width > 100 && box.height > 100, 'a chart is drawn: ' + JSON.stringify(box))
    }
    const regionNames = async () => {
      await byRegion.locator('.el-radio-button', { hasText: '表' }).click()
      const names = (await byRegion.locator('tbody tr td:first-child').allInnerTexts()).map((t) => t.trim())
      await byRegion.locator('.el-radio-button', { hasText: '图' }).click()
      await byRegion.locator('.chart canvas').first().waitFor({ state: 'visible' })
      return names
    }
    const townships = await regionNames()
    assert.deepEqual(townships, district.by_region.map((r) => r.region_name), 'the table lists the regions of the report')
    assert.ok(townships.length >= 2, 'the district has townships: ' + townships)

    // A click on a bar narrows the page to its township. The bars are found by their colour:
    // scanning up from the bottom, the first coloured pixels are their feet on the axis (the
    // axis labels below are grey); the tallest is clicked at half its height. The chart is
    // polled until drawn.
    const canvas = byRegion.locator('.chart canvas').first()
    const found = await page.waitForFunction((c) => {
      const ctx = c.getContext('2d')
      const coloured = (x, y) => {
        const [r, g, b, a] = ctx.getImageData(x, y, 1, 1).data
        return a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60
      }
      for (let y = c.height - 1; y > c.height / 3; y--) {
        const row = ctx.getImageData(0, y, c.width, 1).data
        let best = null
        for (let x = 0; x < c.width; x++) {
          const [r, g, b, a] = row.slice(x * 4, x * 4 + 4)
          if (!(a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60)) continue
          let top = y
          while (top > 0 && coloured(x, top - 1)) top--
          if (!best || y - top > best.h) best = { x, h: y - top, y: (y + top) / 2 }
          while (x < c.width && coloured(x + 1, y)) x++ // on to the next bar
        }
        if (best) {
          const scale = c.width / c.getBoundingClientRect().width
          return best.h >= 4 ? { x: (best.x + 2) / scale, y: best.y / scale } : null
        }
      }
      return null
    }, await canvas.elementHandle(), { timeout: 15_000 })
    const hit = await found.jsonValue()
    const narrowed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/stats' && new URL(r.url()).searchParams.get('region')?.length > 6)
    await canvas.click({ position: hit })
    const township = await (await narrowed).json()
    await page.waitForURL(/\/dashboard\?region=\d{9}$/)
    const code = new URL(page.url()).searchParams.get('region')
    const picked = district.by_region.find((r) => r.region_code === code)
    assert.ok(picked, 'the clicked bar is one of the townships: ' + code)
    await toolbar.getByText(new RegExp('统计区域：.*' + picked.region_name)).waitFor()
    await page.locator('.totals .num').first().filter({ hasText: String(township.totals.records) }).waitFor()
    assert.ok(township.totals.records <= district.totals.records, 'a township has no more children than its district')
    const villages = await regionNames()
    assert.deepEqual(villages, township.by_region.map((r) => r.region_name))
    assert.notDeepEqual(villages, townships, 'the chart now shows the villages of the township')

    // Back up to the district (the reviewer's own): the charts are as they were.
    const back = statsOf('150302')
    await page.getByRole('button', { name: '返回上一级' }).click()
    assert.equal((await (await back).json()).totals.records, district.totals.records)
    await page.waitForURL(/\/dashboard\?region=150302$/)
    await toolbar.getByText(/统计区域：.*海勃湾区/).waitFor()
    assert.deepEqual(await regionNames(), townships)
    assert.deepEqual(errors, [], 'no page logged an error')
  })
})
