// End-to-end tests of the web UI in a real Chromium against the real binary: run by `make test`
// (node --test). The binary is bin/guanai (GUANAI_BIN), the browser /usr/bin/chromium (CHROMIUM).
import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { field, idNumber, launch, login, startServer, watchConsole, xlsxRows } from './harness.mjs'

let srv, browser
const pages = {} // one signed-in page per user, kept for the whole run
const consoleErrors = {}

async function as(username, viewport = { width: 1280, height: 900 }) {
  if (pages[username]) return pages[username]
  const ctx = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  // A shared 2-core machine under load can take seconds to render a cascader menu: waits are
  // generous, and a test that is correct only fails by timing out much later.
  ctx.setDefaultTimeout(45_000)
  const page = await ctx.newPage()
  consoleErrors[username] = watchConsole(page)
  const user = srv.users[username]
  assert.ok(user, 'demo user ' + username + ' was printed by serve --demo')
  await login(page, srv.base, user)
  pages[username] = page
  return page
}

/** pickRegion opens a RegionPicker's drawer and taps down the path of names from the top,
 * choosing the last (its 选择 button, or the row of a village). */
async function pickRegion(page, picker, names) {
  await picker.click()
  const panel = page.locator('[data-test=region-panel]:visible')
  await panel.locator('.crumb', { hasText: '全部' }).click()
  for (let i = 0; i < names.length; i++) {
    const item = panel.locator('li', { has: page.locator('[data-test=region-item]', { hasText: names[i] }) }).first()
    await item.waitFor()
    if (i === names.length - 1 && (await item.locator('.pick').count())) await item.locator('.pick').click()
    else await item.locator('[data-test=region-item]').click()
  }
  const last = names[names.length - 1]
  await page.waitForFunction(([el, name]) => (el.textContent ?? '').includes(name), [await picker.elementHandle(), last], { timeout: 45_000 })
  await panel.waitFor({ state: 'hidden' })
}

