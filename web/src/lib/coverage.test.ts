import { describe, expect, it } from 'vitest'
import { levelBelow, num, pct, ranked, type Coverage, type CoverageRow } from './coverage'

const row = (code: string, rank: number): CoverageRow => ({
  region_code: code, region_name: code, expected_total: null, expected_migrant: null, expected_left_behind: null,
  registered_migrant: 1, registered_left_behind: 1, migrant_rate: null, left_behind_rate: null, migrant_share: null,
  left_behind_share: null, shortfall: null, rank,
})

describe('coverage', () => {
  it('writes rates, withheld and missing values', () => {
    expect(pct(0.1234)).toBe('12.3%')
    expect(pct(null)).toBe('—')
    expect(pct(null, true)).toBe('*')
    expect(num(null, true)).toBe('*')
    expect(num(0)).toBe('0')
  })
  it('picks the level below a region', () => {
    expect(levelBelow('')).toBe('county')
    expect(levelBelow('1503')).toBe('county')
    expect(levelBelow('150302')).toBe('township')
    expect(levelBelow('150302003')).toBe('village')
  })
  it('orders ranked rows first', () => {
    const c = { rows: [row('a', 0), row('b', 2), row('c', 1)] } as Coverage
    expect(ranked(c).map((r) => r.region_code)).toEqual(['c', 'b', 'a'])
  })
})
