// The registration form's draft kept in the browser while it is typed (localStorage, per user
// and per record), so that a closed tab, a dead battery or an ended session loses nothing: the
// form offers it back when it opens again, after a new sign-in too. It is removed when the record
// is saved, and drafts older than 7 days are dropped. The browser keeps it as typed: a phone
// used for registration is the collector's own work device (docs/security.md).
import type { Rec } from './record'

const prefix = 'guanai.draft.'
const maxAge = 7 * 24 * 3600_000

export interface Draft {
  form: Rec
  kind: string
  at: number
  version?: number
}

/** draftKey names the draft of a user for a record ('new' for a registration). */
export function draftKey(username: string, uid: string): string {
  return prefix + username + '.' + (uid || 'new')
}

export function loadDraft(key: string, now = Date.now()): Draft | null {
  try {
    const raw = localStorage.getItem(key)
    if (!raw) return null
    const d = JSON.parse(raw) as Draft
    if (!d || typeof d !== 'object' || !d.form || typeof d.at !== 'number' || now - d.at > maxAge) {
      localStorage.removeItem(key)
      return null
    }
    return d
  } catch {
    return null
  }
}

export function saveDraft(key: string, d: Draft) {
  try {
    localStorage.setItem(key, JSON.stringify(d))
  } catch {
    // Storage full or forbidden (private mode): the form still works, only unprotected.
  }
}

export function dropDraft(key: string) {
  try {
    localStorage.removeItem(key)
  } catch {
    // nothing to do
  }
}

/** pruneDrafts drops every expired draft (of any user) kept in this browser. */
export function pruneDrafts(now = Date.now()) {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i)
      if (k?.startsWith(prefix)) loadDraft(k, now)
    }
  } catch {
    // nothing to do
  }
}
