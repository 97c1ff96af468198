// The JSON API client: same-origin cookies, the CSRF header on every change, and errors turned
// into ApiError with the server's Chinese message and field errors.

export interface FieldIssue {
  field: string
  code?: string
  message: string
}

export class ApiError extends Error {
  status: number
  code: string
  fields: FieldIssue[]
  /** detail is the error object as the server sent it (e.g. a resolve's candidates). */
  detail?: Record<string, unknown>
  constructor(status: number, code: string, message: string, fields: FieldIssue[] = []) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields
  }
}

let csrfToken = ''
let onUnauthenticated: (() => void) | null = null
let onSetupRequired: ((code: string) => void) | null = null

export function setCsrfToken(t: string) {
  csrfToken = t
}

/** csrfHeaders are the headers a change sent outside api() (a file answered to a POST) needs. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {}
}

/** whenUnauthenticated registers what happens when a request finds the session gone. */
export function whenUnauthenticated(f: () => void) {
  onUnauthenticated = f
}

/** whenSetupRequired registers what happens when the server refuses everything until the password
 * is changed or the second factor set up (403 password_change_required / mfa_setup_required). */
export function whenSetupRequired(f: (code: string) => void) {
  onSetupRequired = f
}

let onReauth: (() => Promise<boolean>) | null = null

/** whenReauthNeeded registers how a session that ended while the user was working is renewed
 * in place (a password dialog, lib/reauth.ts): when it resolves true the request is sent again,
 * so a half-filled form is not lost; false falls back to whenUnauthenticated. */
export function whenReauthNeeded(f: (() => Promise<boolean>) | null) {
  onReauth = f
}

const setupCodes = ['password_change_required', 'mfa_setup_required']

const networkMessage = '无法连接服务器，请检查网络后重试'

/** errorOf turns a response body into an ApiError; the API wraps errors in {"error": …}. */
export function errorOf(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>
  const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>
  const code = typeof e.code === 'string' ? e.code : 'http_' + status
  let message = typeof e.message === 'string' && e.message ? e.message : ''
  if (!message) {
    message = defaultMessages[code] ?? `请求失败（${status}）`
  }
  const fields = Array.isArray(e.fields) ? (e.fields as FieldIssue[]) : []
  const err = new ApiError(status, code, message, fields)
  err.detail = e
  return err
}

const defaultMessages: Record<string, string> = {
  bad_credentials: '用户名或密码错误',
  mfa_required: '请输入动态验证码',
  bad_totp: '动态验证码不正确',
  locked: '账号已被锁定，请 30 分钟后再试或联系安全管理员',
  rate_limited: '操作过于频繁，请稍后再试',
  unauthenticated: '登录已失效，请重新登录',
  csrf: '页面已过期，请刷新后重试',
  forbidden: '没有权限进行此操作',
  not_found: '没有找到该记录',
  conflict: '记录已被他人修改，请刷新后重试',
  password_change_required: '请先修改密码',
  mfa_setup_required: '请先启用动态验证码',
}

export interface RequestOptions {
  method?: string
  body?: unknown
  query?: Record<string, string | number | boolean | undefined | null>
  headers?: Record<string, string>
  signal?: AbortSignal
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  }
  const s = p.toString()
  return s ? path + (path.includes('?') ? '&' : '?') + s : path
}

export async function api<T = unknown>(path: string, opt: RequestOptions = {}): Promise<T> {
  try {
    return await request<T>(path, opt)
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && e.code === 'unauthenticated' && !path.startsWith('/api/v1/session') && onReauth) {
      if (await onReauth()) return request<T>(path, opt)
      onUnauthenticated?.()
    }
    throw e
  }
}

async function request<T>(path: string, opt: RequestOptions): Promise<T> {
  const method = opt.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json', ...opt.headers }
  let body: BodyInit | undefined
  if (opt.body instanceof FormData) {
    body = opt.body
  } else if (opt.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opt.body)
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res: Response
  try {
    res = await fetch(withQuery(path, opt.query), { method, headers, body, credentials: 'same-origin', signal: opt.signal })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', networkMessage)
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let data: unknown = undefined
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = { message: res.ok ? '' : `服务器返回了无法识别的内容（${res.status}）` }
    }
  }
  if (!res.ok) {
    const err = errorOf(res.status, data)
    if (res.status === 401 && err.code === 'unauthenticated' && path !== '/api/v1/session' && onUnauthenticated && !onReauth) {
      onUnauthenticated()
    }
    if (res.status === 403 && setupCodes.includes(err.code) && onSetupRequired) onSetupRequired(err.code)
    throw err
  }
  return data as T
}

/** ServerProgress is a progress line of a streamed upload answer (internal/web/progress.go): the
 * phase of the server's work, the rows done and, while the file is read, how far through it. */
export interface ServerProgress {
  phase: 'read' | 'match' | 'write'
  rows: number
  percent?: number
}

