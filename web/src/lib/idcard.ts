// What a citizen ID number (GB 11643) tells the registration form: birth date, sex and the
// division of the hukou where it was issued. Only a complete number with a right check digit
// and a real birth date is read.

const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const checks = '10X98765432'

export interface IDFacts {
  birthDate: string // YYYY-MM-DD
  sex: '1' | '2' // 1 男, 2 女 (GB/T 2261.1)
  region: string // the six digits of the division
}

/** readID returns the facts of an 18-character ID number, or null when it is not complete and
 * valid. */
export function readID(raw: string, today = new Date()): IDFacts | null {
  const id = (raw ?? '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(id)) return null
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * weights[i]
  if (checks[sum % 11] !== id[17]) return null
  const y = Number(id.slice(6, 10))
  const m = Number(id.slice(10, 12))
  const d = Number(id.slice(12, 14))
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null
  if (date.getTime() > today.getTime() || y < 1900) return null
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: Number(id[16]) % 2 === 1 ? '1' : '2',
    region: id.slice(0, 6),
  }
}
