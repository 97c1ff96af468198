// Starts the real guanai binary on a temporary SQLite database with demo data and users, and
// drives Debian's Chromium with playwright-core. Used by ui.test.mjs (node --test).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import * as OTPAuth from 'otpauth'

export const BIN = resolve(process.env.GUANAI_BIN ?? new URL('../../bin/guanai', import.meta.url).pathname)
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** startServer runs `guanai serve --demo` and resolves once it listens, with the base URL and
 * the demo users it printed (username → {password, totp, role, unit}); args are further options
 * of serve. */
export async function startServer({ demoSize = 300, args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'guanai-e2e-'))
  const proc = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--db', 'sqlite://' + join(dir, 'g.db'), '--demo', '--demo-size', String(demoSize), ...args], {
    env: { ...process.env, GUANAI_DATA_DIR: dir, GUANAI_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const users = {}
  let out = ''
  let err = ''
  proc.stdout.on('data', (b) => {
    out += b
    for (const line of out.split('\n').slice(0, -1)) {
      const f = line.split('\t')
      if (f[0] === 'demo-user' && f.length >= 6) users[f[1]] = { username: f[1], password: f[2], totp: f[3] === '-' ? '' : f[3], role: f[4], unit: f[5] }
    }
  })
  const base = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('guanai did not start in 120 s:\n' + err)), 120_000)
    proc.stderr.on('data', (b) => {
      err += b
      const m = /已启动：(http:\/\/[0-9.:]+)/.exec(err)
      if (m) {
        clearTimeout(timer)
        res(m[1])
      }
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      rej(new Error('guanai exited with ' + code + ':\n' + err))
    })
  })
  return {
    base,
    users,
    stderr: () => err,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

/** totpCode is the RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret, at time t. */
export function totpCode(secret, t = Date.now()) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t })
}

/** watchConsole collects the page's errors: uncaught exceptions and console errors other than
 * the browser's own note about an HTTP error status (which the app handles). */
export function watchConsole(page) {
  const errors = []
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403|404|409|422)/.test(m.text())) errors.push('console: ' + m.text())
  })
  return errors
}

/** field finds an input by its data-test name, whether the attribute sits on the input itself
 * (el-input passes it on) or on a wrapper. */
export function field(page, name) {
  return page.locator(`input[data-test="${name}"], textarea[data-test="${name}"], [data-test="${name}"] input, input[name="${name}"]`).first()
}

/** login signs a user in through the login page, with a TOTP code when the server asks. A code
 * that was just used (the same 30-s step) is refused as a replay, so a refused code is retried
 * once in the next step. */
export async function login(page, base, user) {
  await page.goto(base + '/login')
  await field(page, 'username').fill(user.username)
  await field(page, 'password').fill(user.password)
  await page.locator('[data-test=login-submit]').click()
  if (user.totp) {
    await field(page, 'totp').waitFor()
    for (let attempt = 0; attempt < 2; attempt++) {
      await field(page, 'totp').fill(totpCode(user.totp))
      await page.locator('[data-test=login-submit]').click()
      const ok = await Promise.race([
        page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 45_000 }).then(() => true),
        page.locator('[data-test=login-error]').waitFor({ timeout: 45_000 }).then(() => false),
      ])
      if (ok) return
      const wait = 30_000 - (Date.now() % 30_000) + 500
      await page.waitForTimeout(wait)
    }
    throw new Error('login with TOTP failed for ' + user.username)
  }
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 45_000 })
}

/** idNumber makes a valid GB 11643 number for a birth date (YYYYMMDD) and sex (1 male, 2 female). */
export function idNumber(area, birth, seq, sex) {
  let s3 = String(seq % 100).padStart(2, '0') + String(sex === 1 ? 1 : 2)
  const body = area + birth + s3
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i]
  return body + '10X98765432'[sum % 11]
}

/** xlsxRows reads the first worksheet of an xlsx workbook (a buffer) into rows of cell texts, by
 * the zip's central directory and a plain reading of the sheet XML: enough for the files the
 * server writes (shared or inline strings, no formulas). */
export function xlsxRows(buf) {
  const files = {}
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  let p = buf.readUInt32LE(eocd + 16)
  const n = buf.readUInt16LE(eocd + 10)
  for (let i = 0; i < n; i++) {
    const method = buf.readUInt16LE(p + 10)
    const size = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString()
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const data = buf.subarray(start, start + size)
    files[name] = (method === 8 ? inflateRawSync(data) : data).toString('utf8')
    p += 46 + nameLen + extraLen + commentLen
  }
  const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
  const texts = (xml) => [...xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => unescape(m[1])).join('')
  const shared = [...(files['xl/sharedStrings.xml'] ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => texts(m[1]))
  const sheet = files['xl/worksheets/sheet1.xml'] ?? ''
  const col = (ref) => [...ref.replace(/\d+$/, '')].reduce((a, ch) => a * 26 + ch.charCodeAt(0) - 64, 0) - 1
  return [...sheet.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map((r) => {
    const out = []
    for (const c of r[1].matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const type = /t="([^"]+)"/.exec(c[2])?.[1]
      const body = c[3] ?? ''
      const v = /<v>([^<]*)<\/v>/.exec(body)?.[1]
      out[col(c[1])] = type === 's' ? shared[Number(v)] : type === 'inlineStr' ? texts(body) : unescape(v ?? '')
    }
    return Array.from(out, (x) => x ?? '')
  })
}
