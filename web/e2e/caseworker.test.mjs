// End-to-end tests of the case workers' screens (issue 15, part B) in a real Chromium against the
// real binary: a collector registers a child on a 390-px phone, choosing the village in the
// region picker, and sees the full name; a reviewer at a desk approves 200 submitted records in
// one batch, from a list whose count over 1,000 is exact. Run by `make test` (node --test).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { field, idNumber, launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser
const errors = []

before(async () => {
  // Every demo record is submitted; 海勃湾区 gets well over 1,000 of 3,000.
  srv = await startServer({ demoSize: 3000 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

async function signedIn(username, viewport) {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  ctx.setDefaultTimeout(45_000)
  const page = await ctx.newPage()
  errors.push(watchConsole(page))
  await login(page, srv.base, srv.users[username])
  return { ctx, page }
}

/** apiCount counts, page by page with the keyset cursor, the records a list query gives. */
async function apiCount(page, query) {
  return page.evaluate(async (q) => {
    let n = 0
    let after = ''
    for (;;) {
      const r = await (await fetch('/api/v1/children?limit=500&' + q + (after ? '&after=' + encodeURIComponent(after) : ''))).json()
      n += r.items.length
      if (!r.next) return { n, total: r.total }
      after = r.next
    }
  }, query)
}

const today = new Date()
const birth = new Date(Date.UTC(today.getUTCFullYear() - 8, 4, 17)).toISOString().slice(0, 10)
const childID = idNumber('640104', birth.replaceAll('-', ''), 37, 2)
const left = new Date(Date.UTC(today.getUTCFullYear() - 2, 0, 15)).toISOString().slice(0, 10)

describe('case workers', { concurrency: false }, () => {
  test('a collector registers a child on a 390-px phone, choosing the village in the picker, and sees the full name', async () => {
    const { ctx, page } = await signedIn('collector', { width: 390, height: 844 })
    const unit = (await page.evaluate(async () => (await fetch('/api/v1/session')).json())).user.org_unit.code
    const own = async (code) => page.evaluate(async (c) => (await (await fetch('/api/v1/regions/' + c)).json()).division.name, code)
    const [township, village] = [await own(unit.slice(0, 9)), await own(unit)]

    await page.goto(srv.base + '/children/new')
    await field(page, 'name').fill('林小雨')
    // Enter in a text field does not save a half-filled form.
    await field(page, 'name').press('Enter')
    await page.waitForTimeout(300)
    assert.match(new URL(page.url()).pathname, /\/children\/new$/, 'Enter left the form')

    // A mistyped number gets its message on a line of its own, above the next item's label.
    await field(page, 'id_number').fill(childID.slice(0, 17) + (childID[17] === '1' ? '2' : '1'))
    await page.locator('.el-form-item.is-error', { hasText: '公民身份号码' }).locator('.el-form-item__error').waitFor()
    const gap = await page.evaluate(() => {
      const items = [...document.querySelectorAll('.child-form .el-form-item')]
      const i = items.findIndex((el) => el.classList.contains('is-error') && (el.textContent ?? '').includes('公民身份号码'))
      const err = items[i].querySelector('.el-form-item__error').getBoundingClientRect()
      const next = items[i + 1].querySelector('.el-form-item__label').getBoundingClientRect()
      return next.top - err.bottom
    })
    assert.ok(gap >= 0, 'the error text overlaps the next label by ' + -gap + ' px')

    // The ID number fills the birth date, the sex and the hukou division it encodes.
    await field(page, 'id_number').fill(childID)
    await page.locator('[data-test=id-note]').waitFor()
    assert.equal(await page.locator('input[name=birth_date]').inputValue(), birth)
    assert.ok(await page.locator('[data-test=sex] .el-radio.is-checked', { hasText: '女' }).isVisible(), 'the sex is filled')
    await page.locator('[data-test=hukou]', { hasText: '兴庆区' }).waitFor()

    // The picker opens over the whole phone screen; typing finds a county anywhere.
    await page.locator('[data-test=residence]').click()
    const panel = page.locator('[data-test=region-panel]:visible')
    await panel.waitFor()
    const drawer = await page.locator('.region-drawer:visible').boundingBox()
    assert.ok(drawer && drawer.width >= 389 && drawer.x <= 1, 'the picker fills the screen: ' + JSON.stringify(drawer))
    await panel.locator('[data-test=region-search] input, input[data-test=region-search]').first().fill('郸城')
    await panel.locator('[data-test=region-result]', { hasText: '郸城县' }).waitFor()
    await panel.locator('[data-test=region-search] input, input[data-test=region-search]').first().fill('')
    // Then down the tree to the village, three taps below the district.
    await panel.locator('.crumb', { hasText: '全部' }).click()
    for (const name of ['内蒙古自治区', '乌海市', '海勃湾区', township]) {
      await panel.locator('[data-test=region-item]', { hasText: name }).first().click()
    }
    await panel.locator('[data-test=region-item]', { hasText: village }).first().click()
    await panel.waitFor({ state: 'hidden' })
    // The picker shows the full name, which leaves out 居委会/村委会.
    await page.locator('[data-test=residence]', { hasText: village.replace(/(居民委员会|村民委员会|居委会|村委会)$/, '') }).waitFor()
    await field(page, 'residence_detail').fill('幸福路 8 号')

    await page.locator('[data-test=co_residents] .el-radio', { hasText: '父母一方' }).click()
    const leftInput = page.locator('input[placeholder="离开户籍地日期"]').first()
    await leftInput.click()
    await leftInput.fill(left)
    await leftInput.press('Enter')
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 390, 'the form is ' + wide + ' px wide on a 390-px screen')

    // The draft is kept in the browser while typing: a reload offers it back.
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('guanai.draft.') && (localStorage.getItem(k) ?? '').includes('幸福路 8 号')))
    await page.reload()
    const offer = page.locator('.el-message-box:visible', { hasText: '未保存的填写内容' })
    await offer.waitFor()
    await offer.getByRole('button', { name: '恢复', exact: true }).click()
    await page.waitForFunction(() => document.querySelector('input[name=name]')?.value === '林小雨' && document.querySelector('input[name=id_number]')?.value !== '')

    // The session ends meanwhile (here: signed out elsewhere): saving asks for the password in a
    // dialog and goes on, and nothing typed is lost.
    await page.evaluate(async () => {
      const s = await (await fetch('/api/v1/session')).json()
      await fetch('/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } })
    })

    await page.locator('[data-test=save-submit]').click()
    const again = page.locator('.reauth-dialog:visible')
    await again.waitFor()
    await again.locator('input').fill(srv.users.collector.password)
    await again.getByRole('button', { name: '继续' }).click()
    await page.waitForURL(/\/children\/(?!new$)[^/]+$/)
    await page.locator('[data-test=status]', { hasText: '已提交' }).waitFor()
    assert.equal((await page.locator('[data-test=child-name]').innerText()).trim(), '林小雨', 'the collector sees the full name')
    assert.match(await page.locator('[data-test="v-id_number"]').innerText(), /^640104\*+$/, 'the ID number stays masked')
    // And in the list.
    await page.goto(srv.base + '/children?q=' + encodeURIComponent('林小雨'))
    await page.locator('.cards li', { hasText: '林小雨' }).waitFor()
    await ctx.close()
  })

  test('a reviewer sees an exact count over 1,000 and approves 200 submitted records in one batch', async () => {
    const { ctx, page } = await signedIn('reviewer', { width: 1280, height: 900 })
    const before = await apiCount(page, 'status=submitted')
    assert.ok(before.total > 1000, 'more than 1,000 submitted records in the district: ' + before.total)
    assert.equal(before.n, before.total, 'paging reaches every record the count says')

    await page.goto(srv.base + '/children?status=submitted&size=200')
    await page.locator('[data-test=total]', { hasText: '共 ' + before.total + ' 名' }).waitFor()
    // The review queue is oldest first.
    assert.equal(await page.locator('[data-test=sort] .el-select__selected-item:not(.is-hidden), [data-test=sort] .el-select__placeholder').first().innerText(), '最早登记在前')
    await page.locator('.wide-table .el-table__body tr.el-table__row').nth(199).waitFor()
    await page.locator('.wide-table .el-table__header .el-checkbox').click()
    const chosen = page.locator('[data-test=approve-chosen]')
    await chosen.filter({ hasText: '（200）' }).waitFor()
    await chosen.click()
    const box = page.locator('.el-message-box:visible')
    await box.waitFor()
    assert.match(await box.innerText(), /200 条/)
    await box.locator('input').fill('批量核实无误')
    await box.getByRole('button', { name: '确定通过' }).click()
    await page.locator('.el-message', { hasText: '已审核通过 200 条' }).waitFor({ timeout: 60_000 })
    await page.locator('[data-test=total]', { hasText: '共 ' + (before.total - 200) + ' 名' }).waitFor()

    const after = await apiCount(page, 'status=submitted')
    assert.equal(after.total, before.total - 200)
    // Each approval is in the record's history, with the comment.
    const last = await page.evaluate(async () => {
      const r = await (await fetch('/api/v1/children?status=approved&sort=updated&limit=1')).json()
      const h = await (await fetch('/api/v1/children/' + r.items[0].uid + '/history')).json()
      return h.items[h.items.length - 1]
    })
    assert.equal(last.To ?? last.to, 'approved')
    assert.equal(last.Reason ?? last.reason, '批量核实无误')
    await ctx.close()
  })

  test('no page logged an error', () => {
    assert.deepEqual(errors.flat(), [])
  })
})
