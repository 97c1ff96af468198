// The statistics JSON (guanai stats, /api/v1/stats) as the dashboard uses it.

export interface Category {
  code: string
  label: string
}
export interface Axis {
  dimension: string
  title: string
  categories: Category[]
}
export interface StatTable {
  key: string
  title: string
  population?: string
  unit?: string
  note?: string
  rows: Axis
  columns: Axis
  cells: (number | null)[][]
  row_totals?: (number | null)[] | null
  column_totals?: (number | null)[] | null
  total?: number | null
}
export interface RegionRow {
  region_code: string
  region_name: string
  migrant_monitoring: number
  migrant_statistics: number
  left_behind: number
  key_care: number
}
export interface Stats {
  as_of: string
  region: string
  region_name: string
  totals?: { records: number; migrant_monitoring: number; migrant_statistics: number; left_behind: number; key_care: number }
  by_region_level?: string
  by_region?: RegionRow[]
  tables: Record<string, StatTable>
  table_order?: string[]
  published?: boolean
}

/** column gives one column of a table by code, as [label, value] pairs of its rows. */
export function column(t: StatTable | undefined, code: string): [string, number][] {
  if (!t) return []
  const j = t.columns.categories.findIndex((c) => c.code === code)
  if (j < 0) return []
  return t.rows.categories.map((r, i) => [r.label, t.cells[i]?.[j] ?? 0])
}

/** rowSums gives each row's total: the row total when the table has one, else the sum of its
 * cells; null when it is withheld (a published table suppresses small values). */
export function rowSums(t: StatTable | undefined): [string, number | null][] {
  if (!t) return []
  return t.rows.categories.map((r, i) => {
    if (t.row_totals) return [r.label, t.row_totals[i] ?? null]
    const cells = t.cells[i]
    return [r.label, cells.some((v) => v === null) ? null : cells.reduce<number>((a, b) => a + (b ?? 0), 0)]
  })
}

/** tableRows renders a table as plain rows for the "table" view of a chart. */
export function tableRows(t: StatTable): { head: string[]; body: (string | number)[][] } {
  const head = [t.rows.title, ...t.columns.categories.map((c) => c.label)]
  if (t.row_totals) head.push('合计')
  const body = t.rows.categories.map((r, i) => {
    const row: (string | number)[] = [r.label, ...t.cells[i].map((v) => (v === null ? '—' : v))]
    if (t.row_totals) row.push(t.row_totals[i] ?? '—')
    return row
  })
  if (t.column_totals) {
    const row: (string | number)[] = ['合计', ...t.column_totals.map((v) => (v === null ? '—' : v))]
    if (t.row_totals) row.push(t.total ?? '—')
    body.push(row)
  }
  return { head, body }
}
