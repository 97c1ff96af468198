// Data releases (数据发布): drafts, department sign-offs, approvals, publication
// (internal/web/releases.go, docs/releases.md).
import { api } from './api'
import type { Stats } from './stats'

export interface Signoff {
  kind: 'dept' | 'approve'
  department: string
  department_label: string
  decision: 'signed' | 'objected' | 'approved'
  comment: string
  actor: string
  at: string
}

export interface Release {
  uid: string
  title: string
  region: string
  region_name: string
  as_of: string
  tables: string[]
  departments: string[]
  department_labels: string[]
  status: 'review' | 'published' | 'withdrawn'
  digest: string
  created_by: string
  created_at: string
  published_by?: string
  published_at?: string
  withdrawn_by?: string
  withdrawn_at?: string
  withdraw_reason?: string
  signoffs: Signoff[]
  missing: string[]
  report?: Stats
}

export interface TableChoice {
  key: string
  title: string
  departments: string[]
}

export const statusLabels: Record<Release['status'], string> = { review: '审核中', published: '已发布', withdrawn: '已撤回' }
export const decisionLabels: Record<Signoff['decision'], string> = { signed: '同意', objected: '有异议', approved: '审批同意' }

export function listReleases(): Promise<{ items: Release[]; tables: TableChoice[] }> {
  return api('/api/v1/releases')
}

export function getRelease(uid: string): Promise<Release> {
  return api('/api/v1/releases/' + encodeURIComponent(uid))
}

export interface Dimension {
  key: string
  title: string
  region: boolean
}

export function dimensions(): Promise<Dimension[]> {
  return api<{ dimensions: Dimension[] }>('/api/v1/stats/dimensions').then((r) => (r.dimensions ?? []).filter((d) => !d.region))
}

export function draftRelease(body: { title: string; region: string; as_of: string; tables: string[]; crosstabs: string[] }): Promise<Release> {
  return api('/api/v1/releases', { method: 'POST', body })
}

export function act(uid: string, what: 'signoff' | 'approve' | 'publish' | 'withdraw', body?: unknown): Promise<Release> {
  return api('/api/v1/releases/' + encodeURIComponent(uid) + '/' + what, { method: 'POST', body })
}

export const xlsxURL = (uid: string) => '/api/v1/releases/' + encodeURIComponent(uid) + '/xlsx'

/** deptState says where a department stands on a release: its sign-off, if any. */
export function deptState(r: Release, dept: string): Signoff | undefined {
  return r.signoffs.find((s) => s.kind === 'dept' && s.department === dept)
}

/** approval gives the approval of a body (minzheng or tongji), if any. */
export function approval(r: Release, body: string): Signoff | undefined {
  return r.signoffs.find((s) => s.kind === 'approve' && s.department === body)
}