/** popupsClosed waits until no Element Plus popup (date panel, cascader menu) is on screen. */
async function popupsClosed(page) {
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-popper')].some((el) => {
    const st = getComputedStyle(el)
    return st.display !== 'none' && st.visibility !== 'hidden' && el.getBoundingClientRect().width > 0
  }), null, { timeout: 45_000 })
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
    await idItem.locator('.el-form-item__error').waitFor({ timeout: 45_000 })
    assert.match(await idItem.locator('.el-form-item__error').innerText(), /校验|身份/)
    await field(page, 'id_number').fill(childID)
    await idItem.waitFor({ state: 'detached', timeout: 45_000 })
    await pickRegion(page, page.locator('[data-test=hukou]').first(), ['宁夏回族自治区', '银川市', '兴庆区'])
    await page.locator('[data-test=co_residents] .el-radio', { hasText: '父母一方' }).click()
    await setDate(page, '离开户籍地日期', leftISO)
    // The form fits the phone: nothing wider than the screen.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 375, 'page is ' + wide + ' px wide on a 375-px screen')
    // The live classification preview says why.
    await page.locator('[data-test=cls-mm] .el-tag', { hasText: '是' }).waitFor({ timeout: 45_000 }).catch(async (e) => {
      throw new Error(e.message + '\npreview: ' + (await page.locator('.cls').innerText()))
    })
    await page.locator('[data-test=save-submit]').click()
    await page.waitForURL(/\/children\/(?!new$)[^/]+$/, { timeout: 45_000 })
    childURL = page.url()
    await page.locator('[data-test=status]', { hasText: '已提交' }).waitFor()
    assert.equal(await statusOf(page), '已提交')
    assert.match(await page.locator('[data-test="v-id_number"]').innerText(), /^640104\*+$/, 'ID number shown masked')
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
    // Approval takes an optional comment.
    await field(reviewer, 'reason').fill('材料齐全')
    await reviewer.locator('[data-test=reason-confirm]').click()
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
    // A large file: after the upload the page shows how far the server has read. The preview
    // (it stores nothing) of 10,000 rows takes the server a fraction of a second here: every
    // text the label shows is recorded rather than looked for while it may be gone already.
    let big = '姓名,性别,出生日期,民族,公民身份号码,户籍地区划代码,现居住地区划代码,共同居住人\n'
    for (let i = 0; i < 10000; i++) {
      const d = Math.floor(i / 100)
      const birth = '2015' + String(1 + (d % 12)).padStart(2, '0') + String(1 + Math.floor(d / 12)).padStart(2, '0')
      big += `学生,${i % 2 ? '男' : '女'},${birth},汉族,${idNumber('150302', birth, i, i % 2 ? 1 : 2)},640104,${unit},父母双方\n`
    }
    await page.locator('[data-test=import-file]').setInputFiles({ name: '大登记表.csv', mimeType: 'text/csv', buffer: Buffer.from(big) })
    await page.evaluate(() => {
      window.serverProgress = []
      new MutationObserver(() => {
        const t = document.querySelector('[data-test=import-server-progress]')?.textContent
        if (t) window.serverProgress.push(t)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await page.locator('[data-test=import-check]').click()
    await page.locator('[data-test=preview-summary]', { hasText: '共 10000 行' }).waitFor({ timeout: 60_000 })
    const shown = await page.evaluate(() => window.serverProgress)
    assert.ok(shown.some((t) => /已处理 [1-9]\d* 行（\d+%）/.test(t)), 'the page showed the rows read: ' + shown.join(' | '))
    await page.getByRole('button', { name: '重新选择' }).click()

    await page.locator('[data-test=import-file]').setInputFiles({ name: '登记表.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test=import-check]').click()
    await page.locator('[data-test=preview-summary]').waitFor()
    assert.match(await page.locator('[data-test=preview-summary]').innerText(), /共 3 行：可导入 2 行，有错误 1 行/)
    const errors = await page.locator('[data-test=preview-errors]').innerText()
    assert.match(errors, /出生日期/)
    await page.locator('[data-test=import-confirm]').click()
    await page.locator('[data-test=import-result]').waitFor({ timeout: 60_000 })
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
    ctx.setDefaultTimeout(45_000)
    const page = await ctx.newPage()
    consoleErrors.keyboard = watchConsole(page)
    const user = srv.users.collector2
    await page.goto(srv.base + '/login')
    await field(page, 'username').focus()
    await page.keyboard.type(user.username)
    await page.keyboard.press('Tab')
    await page.keyboard.type(user.password)
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => u.pathname === '/', { timeout: 45_000 })
    // The first Tab reaches the skip link, which moves focus past the navigation.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), '跳到主要内容')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main')
    await ctx.close()
  })

  // A roster of the collector's village: one child of the registry by ID number, one near match
  // (the same birth date and sex, one character of the name changed, nothing else) that the
  // matcher leaves to a person, and one unknown migrant child who becomes a home-visit lead.
  const leadBirth = new Date(today)
  leadBirth.setUTCFullYear(today.getUTCFullYear() - 8)
  const leadBirthISO = leadBirth.toISOString().slice(0, 10)
  const leadID = idNumber('620602', leadBirthISO.replaceAll('-', ''), 21, 1)

  test('a reviewer uploads an education roster, accepts the near match and sees the discrepancy reports', async () => {
    const collector = await as('collector', { width: 375, height: 812 })
    const village = (await collector.evaluate(async () => (await fetch('/api/v1/session')).json())).user.org_unit.code
    const page = await as('reviewer')
    await page.goto(srv.base + '/')
    // The reviewer finds two children of the village in full (reveals are audited, with a purpose).
    const kids = await page.evaluate(async (village) => {
      const s = await (await fetch('/api/v1/session')).json()
      const h = { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }
      const list = await (await fetch('/api/v1/children?limit=50&age_min=7&age_max=14&region=' + village)).json()
      const reveal = async (uid, field) =>
        (await (await fetch(`/api/v1/children/${uid}/reveal`, { method: 'POST', headers: h, body: JSON.stringify({ field, purpose: '部门名册比对测试' }) })).json()).value
      let exact = null
      let near = null
      for (const c of list.items) {
        if (!c.sex || !c.birth_date || !c.id_number) continue
        const name = await reveal(c.uid, 'name')
        if (!exact) exact = { ...c, name, id: await reveal(c.uid, 'id_number') }
        else if ([...name].length === 3) near = { ...c, name }
        if (exact && near) break
      }
      return { exact, near }
    }, village)
    assert.ok(kids.exact && kids.near, 'two children of the village: ' + JSON.stringify(kids))
    const sex = (c) => (c.sex === '1' ? '男' : '女')
    const nearName = kids.near.name.slice(0, 2) + (kids.near.name.endsWith('晓') ? '岚' : '晓')
    const csv = '\ufeff姓名,性别,出生日期,公民身份号码,户籍地区划代码,现居住地区划代码,是否随迁子女,学校名称,年级\n' +
      `${kids.exact.name},${sex(kids.exact)},${kids.exact.birth_date},${kids.exact.id},,,,海北实验小学,四年级\n` +
      `${nearName},${sex(kids.near)},${kids.near.birth_date},,,,,海北实验小学,三年级\n` +
      `刘小北,男,${leadBirthISO},${leadID},620602,${village},是,海北实验小学,二年级\n`

    await page.goto(srv.base + '/rosters')
    await page.locator('[data-test=roster-dept]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '教育' }).click()
    await popupsClosed(page)
    await page.locator('[data-test=roster-file]').setInputFiles({ name: '教育名册.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test=roster-send]').click()
    const result = page.locator('[data-test=roster-result]')
    await result.waitFor({ timeout: 60_000 })
    const count = async (k) => Number(await result.locator(`[data-test=count-${k}] dd`).innerText())
    assert.equal(await count('rows'), 3)
    assert.equal(await count('rejected'), 0)
    assert.equal(await count('review'), 1, 'the near match waits for a person')
    assert.equal(await count('leads'), 1, 'the unknown migrant child is a lead')

    // The pair, side by side: the birth date agrees, the name is near.
    await page.locator('[data-test=to-review]').click()
    await page.waitForURL(/\/rosters\/review\?batch=/)
    const pair = page.locator('.pair')
    await pair.first().waitFor()
    assert.equal(await pair.count(), 1)
    assert.equal((await pair.locator('[data-test=agree-birth_date]').innerText()).trim(), '一致')
    assert.equal((await pair.locator('[data-test=agree-name]').innerText()).trim(), '相近')
    assert.equal((await pair.locator('[data-test=agree-id_number]').innerText()).trim(), '缺失')
    assert.match(await pair.locator('[data-test=pair-score]').innerText(), /\d+(\.\d)?%/)
    // The reviewer decides on the names themselves: both in full, with the note that it is audited.
    const pairText = await pair.innerText()
    assert.ok(pairText.includes(nearName) && pairText.includes(kids.near.name), 'both names in full: ' + pairText)
    await page.locator('[data-test=full-note]').waitFor()
    await pair.locator('[data-test=pair-accept]').click()
    await pair.waitFor({ state: 'detached' })
    await page.locator('.el-empty', { hasText: '没有待复核的名册行' }).waitFor()
    const left = await page.evaluate(async () => (await (await fetch('/api/v1/roster-reviews?status=accepted')).json()).items.length)
    assert.equal(left, 1, 'the pair is accepted')

    // The discrepancy reports: the education kinds are counted, the police one waits for a roster.
    await page.goto(srv.base + '/discrepancies')
    const noSchool = page.locator('[data-test=kind-no_school]')
    await noSchool.waitFor()
    assert.match(await noSchool.innerText(), /\d+\s*人/)
    assert.match(await page.locator('[data-test=kind-no_residence_permit]').innerText(), /尚未导入公安名册/)
    await noSchool.click()
    await page.waitForURL(/kind=no_school/)
    await page.locator('[data-test=disc-items] .el-table__row').first().waitFor()
    assert.ok(await page.locator('[data-test=disc-export]').isVisible(), 'the list can be exported')
  })

  test("a collector registers the lead's child on a phone from the prefilled form, and the lead is closed", async () => {
    const page = await as('collector', { width: 375, height: 812 })
    await page.goto(srv.base + '/leads')
    const card = page.locator('[data-test=leads-cards] li', { hasText: leadBirthISO })
    await card.waitFor()
    assert.match(await card.innerText(), /随迁子女/)
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 375, 'the leads page is ' + wide + ' px wide on a 375-px screen')
    await card.locator('[data-test=lead-register-card]').click()
    await page.waitForURL(/\/children\/new\?lead=/)
    await page.locator('[data-test=from-lead]').waitFor()
    await page.waitForFunction(() => document.querySelector('input[name="id_number"]')?.value !== '')
    assert.equal(await field(page, 'name').inputValue(), '刘小北')
    assert.equal(await field(page, 'id_number').inputValue(), leadID)
    await page.locator('[data-test=co_residents] .el-radio', { hasText: '父母双方' }).click()
    await page.locator('[data-test=save-draft]').click()
    await page.waitForURL(/\/children\/(?!new)[^/?]+$/, { timeout: 45_000 })
    const uid = page.url().split('/').pop()
    await page.locator('.el-message', { hasText: '走访线索已处理' }).waitFor()
    await page.goto(srv.base + '/leads?status=closed')
    const closed = page.locator('[data-test=leads-cards] li', { hasText: leadBirthISO })
    await closed.waitFor()
    assert.match(await closed.innerText(), /已登记/)
    assert.equal(await closed.locator(`a[href="/children/${uid}"]`).count(), 1, 'the closed lead links the new record')
  })

  test('a reviewer sends the education department a verification list and imports its answers', async () => {
    const page = await as('reviewer')
    await page.goto(srv.base + '/rosters/verifications')
    await page.locator('[data-test=verify-dept]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '教育' }).click()
    await popupsClosed(page)
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=verify-create]').click()])
    const { readFileSync } = await import('node:fs')
    const rows = xlsxRows(readFileSync(await download.path()))
    const head = rows.findIndex((r) => r[0] === '核查编号')
    assert.ok(head >= 0, 'the list has a header: ' + JSON.stringify(rows.slice(0, 4)))
    const h = rows[head]
    const [first, second] = rows.slice(head + 1)
    assert.match(first[0], /^HC[A-Z0-9]{6}-\d{4,}$/, 'each child has a token')
    // The department answers: one child is at its school, the other unknown to it.
    const pick = (r, name) => r[h.indexOf(name)] ?? ''
    const line = (r, school, answer) => [pick(r, '核查编号'), pick(r, '姓名'), pick(r, '性别'), pick(r, '出生日期'), pick(r, '公民身份号码'), school, answer].join(',')
    const csv = '\ufeff核查编号,姓名,性别,出生日期,公民身份号码,学校名称,核查结果\n' + line(first, '海北实验小学', '已核实') + '\n' + line(second, '', '查无此人') + '\n'

    await page.goto(srv.base + '/rosters')
    await page.locator('[data-test=roster-dept]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '教育' }).click()
    await popupsClosed(page)
    await page.locator('[data-test=roster-file]').setInputFiles({ name: '核查名单（已填）.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test=roster-send]').click()
    const progress = page.locator('[data-test=roster-verification]')
    await progress.waitFor({ timeout: 60_000 })
    assert.match(await progress.innerText(), /已核实 1 人，查无此人 1 人/)

    await page.goto(srv.base + '/rosters/verifications')
    const row = page.locator('[data-test=verify-list] .el-table__row').first()
    await row.waitFor()
    assert.match(await row.innerText(), /已核实 1，查无此人 1/)
  })

  test('no page logged an error to the console', () => {
    for (const [user, errs] of Object.entries(consoleErrors)) assert.deepEqual(errs, [], user + "'s pages logged errors")
  })
})
