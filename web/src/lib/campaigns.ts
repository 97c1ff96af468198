// Campaigns (摸排工作调度) and their periodic bulletins (通报): internal/web/campaigns.go and
// bulletins.go.
import { api } from './api'

export interface Deadline {
  phase: string
  region: string
  deadline: string
}
export interface Campaign {
  uid: string
  name: string
  region: string
  region_name: string
  starts_on: string
  note: string
  deadlines: Deadline[]
  created_by: string
  created_at: string
}
export interface Progress {
  region_code: string
  region_name: string
  registered: number
  registered_since_start: number
  draft: number
  returned: number
  submitted: number
  approved: number
  uploaded: number
  entry_rate: number | null
  approval_rate: number | null
  upload_rate: number | null
  leads?: number | null
  leads_visited?: number | null
  roster_rows?: number | null
  roster_matched?: number | null
  deadlines: Record<string, string>
  overdue: string[] | null
}
export interface DepartmentProgress {
  department: string
  department_label: string
  roster_rows: number
  roster_matched: number
  leads: number
  leads_visited: number
}
export interface OverdueItem {
  region_code: string
  region_name: string
  phase: string
  phase_label: string
  deadline: string
  days_late: number
  detail: string
}
export interface ProgressReport {
  as_of: string
  total: Progress
  districts: Progress[]
  townships: Progress[]
  departments: DepartmentProgress[]
  overdue: OverdueItem[]
}
export interface KeyFigure {
  label: string
  value: number | null
  previous: number | null
  change: number | null
  unit: string
}
export interface Bulletin {
  number: string
  seq: number
  title: string
  campaign_uid: string
  campaign_name: string
  region: string
  region_name: string
  period: string
  as_of: string
  created_at: string
  previous_number?: string
  key_figures: KeyFigure[]
  report?: ProgressReport
}

export const phases = [
  { key: 'collection', label: '数据采集' },
  { key: 'entry', label: '数据录入' },
  { key: 'verification', label: '比对核实' },
]
export const phaseLabel = (k: string) => phases.find((p) => p.key === k)?.label ?? k

export const listCampaigns = () => api<{ items: Campaign[] }>('/api/v1/campaigns').then((r) => r.items ?? [])
export const createCampaign = (body: unknown) => api<Campaign>('/api/v1/campaigns', { method: 'POST', body })
export const progressOf = (uid: string, asOf?: string) =>
  api<ProgressReport>('/api/v1/campaigns/' + encodeURIComponent(uid) + '/progress', { query: { as_of: asOf || undefined } })
export const progressXLSX = (uid: string) => '/api/v1/campaigns/' + encodeURIComponent(uid) + '/progress?format=xlsx'
export const listBulletins = () => api<{ items: Bulletin[] }>('/api/v1/bulletins').then((r) => r.items ?? [])
export const getBulletin = (n: string) => api<Bulletin>('/api/v1/bulletins/' + encodeURIComponent(n))
export const bulletinXLSX = (n: string) => '/api/v1/bulletins/' + encodeURIComponent(n) + '/xlsx'

export const rate = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(2) + '%')
