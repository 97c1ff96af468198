import { describe, expect, it } from 'vitest'
import { ApiError, describeProgress, readLines, type StreamEvent } from './api'

// Feeds text in chunks as XHR's responseText grows and collects every event.
function feed(chunks: string[]): StreamEvent[] {
  let text = ''
  let at = 0
  const out: StreamEvent[] = []
  for (const c of chunks) {
    text += c
    const r = readLines(text, at)
    out.push(...r.events)
    at = r.next
  }
  out.push(...readLines(text, at, true).events)
  return out
}

describe('readLines', () => {
  it('waits for the newline of a line split between chunks', () => {
    const first = readLines('{"progress":{"phase":"read","ro', 0)
    expect(first).toEqual({ events: [], next: 0 })
    const text = '{"progress":{"phase":"read","rows":500,"percent":12}}\n{"progr'
    const second = readLines(text, 0)
    expect(second.events).toEqual([{ progress: { phase: 'read', rows: 500, percent: 12 } }])
    expect(text.slice(second.next)).toBe('{"progr')
  })

  it('reads several lines of one chunk, and a last line without its newline at the end', () => {
    const events = feed([
      '{"progress":{"phase":"read","rows":0,"percent":0}}\n{"progress":{"phase":"read","rows":500,"percent":40}}\n{"progress":{"phase":"ma',
      'tch","rows":900}}\n{"result":{"rows":900,"imported":899}}',
    ])
    expect(events).toEqual([
      { progress: { phase: 'read', rows: 0, percent: 0 } },
      { progress: { phase: 'read', rows: 500, percent: 40 } },
      { progress: { phase: 'match', rows: 900 } },
      { result: { rows: 900, imported: 899 } },
    ])
  })

  it('turns an error line into an ApiError with the status the plain answer would have had', () => {
    const events = feed(['{"progress":{"phase":"read","rows":0,"percent":0}}\n', '{"error":{"code":"invalid","message":"无法读取文件：第 7 行损坏"}}\n'])
    expect(events).toHaveLength(2)
    const last = events[1]
    expect('error' in last).toBe(true)
    const err = (last as { error: ApiError }).error
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 422, code: 'invalid', message: '无法读取文件：第 7 行损坏' })
  })

  it('reports a line it cannot read as an error in Chinese', () => {
    const [ev] = feed(['<html>proxy error</html>\n'])
    expect((ev as { error: ApiError }).error).toMatchObject({ code: 'bad_stream' })
    expect((ev as { error: ApiError }).error.message).toMatch(/无法识别/)
  })
})

describe('describeProgress', () => {
  it('names each phase', () => {
    expect(describeProgress({ phase: 'read', rows: 1500, percent: 37 })).toBe('正在读取和校验… 已处理 1500 行（37%）')
    expect(describeProgress({ phase: 'match', rows: 1500 })).toBe('正在读取并与登记信息比对… 已处理 1500 行')
    expect(describeProgress({ phase: 'match', rows: 1500, percent: 40 })).toBe('正在读取并与登记信息比对… 已处理 1500 行（40%）')
    expect(describeProgress({ phase: 'match', rows: 0 })).toBe('正在准备与登记信息比对…')
    expect(describeProgress({ phase: 'write', rows: 1500, percent: 99 })).toBe('正在写入…')
  })
})
