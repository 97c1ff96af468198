// An input never holds a masked value: the edit form takes the masked items (150302****,
// 138****5678, 新华街道幸****) out of the record it was given, shows their inputs empty with a
// note, and puts them back, as they were shown, into what it saves when the input is still
// empty — the server then keeps the stored value (restoreMasked). What the user types replaces it.
import { isMasked, type Rec } from './record'

/** stashMasked empties every masked string of r in place and returns them by path (father.phone). */
export function stashMasked(r: Rec, at = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(r)) {
    const path = at ? at + '.' + k : k
    if (isMasked(v)) {
      out[path] = v as string
      r[k] = ''
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      Object.assign(out, stashMasked(v as Rec, path))
    }
  }
  return out
}

/** unstash puts the kept values back into body (a cleaned record) where their item was left empty. */
export function unstash(body: Rec, kept: Record<string, string>): Rec {
  for (const [path, v] of Object.entries(kept)) {
    const parts = path.split('.')
    let cur = body
    for (const p of parts.slice(0, -1)) {
      if (!cur[p] || typeof cur[p] !== 'object') cur[p] = {}
      cur = cur[p]
    }
    const last = parts[parts.length - 1]
    if (cur[last] === undefined || cur[last] === '' || cur[last] === null) cur[last] = v
  }
  return body
}
