// Renewing an ended session in place: when a request finds the session gone (idle for 30
// minutes, or 12 hours old) while someone is signed in, a dialog asks for the password (and the
// dynamic code when the account has one) and the request is sent again — the page, and a
// half-filled form, stay as they were. Cancelling goes to the login page; the form's draft is
// kept in the browser (lib/draft.ts) and offered back after signing in.
import { ElMessageBox } from 'element-plus'
import { ApiError, whenReauthNeeded } from './api'
import { login, session } from './session'

export const R = {
  title: '登录已失效',
  prompt: '为保护儿童信息，长时间未操作后需要重新验证身份。请输入 {u} 的密码，当前页面填写的内容会保留。',
  password: '密码',
  totpPrompt: '请输入动态验证码（6 位数字）',
  totp: '动态验证码',
  ok: '继续',
  cancel: '重新登录',
  wrong: '密码不正确，请重试',
  needed: '请输入密码',
}

let pending: Promise<boolean> | null = null

async function ask(): Promise<boolean> {
  const username = session.user?.username
  if (!username) return false
  let message = R.prompt.replace('{u}', username)
  for (let tries = 0; tries < 5; tries++) {
    let password = ''
    try {
      const r = await ElMessageBox.prompt(message, R.title, {
        confirmButtonText: R.ok, cancelButtonText: R.cancel, inputType: 'password', inputPlaceholder: R.password,
        inputValidator: (v: string) => !!v || R.needed, closeOnClickModal: false, closeOnPressEscape: false,
        customClass: 'reauth-dialog',
      })
      password = (r as { value: string }).value
    } catch {
      return false
    }
    try {
      await login({ username, password })
      return true
    } catch (e) {
      const err = e as ApiError
      if (err.code === 'mfa_required' || err.code === 'totp_required') {
        try {
          const r = await ElMessageBox.prompt(R.totpPrompt, R.title, { confirmButtonText: R.ok, cancelButtonText: R.cancel, inputPlaceholder: R.totp, inputPattern: /^\d{6}$/, inputErrorMessage: R.totpPrompt })
          await login({ username, password, totp: (r as { value: string }).value })
          return true
        } catch (e2) {
          if (!(e2 instanceof ApiError)) return false
          message = e2.message
          continue
        }
      }
      message = err.message || R.wrong
    }
  }
  return false
}

/** installReauth registers the dialog; one dialog answers every request that found the session gone. */
export function installReauth() {
  whenReauthNeeded(() => {
    if (!pending) pending = ask().finally(() => (pending = null))
    return pending
  })
}
