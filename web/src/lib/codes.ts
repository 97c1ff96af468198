// Code tables of DATA.md, fetched once from /api/v1/meta/codes.
import { reactive } from 'vue'
import { api } from './api'

export interface Code {
  code: string
  label: string
}

export const codes = reactive({ tables: {} as Record<string, Code[]>, ruleVersion: '', loaded: false })

let pending: Promise<void> | null = null

export function loadCodes(): Promise<void> {
  if (codes.loaded) return Promise.resolve()
  if (!pending) {
    pending = api<{ codes: Record<string, Code[]>; rule_version: string }>('/api/v1/meta/codes')
      .then((r) => {
        codes.tables = r.codes
        codes.ruleVersion = r.rule_version
        codes.loaded = true
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

export function options(table: string): Code[] {
  return codes.tables[table] ?? []
}

/** label gives the Chinese label of a code, or the code itself when unknown. */
export function label(table: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return ''
  return options(table).find((c) => c.code === code)?.label ?? code
}

export function labels(table: string, list: string[] | null | undefined): string {
  if (!list) return ''
  if (list.length === 0) return '无'
  return list.map((c) => label(table, c)).join('、')
}

/** Labels of the classification answers (RULES.md): yes / no / unknown. */
export const answerLabels: Record<string, string> = { yes: '是', no: '否', undetermined: '待定' }

export const statusTypes: Record<string, 'info' | 'primary' | 'success' | 'warning' | 'danger'> = {
  draft: 'info',
  submitted: 'primary',
  approved: 'success',
  uploaded: 'success',
  returned: 'danger',
  archived: 'info',
}
