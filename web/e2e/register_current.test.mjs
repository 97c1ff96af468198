// End-to-end test of keeping the register current (issue 13), in a real Chromium against the real
// binary: a child registered in village A is moved to village B, accepted there by the reviewer
// and gone from A; the reviewer works the re-evaluation queue after the clock is moved a year
// (guanai review reclassify --as-of, the injected date); a department's value is taken into the
// record from 差异核查.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { BIN, field, idNumber, launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser
const pages = {}

before(async () => {
  srv = await startServer({ demoSize: 120 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

/** as returns a page signed in as the demo user (one per user, reused). */
async function as(user) {
  if (pages[user]) return pages[user]
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await ctx.newPage()
  page.errors = watchConsole(page)
  await login(page, srv.base, srv.users[user])
  pages[user] = page
  return page
}

/** call sends an API request from the page's session (with its CSRF token). */
function call(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const s = await (await fetch('/api/v1/session')).json()
      const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: body ? JSON.stringify(body) : undefined })
      return { status: r.status, body: await r.json().catch(() => null) }
    },
    [method, path, body],
  )
}

/** cli runs a guanai command on the server's own database. */
async function cli(args) {
  const db = /数据库 (sqlite:\/\/[^）\s]+)/.exec(srv.stderr())?.[1]
  assert.ok(db, 'the server printed its database')
  const proc = spawn(BIN, [...args, '--db', db], { env: { ...process.env, GUANAI_DATA_DIR: dirname(db.slice('sqlite://'.length)), GUANAI_DB: '' } })
  let out = ''
  proc.stdout.on('data', (b) => (out += b))
  proc.stderr.on('data', (b) => (out += b))
  const code = await new Promise((r) => proc.on('exit', r))
  assert.equal(code, 0, 'guanai ' + args.join(' ') + ': ' + out)
  return out
}

const chinaToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)

describe('register kept current', () => {
  const id = idNumber('640104', '20150310', 37, 1)
  let uid, villageB

  test('a child of village A is moved to village B, accepted there, and gone from A', async () => {
    const a = await as('collector')
    const session = await call(a, 'GET', '/api/v1/session')
    const villageA = session.body.user.org_unit.code
    const b = await as('collector2')
    villageB = (await call(b, 'GET', '/api/v1/session')).body.user.org_unit.code
    assert.notEqual(villageA, villageB)
    const created = await call(a, 'POST', '/api/v1/children?allow_duplicate=true', {
      name: '迁小明', sex: '1', birth_date: '2015-03-10', id_number: id, hukou_registered: true,
      hukou_address: { region_code: '640104001', detail: '解放西街1号' }, residence_address: { region_code: villageA, detail: '幸福路1号' },
      co_residents: 'one_parent', left_hukou_date: '2024-03-31', school_stage: 'primary', school_name: '乌海市第一小学', study_status: 'enrolled',
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    uid = created.body.uid

    await a.goto(srv.base + '/children/' + uid)
    await a.locator('[data-test=upcoming]').waitFor()
    await a.locator('[data-test=handover-open]').click()
    await field(a, 'handover-code').fill(villageB)
    await a.locator('[data-test=handover-submit]').click()
    await a.locator('.el-message', { hasText: '已提交迁出申请' }).waitFor()

    const r = await as('reviewer')
    await r.goto(srv.base + '/handovers')
    const row = r.locator('[data-test=handover-table] .el-table__row', { hasText: '迁**' })
    await row.waitFor()
    await row.locator('[data-test=handover-accept]').click()
    await field(r, 'handover-address').fill('滨河小区3号')
    await r.locator('[data-test=handover-decide]').click()
    await r.locator('.el-message', { hasText: '已接收' }).waitFor()

    assert.equal((await call(a, 'GET', '/api/v1/children/' + uid)).status, 404, 'no longer visible in A')
    const inB = await call(b, 'GET', '/api/v1/children/' + uid)
    assert.equal(inB.status, 200)
    assert.equal(inB.body.record.residence_address.region_code, villageB)
    const found = await call(b, 'GET', '/api/v1/children?limit=100&name=' + encodeURIComponent('迁小明'))
    assert.equal(found.body.total, 1, 'one record, not two')
    assert.deepEqual(a.errors, [])
    assert.deepEqual(r.errors, [])
  })

  test('the reviewer works the re-evaluation queue after the clock is moved a year', async () => {
    const d = new Date(chinaToday() + 'T00:00:00Z')
    d.setUTCFullYear(d.getUTCFullYear() + 1)
    const out = await cli(['review', 'reclassify', '--as-of', d.toISOString().slice(0, 10), '--all'])
    const queued = Number(/进入复核队列 (\d+) 条/.exec(out)?.[1])
    assert.ok(queued > 0, 'a year later some children entered or left the scope: ' + out)

    const r = await as('reviewer')
    await r.goto(srv.base + '/')
    await r.locator('[data-test=reeval-count]').waitFor()
    await r.goto(srv.base + '/review-queue')
    const rows = r.locator('[data-test=review-table] .el-table__row')
    await rows.first().waitFor()
    const before = await rows.count()
    await rows.first().locator('[data-test=review-archive]').click()
    await r.locator('[data-test=archive-reason] .el-radio', { hasText: '其他' }).click()
    await r.locator('[data-test=review-submit]').click()
    await r.locator('.el-dialog', { hasText: '须填写说明' }).waitFor()
    await r.locator('.el-dialog textarea').fill('已核实，不再符合条件')
    await r.locator('[data-test=review-submit]').click()
    await r.locator('.el-message', { hasText: '已归档' }).waitFor()
    await r.waitForFunction((n) => document.querySelectorAll('[data-test=review-table] .el-table__row').length === n - 1 || n === 200, before)
    if (before > 1) {
      await rows.first().locator('[data-test=review-confirm]').click()
      await r.locator('[data-test=review-submit]').click()
      await r.locator('.el-message', { hasText: '已确认' }).waitFor()
    }
    assert.deepEqual(r.errors, [])
  })

  test("a discrepancy's value is taken into the record", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guanai-roster-'))
    const csv = join(dir, 'school.csv')
    writeFileSync(csv, '\ufeff学生姓名,身份证号,学校名称,年级,在校状态\n迁小明,' + id + ',乌海市第一小学,四年级,辍学\n')
    const out = await cli(['import', 'roster', '--dept', 'education', csv])
    assert.match(out, /"discrepancies":1/)

    const r = await as('reviewer')
    await r.goto(srv.base + '/discrepancies?kind=contradiction')
    const row = r.locator('.el-table__row', { hasText: '辍学' }).first()
    await row.waitFor()
    await row.locator('[data-test=disc-resolve]').click()
    await r.locator('[data-test=adopt-confirm]').click()
    await r.locator('.el-message', { hasText: '已采用名册的值' }).waitFor()
    const c = await call(r, 'GET', '/api/v1/children/' + uid)
    assert.equal(c.body.record.study_status, 'dropped_out')
    const h = await call(r, 'GET', '/api/v1/children/' + uid + '/history')
    assert.match(JSON.stringify(h.body), /采用教育/)
    assert.deepEqual(r.errors, [])
  })
})
