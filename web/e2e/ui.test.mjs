// End-to-end tests of the web UI in a real Chromium against the real binary: run by `make test`
// (node --test). The binary is bin/guanai (GUANAI_BIN), the browser /usr/bin/chromium (CHROMIUM).
import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { field, idNumber, launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser
const pages = {} // one signed-in page per user, kept for the whole run
const consoleErrors = {}

async function as(username, viewport = { width: 1280, height: 900 }) {
  if (pages[username]) return pages[username]
  const ctx = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await ctx.newPage()
  consoleErrors[username] = watchConsole(page)
  const user = srv.users[username]
  assert.ok(user, 'demo user ' + username + ' was printed by serve --demo')
  await login(page, srv.base, user)
  pages[username] = page
  return page
}

/** pickRegion opens a RegionPicker and clicks down the path of names, choosing the last. */
async function pickRegion(page, picker, names) {
  await picker.click()
  const menus = page.locator('.el-cascader__dropdown:visible .el-cascader-panel')
  for (let i = 0; i < names.length; i++) {
    const node = menus.locator('.el-cascader-menu').nth(i).locator('.el-cascader-node', { hasText: names[i] }).first()
    await node.waitFor()
    if (i === names.length - 1) await node.locator('.el-radio').click()
    else await node.click()
  }
  // The choice is made when the picker shows it; only then close the menu, and wait until it
  // has gone (on a fast machine the closing transition is still running a moment later).
  const last = names[names.length - 1]
  await page.waitForFunction(
    ([el, name]) => (el.querySelector('input')?.value ?? '').includes(name) || (el.textContent ?? '').includes(name),
    [await picker.elementHandle(), last],
    { timeout: 15_000 },
  )
  await page.keyboard.press('Escape')
  await popupsClosed(page)
}

/** popupsClosed waits until no Element Plus popup (date panel, cascader menu) is on screen. */
async function popupsClosed(page) {
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-popper')].some((el) => {
    const st = getComputedStyle(el)
    return st.display !== 'none' && st.visibility !== 'hidden' && el.getBoundingClientRect().width > 0
  }), null, { timeout: 15_000 })
}

async function setDate(page, placeholder, value) {
  const input = page.locator(`input[placeholder="${placeholder}"]`).first()
  await input.click()
  await input.fill(value)
  await input.press('Enter')
  await page.keyboard.press('Escape')
  await popupsClosed(page)
}

async function statusOf(page) {
  return (await page.locator('[data-test=status]').innerText()).trim()
}

const today = new Date(Date.now() + 8 * 3600_000)
const birth = new Date(today)
birth.setUTCFullYear(today.getUTCFullYear() - 9)
const birthISO = birth.toISOString().slice(0, 10)
const leftISO = new Date(today.getTime() - 400 * 86400_000).toISOString().slice(0, 10)
const childID = idNumber('640104', birthISO.replaceAll('-', ''), 37, 1)
let childURL = ''

before(async () => {
  srv = await startServer({ demoSize: 300 })
  browser = await launch()
})

