// The division tree (/api/v1/regions): codes of 2, 4, 6, 9 and 12 digits, each level a prefix
// of the next.
import { reactive } from 'vue'
import { api } from './api'

export interface Division {
  code: string
  name: string
  level: number
  leaf: boolean
}

const cache = new Map<string, Promise<Division[]>>()

export function childrenOf(parent: string): Promise<Division[]> {
  let p = cache.get(parent)
  if (!p) {
    p = api<{ items: Division[] }>('/api/v1/regions', { query: { parent } }).then((r) => r.items)
    p.catch(() => cache.delete(parent))
    cache.set(parent, p)
  }
  return p
}

const lengths = [2, 4, 6, 9, 12]

/** pathOf gives the codes from below root down to code: pathOf('150302003012', '1503') =
 * ['150302', '150302003', '150302003012']. */
export function pathOf(code: string, root = ''): string[] {
  if (!code) return []
  return lengths.filter((n) => n > root.length && n <= code.length).map((n) => code.slice(0, n))
}

const names = new Map<string, Promise<string>>()

/** fullName is the division's name with its parents (内蒙古自治区乌海市海勃湾区…). */
export function fullName(code: string): Promise<string> {
  if (!code) return Promise.resolve('')
  let p = names.get(code)
  if (!p) {
    p = api<{ division: { full_name?: string; name: string } }>('/api/v1/regions/' + encodeURIComponent(code))
      .then((r) => r.division.full_name || r.division.name)
      .catch(() => code)
    names.set(code, p)
  }
  return p
}

const short = new Map<string, Promise<string>>()

/** shortName is the division's own name (黄河社区居委会), for lists that name many divisions. */
export function shortName(code: string): Promise<string> {
  if (!code) return Promise.resolve('')
  let p = short.get(code)
  if (!p) {
    p = api<{ division: { name: string } }>('/api/v1/regions/' + encodeURIComponent(code))
      .then((r) => r.division.name || code)
      .catch(() => code)
    short.set(code, p)
  }
  return p
}

/** nameBook is a reactive code → name table for a page: want() asks for the names of codes not
 * yet known; until they arrive a code stands for itself. */
export function nameBook(full = false) {
  const names = reactive<Record<string, string>>({})
  function want(codes: (string | undefined | null)[]) {
    for (const c of codes) {
      if (!c || c in names) continue
      names[c] = c
      ;(full ? fullName(c) : shortName(c)).then((n) => (names[c] = n))
    }
  }
  const name = (c: string | undefined | null) => (c ? names[c] ?? c : '')
  return { names, want, name }
}