/** StreamEvent is one line of an NDJSON answer. */
export type StreamEvent = { progress: ServerProgress } | { result: unknown } | { error: ApiError }

// The HTTP status an error would have had as a plain answer (the stream's status is 200 already).
const streamStatus: Record<string, number> = {
  bad_request: 400, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, invalid: 422, unavailable: 503,
}

/** readLines parses the complete lines of an NDJSON text from offset from (a line is complete
 * once its newline has arrived; with final, the rest counts too) and returns them and the offset
 * to continue from. A line that is not one of the three kinds is an error event. */
export function readLines(text: string, from: number, final = false): { events: StreamEvent[]; next: number } {
  const events: StreamEvent[] = []
  let at = from
  for (;;) {
    let end = text.indexOf('\n', at)
    if (end < 0) {
      if (!final || at >= text.length) break
      end = text.length
    }
    const line = text.slice(at, end).trim()
    at = end + 1
    if (line) events.push(eventOf(line))
  }
  return { events, next: Math.min(at, text.length) }
}

function eventOf(line: string): StreamEvent {
  let v: Record<string, unknown> | null = null
  try {
    v = JSON.parse(line)
  } catch {
    v = null
  }
  if (v && typeof v === 'object') {
    if (v.progress && typeof v.progress === 'object') return { progress: v.progress as ServerProgress }
    if ('result' in v) return { result: v.result }
    if (v.error && typeof v.error === 'object') {
      const code = (v.error as Record<string, unknown>).code
      return { error: errorOf(streamStatus[typeof code === 'string' ? code : ''] ?? 500, v) }
    }
  }
  return { error: new ApiError(0, 'bad_stream', '服务器返回了无法识别的内容，请稍后重试') }
}

/** describeProgress says what the server is doing, for the line under the upload bar. */
export function describeProgress(p: ServerProgress): string {
  switch (p.phase) {
    case 'match':
      // A roster is read, matched with the registry and written row by row.
      return p.rows > 0
        ? `正在读取并与登记信息比对… 已处理 ${p.rows} 行${p.percent !== undefined ? `（${p.percent}%）` : ''}`
        : '正在准备与登记信息比对…'
    case 'write':
      return '正在写入…'
    default:
      return `正在读取和校验… 已处理 ${p.rows} 行（${p.percent ?? 0}%）`
  }
}

const cutOff = '连接中断，服务器没有返回结果：请稍后在导入记录中查看，必要时重新导入'

export interface UploadOptions {
  /** onServer asks the server for its progress (?progress=1) and receives each line. */
  onServer?: (p: ServerProgress) => void
  /** signal aborts the request (the page is left): the promise rejects with an AbortError. */
  signal?: AbortSignal
}

/** upload sends a multipart form with progress (fetch has no upload progress). With
 * opt.onServer the server streams its own progress as NDJSON (docs/import.md) and the promise
 * resolves with the result line, or rejects with the error line as an ApiError. */
export function upload<T>(path: string, form: FormData, onProgress?: (percent: number) => void, opt: UploadOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    if (opt.signal?.aborted) {
      reject(new DOMException('上传已取消', 'AbortError'))
      return
    }
    const xhr = new XMLHttpRequest()
    xhr.open('POST', opt.onServer ? withQuery(path, { progress: 1 }) : path)
    xhr.setRequestHeader('Accept', opt.onServer ? 'application/x-ndjson, application/json' : 'application/json')
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    const onAbort = () => xhr.abort()
    opt.signal?.addEventListener('abort', onAbort)
    const settle = () => opt.signal?.removeEventListener('abort', onAbort)
    // The streamed answer, read as it arrives.
    let at = 0
    let end: StreamEvent | null = null
    const streamed = () => (xhr.getResponseHeader('Content-Type') ?? '').startsWith('application/x-ndjson')
    const consume = (final: boolean) => {
      const r = readLines(xhr.responseText, at, final)
      at = r.next
      for (const ev of r.events) {
        if (end) break
        if ('progress' in ev) opt.onServer?.(ev.progress)
        else end = ev
      }
    }
    xhr.onprogress = () => {
      if (xhr.status >= 200 && xhr.status < 300 && streamed()) consume(false)
    }
    xhr.onabort = () => {
      settle()
      reject(new DOMException('上传已取消', 'AbortError'))
    }
    xhr.onerror = () => {
      settle()
      reject(new ApiError(0, 'network', networkMessage))
    }
    xhr.onload = () => {
      settle()
      if (xhr.status >= 200 && xhr.status < 300 && streamed()) {
        consume(true)
        if (end && 'result' in end) resolve(end.result as T)
        else if (end && 'error' in end) reject(end.error)
        else reject(new ApiError(0, 'network', cutOff))
        return
      }
      let data: unknown = undefined
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        data = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T)
      else {
        const err = errorOf(xhr.status, data)
        if (xhr.status === 401 && onUnauthenticated) onUnauthenticated()
        reject(err)
      }
    }
    xhr.send(form)
  })
}
