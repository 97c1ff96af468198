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

/** whenUnauthenticated registers what happens when a request finds the session gone. */
export function whenUnauthenticated(f: () => void) {
  onUnauthenticated = f
}

/** whenSetupRequired registers what happens when the server refuses everything until the password
 * is changed or the second factor set up (403 password_change_required / mfa_setup_required). */
export function whenSetupRequired(f: (code: string) => void) {
  onSetupRequired = f
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
  return new ApiError(status, code, message, fields)
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
    if (res.status === 401 && err.code === 'unauthenticated' && path !== '/api/v1/session' && onUnauthenticated) {
      onUnauthenticated()
    }
    if (res.status === 403 && setupCodes.includes(err.code) && onSetupRequired) onSetupRequired(err.code)
    throw err
  }
  return data as T
}

/** upload sends a multipart form with progress (fetch has no upload progress). */
export function upload<T>(path: string, form: FormData, onProgress?: (percent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    xhr.setRequestHeader('Accept', 'application/json')
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', networkMessage))
    xhr.onload = () => {
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
