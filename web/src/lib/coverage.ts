// Population figures and coverage on the client (issue 18, docs/statistics.md 登记覆盖): the
// shapes of /api/v1/population and /api/v1/coverage, the level of a region's rows and how a
// rate or a withheld value is written.

export interface CoverageRow {
  region_code: string
  region_name: string
  year?: number
  source_label?: string
  expected_total: number | null
  expected_migrant: number | null
  expected_left_behind: number | null
  registered_migrant: number | null
  registered_left_behind: number | null
  migrant_rate: number | null
  left_behind_rate: number | null
  migrant_share: number | null
  left_behind_share: number | null
  shortfall: number | null
  rank: number
  withheld?: boolean
}

export interface Coverage {
  as_of: string
  region: string
  region_name: string
  level: string
  title: string
  reference: string
  note: string
  rows: CoverageRow[]
  ranked: string[]
  published?: boolean
  threshold?: number
}

export interface Figure {
  region_code: string
  region_name?: string
  year: number
  source: string
  source_label: string
  total: number
  migrant: number | null
  left_behind: number | null
  male: number | null
  female: number | null
  ages: (number | null)[]
  note?: string
  file: string
  imported_by: string
  imported_at: string
  superseded_at?: string
}

export interface FigureImport {
  rows: number
  imported: number
  updated: number
  unchanged: number
  rejected: number
  errors: { row: number; column?: string; code: string; message: string }[]
}

export interface Visits {
  region_code: string
  open: number
  closed: number
  last_visit?: string
}

export const levels = [
  { v: 'county', l: '区县' },
  { v: 'township', l: '乡镇（街道）' },
  { v: 'village', l: '村（居）' },
]

/** levelBelow is the level of the rows one below a region ('' or a city: districts). */
export function levelBelow(region: string): string {
  if (region.length <= 4) return 'county'
  if (region.length <= 6) return 'township'
  return 'village'
}

/** pct writes a rate as a percentage with one decimal; a missing one as —, a withheld one as *. */
export function pct(v: number | null | undefined, withheld = false): string {
  if (v === null || v === undefined) return withheld ? '*' : '—'
  return (v * 100).toFixed(1) + '%'
}

/** num writes a count; a missing one as —, a withheld one as *. */
export function num(v: number | null | undefined, withheld = false): string {
  if (v === null || v === undefined) return withheld ? '*' : '—'
  return String(v)
}

/** ranked returns the rows in rank order, those without a rank after them in code order. */
export function ranked(c: Coverage): CoverageRow[] {
  const r = c.rows.filter((x) => x.rank > 0).sort((a, b) => a.rank - b.rank)
  return r.concat(c.rows.filter((x) => x.rank === 0))
}
