import { describe, expect, it } from 'vitest'
import { actorLabel, dictionary, fieldLabel } from './dictionary'

describe('dictionary', () => {
  it('names record items by path, array indexes and sub-items included, never by the key', () => {
    dictionary.byPath = {
      birth_date: { path: 'birth_date', label: '出生日期', sensitive: false, forms: [] },
      father: { path: 'father', label: '父亲', sensitive: false, forms: [] },
      'father.migrant_worker': { path: 'father.migrant_worker', label: '父亲是否外出务工', sensitive: false, forms: [] },
    }
    dictionary.loaded = true
    expect(fieldLabel('birth_date')).toBe('出生日期')
    expect(fieldLabel('father.migrant_worker')).toBe('父亲是否外出务工')
    expect(fieldLabel('father.work_since')).toBe('父亲')
    expect(fieldLabel('co_residents.0')).toBe('其他项目')
    expect(fieldLabel('来现居住地日期')).toBe('来现居住地日期')
  })
  it('names who acted', () => {
    expect(actorLabel('user:collector')).toBe('用户 collector')
    expect(actorLabel('cli:root')).toBe('服务器命令行（root）')
    expect(actorLabel('system:daily')).toBe('系统任务')
    expect(actorLabel('anonymous')).toBe('未登录')
  })
})
