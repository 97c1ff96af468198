// End to end in Chromium (issue 18): the statistician imports the population figures on the
// 人口统计数据 page, and the district reviewer opens the 登记覆盖 page and finds the township
// furthest below its figures ranked first, with the reference year and source stated.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser

before(async () => {
  srv = await startServer({ demoSize: 200 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

async function fresh() {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await ctx.newPage()
  return { ctx, page, errors: watchConsole(page) }
}

test('a statistician imports the figures and the reviewer opens the ranked coverage list', async () => {
  // The statistician: the page, the template link, then the file (one row refused).
  const s = await fresh()
  await login(s.page, srv.base, srv.users.statistician)
  await s.page.goto(srv.base + '/population')
  const towns = await s.page.evaluate(async () => (await (await fetch('/api/v1/regions?parent=150302')).json()).items)
  assert.ok(towns.length >= 3, 'the district has townships')
  const far = towns[1] // expected far more migrant children than any other
  const lines = ['区划代码,区划名称,参考年份,数据来源,不满16周岁儿童,流动儿童,留守儿童']
  towns.forEach((t, i) => lines.push(`${t.code},${t.name},2020,人口普查,5000,${t.code === far.code ? 3000 : 10 + i},5`))
  lines.push('150302999,,2020,人口普查,10,,')
  const href = await s.page.locator('a[download]').getAttribute('href')
  assert.match(href, /^\/api\/v1\/population\/template/)
  await s.page.locator('[data-testid=figures-file]').setInputFiles({ name: '人口.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + lines.join('\n') + '\n') })
  const result = s.page.locator('[data-testid=figures-result]')
  await result.waitFor()
  assert.match(await result.innerText(), new RegExp(`新增 ${towns.length}.*未导入 1`))
  await s.page.getByText('不在全国行政区划代码表中').waitFor()
  await s.page.locator('.el-table__body tr', { hasText: far.name }).first().waitFor()
  assert.deepEqual(s.errors, [], 'no error on the statistician page')
  await s.ctx.close()

  // The reviewer of the district: the coverage list by township, the far township first.
  const r = await fresh()
  await login(r.page, srv.base, srv.users.reviewer)
  await r.page.goto(srv.base + '/')
  await r.page.locator('nav a', { hasText: '登记覆盖' }).first().click()
  await r.page.waitForURL(/\/coverage/)
  await r.page.locator('[data-testid=coverage-reference]', { hasText: '参考年份：2020年；数据来源：人口普查' }).waitFor()
  const first = r.page.locator('[data-testid=coverage-table] .el-table__body tr').first()
  await first.waitFor()
  const cells = await first.locator('td').allInnerTexts()
  assert.equal(cells[0].trim(), '1', 'ranked first: ' + cells.join(' | '))
  assert.equal(cells[1].trim(), far.name, 'the township furthest below its figures comes first')
  assert.match(cells[5].trim(), /^\d+\.\d%$/, 'its migrant registration rate is shown: ' + cells[5])
  assert.deepEqual(r.errors, [], 'no error on the reviewer page')
  await r.ctx.close()
})
