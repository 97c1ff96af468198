// The signed-in user, shared by every page.
import { reactive } from 'vue'
import { api, ApiError, setCsrfToken } from './api'

export interface OrgUnit {
  code: string
  name: string
  path: string
}

export interface User {
  username: string
  name: string
  roles: string[]
  role_labels: string[]
  department: string
  department_label: string
  org_unit: OrgUnit
  permissions: string[]
  mfa_enrolled: boolean
  mfa_required: boolean
}

interface SessionReply {
  user: User
  csrf_token: string
  must_change_password: boolean
}

export const session = reactive({
  user: null as User | null,
  mustChangePassword: false,
  loaded: false,
})

function accept(r: SessionReply) {
  session.user = r.user
  session.mustChangePassword = r.must_change_password
  setCsrfToken(r.csrf_token)
  session.loaded = true
}

/** loadSession asks the server who is signed in; false when nobody is. */
export async function loadSession(): Promise<boolean> {
  try {
    accept(await api<SessionReply>('/api/v1/session'))
    return true
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clearSession()
      session.loaded = true
      return false
    }
    throw e
  }
}

export interface Credentials {
  username: string
  password: string
  totp?: string
  recovery_code?: string
}

export async function login(c: Credentials): Promise<void> {
  accept(await api<SessionReply>('/api/v1/session', { method: 'POST', body: c }))
}

export async function logout(): Promise<void> {
  try {
    await api('/api/v1/session', { method: 'DELETE' })
  } finally {
    clearSession()
  }
}

export function clearSession() {
  session.user = null
  session.mustChangePassword = false
  setCsrfToken('')
}

/** can reports whether the signed-in user holds permission p. */
export function can(p: string): boolean {
  return !!session.user?.permissions.includes(p)
}

export function hasRole(r: string): boolean {
  return !!session.user?.roles.includes(r)
}
