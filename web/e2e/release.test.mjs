// A data release from draft to published in Chromium against the real binary: the statistician
// drafts three tables of 海勃湾区 (education and police must sign), cannot publish yet, the
// education and police officers sign, civil affairs and statistics approve, and the statistician
// publishes; the workbook's digest is the one the page shows, and it opens in LibreOffice.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launch, login, startServer, watchConsole } from './harness.mjs'

let srv, browser
const pages = {}
const errors = {}

async function as(username) {
  if (pages[username]) return pages[username]
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  ctx.setDefaultTimeout(45_000)
  const page = await ctx.newPage()
  errors[username] = watchConsole(page)
  const user = srv.users[username]
  assert.ok(user, 'demo user ' + username + ' was printed by serve --demo')
  await login(page, srv.base, user)
  pages[username] = page
  return page
}

before(async () => {
  srv = await startServer({ demoSize: 120 })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await srv?.stop()
})

describe('data release', { concurrency: false }, () => {
  let url = ''
  let digest = ''

  test('the statistician drafts a release of 海勃湾区 with education and police data', async () => {
    const page = await as('statistician')
    await page.goto(srv.base + '/releases')
    await page.locator('[data-test=release-title] input, input[data-test=release-title]').first().fill('海勃湾区流动儿童和留守儿童基本情况')
    // The region picker (a drawer): down to the district, then choose that level.
    await page.locator('[data-test=region-open]').first().click()
    const panel = page.locator('[data-test=region-panel]:visible')
    await panel.waitFor()
    await panel.locator('[data-test=region-item]', { hasText: '海勃湾区' }).first().click()
    await panel.locator('[data-test=region-choose-level]').click()
    await panel.waitFor({ state: 'hidden' })
    for (const name of ['分性别', '就学情况', '居住登记']) {
      await page.locator('[data-test=release-tables] .el-checkbox', { hasText: name }).first().click()
    }
    await page.getByText('须征求意见：教育、公安').waitFor()
    await page.locator('[data-test=release-draft]').click()
    await page.waitForURL(/\/releases\/[^/]+$/)
    url = page.url()
    digest = (await page.locator('[data-test=release-digest]').innerText()).trim()
    assert.match(digest, /^[0-9a-f]{64}$/)
    await page.locator('[data-test=release-status]', { hasText: '审核中' }).waitFor()
    // Not yet: the departments have not signed.
    await page.locator('[data-test=release-publish]').click()
    await page.locator('[data-test=release-error]', { hasText: '教育部门尚未签署意见' }).waitFor()
  })

  test('education and police sign off, civil affairs and statistics approve, the statistician publishes', async () => {
    assert.ok(url, 'the previous test drafted a release')
    for (const officer of ['officer', 'officer2']) {
      const page = await as(officer)
      await page.goto(url)
      await page.locator('[data-test=release-sign]').click()
      await page.locator('[data-test=release-opinions] .el-table__row', { hasText: '同意' }).first().waitFor()
    }
    const reviewer = await as('reviewer')
    await reviewer.goto(url)
    await reviewer.locator('[data-test=release-approve]').click()
    await reviewer.getByText('民政部门 审批同意').waitFor()
    const stat = await as('statistician')
    await stat.goto(url)
    await stat.locator('[data-test=release-approve]').click()
    await stat.getByText('统计部门 审批同意').waitFor()
    await stat.locator('[data-test=release-publish]').click()
    await stat.locator('[data-test=release-status]', { hasText: '已发布' }).waitFor()
    assert.equal((await stat.locator('[data-test=release-digest]').innerText()).trim(), digest, 'publishing does not change the content')

    // The workbook carries the page's digest; the print view shows it on every page.
    const res = await stat.request.get(url.replace('/releases/', '/api/v1/releases/') + '/xlsx')
    assert.equal(res.status(), 200)
    assert.equal(res.headers()['x-release-digest'], digest)
    const body = await res.body()
    const xml = body.toString('latin1')
    assert.ok(body.length > 1000 && xml.startsWith('PK'), 'an xlsx workbook')
    await stat.goto(url + '/print')
    await stat.locator('[data-test=print-digest]', { hasText: digest }).waitFor()

    if (!existsSync('/usr/bin/soffice')) {
      console.log('soffice is not installed: the LibreOffice check of the release workbook is skipped')
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'guanai-release-'))
      try {
        writeFileSync(join(dir, 'release.xlsx'), body)
        execFileSync('/usr/bin/soffice', ['--headless', '-env:UserInstallation=file://' + join(dir, 'lo'), '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, join(dir, 'release.xlsx')], { timeout: 180_000 })
        const csv = readFileSync(join(dir, 'release.csv'), 'utf8')
        assert.ok(csv.includes(digest), 'LibreOffice reads the 发布信息 sheet with the digest')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    for (const [u, errs] of Object.entries(errors)) assert.deepEqual(errs, [], u + ': errors in the console')
  })
})