// E2E_SHOTS=dir keeps a screenshot of every open page after each test, to see what failed.
afterEach(async (t) => {
  if (!process.env.E2E_SHOTS) return
  for (const [user, page] of Object.entries(pages)) {
    await page.screenshot({ path: `${process.env.E2E_SHOTS}/${t.name.slice(0, 20)}-${user}.png`, fullPage: true }).catch(() => undefined)
  }
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

describe('web UI', { concurrency: false }, () => {
  test('a collector registers a migrant child on a phone and submits it', async () => {
    const page = await as('collector', { width: 375, height: 812 })
    await page.goto(srv.base + '/children/new')
    await field(page, 'name').fill('王小川')
    await page.locator('[data-test=sex] .el-radio', { hasText: '男' }).click()
    await setDate(page, '出生日期', birthISO)
    // A mistyped ID number gets the server's own message under the item, as it is typed.
    await field(page, 'id_number').fill(childID.slice(0, 17) + (childID[17] === '1' ? '2' : '1'))
    const idItem = page.locator('.el-form-item.is-error', { hasText: '公民身份号码' })
    await idItem.locator('.el-form-item__error').waitFor({ timeout: 15_000 })
    assert.match(await idItem.locator('.el-form-item__error').innerText(), /校验|身份/)
    await field(page, 'id_number').fill(childID)
    await idItem.waitFor({ state: 'detached', timeout: 15_000 })
    await pickRegion(page, page.locator('[data-test=hukou] .el-cascader').first(), ['宁夏回族自治区', '银川市', '兴庆区'])
    await page.locator('[data-test=co_residents] .el-radio', { hasText: '父母一方' }).click()
    await setDate(page, '离开户籍地日期', leftISO)
    // The form fits the phone: nothing wider than the screen.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 375, 'page is ' + wide + ' px wide on a 375-px screen')
    // The live classification preview says why.
    await page.locator('[data-test=cls-mm] .el-tag', { hasText: '是' }).waitFor({ timeout: 15_000 }).catch(async (e) => {
      throw new Error(e.message + '\npreview: ' + (await page.locator('.cls').innerText()))
    })
    await page.locator('[data-test=save-submit]').click()
    await page.waitForURL(/\/children\/(?!new$)[^/]+$/, { timeout: 15_000 })
    childURL = page.url()
    await page.locator('[data-test=status]', { hasText: '已提交' }).waitFor()
    assert.equal(await statusOf(page), '已提交')
    assert.match(await page.locator('[data-test="v-id_number"]').innerText(), /^640104\*+\d{3}[\dX]$/, 'ID number shown masked')
  })

  test('a reviewer returns it with a reason, the collector fixes it, the reviewer approves', async () => {
    assert.ok(childURL, 'the previous test registered a child')
    const reviewer = await as('reviewer')
    await reviewer.goto(childURL)
    await reviewer.locator('[data-test=act-returned]').click()
    await field(reviewer, 'reason').fill('请补充就读学校')
    await reviewer.locator('[data-test=reason-confirm]').click()
    await reviewer.locator('[data-test=status]', { hasText: '退回' }).waitFor()

    const collector = await as('collector', { width: 375, height: 812 })
    await collector.goto(childURL)
    await collector.locator('[data-test=return-reason]', { hasText: '请补充就读学校' }).waitFor()
    await collector.locator('[data-test=edit]').click()
    await collector.waitForURL(/\/edit$/)
    await field(collector, 'school_name').fill('乌海市第二十一中学')
    await collector.locator('[data-test=save-submit]').click()
    await collector.waitForURL(/\/children\/[^/]+$/)
    await collector.locator('[data-test=status]', { hasText: '已提交' }).waitFor()

    await reviewer.reload()
    // The history shows what changed, readably (free text is masked there).
    await reviewer.locator('.diff', { hasText: '就读学校' }).first().waitFor()
    await reviewer.locator('[data-test=act-approved]').click()
    await reviewer.locator('[data-test=status]', { hasText: '已审核' }).waitFor()
  })

  test('an import with a bad row shows the error and offers the rejects for download', async () => {
    const page = await as('collector', { width: 375, height: 812 })
    await page.goto(srv.base + '/import')
    // Rows of the collector's own community: an import outside one's area is refused.
    const unit = (await page.evaluate(async () => (await fetch('/api/v1/session')).json())).user.org_unit.code
    const b1 = idNumber('150302', '20150310', 11, 1)
    const b2 = idNumber('150302', '20140404', 12, 2)
    const csv = '\ufeff姓名,性别,出生日期,民族,公民身份号码,户籍地区划代码,现居住地区划代码,共同居住人,离开户籍地日期\n' +
      `赵一鸣,男,2015-03-10,汉族,${b1},640104,${unit},父母一方,2024-01-01\n` +
      `钱二丫,女,2014-04-04,汉族,${b2},640104,${unit},父母双方,2023-09-01\n` +
      `孙三,男,2015-02-30,汉族,150302201502301234,640104,${unit},父母一方,2024-01-01\n`
    await page.locator('[data-test=import-file]').setInputFiles({ name: '登记表.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test=import-check]').click()
    await page.locator('[data-test=preview-summary]').waitFor()
    assert.match(await page.locator('[data-test=preview-summary]').innerText(), /共 3 行：可导入 2 行，有错误 1 行/)
    const errors = await page.locator('[data-test=preview-errors]').innerText()
    assert.match(errors, /出生日期/)
    await page.locator('[data-test=import-confirm]').click()
    await page.locator('[data-test=import-result]').waitFor({ timeout: 30_000 })
    assert.match(await page.locator('[data-test=import-result]').innerText(), /未导入 1/)
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=rejects-download]').click()])
    const path = await download.path()
    const { readFileSync } = await import('node:fs')
    const bytes = readFileSync(path)
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'the rejects download is an xlsx workbook')
  })

  test('revealing an ID number shows it in full and writes an audit entry', async () => {
    const page = await as('collector', { width: 375, height: 812 })
    await page.goto(childURL)
    await page.locator('[data-test="reveal-id_number"]').click()
    await field(page, 'purpose').fill('核实身份')
    // The purpose field suggests common purposes; leave it so the list closes, as a user would.
    await field(page, 'purpose').press('Tab')
    await popupsClosed(page)
    await page.locator('[data-test=reveal-confirm]').click()
    await page.locator('[data-test="v-id_number"]', { hasText: childID }).waitFor()

    const auditor = await as('auditor')
    const uid = childURL.split('/').pop()
    const audit = await auditor.evaluate(async () => (await fetch('/api/v1/audit?limit=200')).json())
    const hit = (audit.items ?? []).find((e) => JSON.stringify(e).includes('reveal') && JSON.stringify(e).includes(uid))
    assert.ok(hit, 'an audit entry for the reveal of ' + uid + ' in ' + JSON.stringify(audit).slice(0, 600))
    assert.ok(!JSON.stringify(audit).includes(childID), 'the audit trail does not hold the revealed number')
  })

  test('a user cannot open a child outside their area by URL', async () => {
    const page = await as('collector2')
    await page.goto(childURL)
    await page.locator('[data-test=not-found]').waitFor()
    assert.equal(await page.locator('[data-test="v-id_number"]').count(), 0)
  })

  test('signing in and moving on works with the keyboard alone', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    consoleErrors.keyboard = watchConsole(page)
    const user = srv.users.collector2
    await page.goto(srv.base + '/login')
    await field(page, 'username').focus()
    await page.keyboard.type(user.username)
    await page.keyboard.press('Tab')
    await page.keyboard.type(user.password)
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => u.pathname === '/', { timeout: 15_000 })
    // The first Tab reaches the skip link, which moves focus past the navigation.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), '跳到主要内容')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main')
    await ctx.close()
  })

  test('no page logged an error to the console', () => {
    for (const [user, errs] of Object.entries(consoleErrors)) assert.deepEqual(errs, [], user + "'s pages logged errors")
  })
})
