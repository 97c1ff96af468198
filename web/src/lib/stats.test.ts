import { describe, expect, it } from 'vitest'
import { column, rowSums, tableRows, type StatTable } from './stats'

const t: StatTable = {
  key: 'sex', title: '分性别',
  rows: { dimension: 'sex', title: '性别', categories: [{ code: '1', label: '男' }, { code: '2', label: '女' }] },
  columns: { dimension: 'type', title: '类别', categories: [{ code: 'migrant_monitoring', label: '流动' }, { code: 'left_behind', label: '留守' }] },
  cells: [[75, 38], [74, null]],
  row_totals: [113, 74],
  column_totals: [149, 38],
  total: 187,
}

describe('stats tables', () => {
  it('takes one column by code, a suppressed cell as 0', () => {
    expect(column(t, 'left_behind')).toEqual([['男', 38], ['女', 0]])
    expect(column(t, 'nope')).toEqual([])
  })
  it('prefers the row totals to a sum', () => {
    expect(rowSums(t)).toEqual([['男', 113], ['女', 74]])
    expect(rowSums({ ...t, row_totals: null })).toEqual([['男', 113], ['女', null]])
    expect(rowSums({ ...t, row_totals: [113, null] })).toEqual([['男', 113], ['女', null]])
  })
  it('renders the table with totals and a dash for a withheld value', () => {
    const r = tableRows(t)
    expect(r.head).toEqual(['性别', '流动', '留守', '合计'])
    expect(r.body).toEqual([['男', 75, 38, 113], ['女', 74, '—', 74], ['合计', 149, 38, 187]])
  })
})
