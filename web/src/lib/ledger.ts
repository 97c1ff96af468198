// The key-care ledger (重点关爱服务对象信息台账): labels, types and the API calls of its pages.
import { api } from './api'

export const ledgerStatus: Record<string, string> = { assess: '待评估', active: '帮扶中', closing: '待结案', closed: '已结案' }
export const ledgerStatusType: Record<string, 'info' | 'success' | 'warning' | 'danger' | 'primary'> = {
  assess: 'warning', active: 'primary', closing: 'info', closed: 'success',
}
export const risks: Record<string, string> = { general: '一般', elevated: '较高', high: '高' }
export const needs: Record<string, string> = {
  living: '生活', guardianship: '监护', education: '教育', medical: '医疗康复', psych: '心理', safety: '安全', other: '其他',
}
export const visitModes: Record<string, string> = { home: '入户', phone: '电话', video: '视频', school: '学校' }
export const closeReasons: Record<string, string> = { resolved: '情形消除', age: '年满16周岁', moved: '迁出本地（随档移交）', other: '其他' }
export const referralStatus: Record<string, string> = { waiting: '待受理', accepted: '已受理', returned: '已退回' }
export const reasonLabels: Record<string, string> = {
  family_hardship: '家庭生活困难', disability: '自身残疾', guardianship_missing: '监护缺失', vagrant: '流浪',
  psych_behavioral: '心理和行为异常', help_requested: '主动提出救助帮扶需求',
}
export const departments: Record<string, string> = {
  minzheng: '民政', jiaoyu: '教育', gongan: '公安', weijian: '卫健', yibao: '医保', canlian: '残联', fulian: '妇联', tuanwei: '团委',
  sifa: '司法', renshe: '人社',
}
export const referralDepartments = ['jiaoyu', 'gongan', 'weijian', 'yibao', 'canlian', 'fulian', 'tuanwei', 'sifa', 'renshe']

export interface MeasureDef { code: string; label: string; group: string; dept: string }
export const measures: MeasureDef[] = [
  { code: 'dibao', label: '低保', group: '救助', dept: 'minzheng' },
  { code: 'tekun', label: '特困供养', group: '救助', dept: 'minzheng' },
  { code: 'linshi', label: '临时救助', group: '救助', dept: 'minzheng' },
  { code: 'edu_aid', label: '教育资助', group: '教育', dept: 'jiaoyu' },
  { code: 'kongchuo', label: '控辍保学', group: '教育', dept: 'jiaoyu' },
  { code: 'insurance', label: '医保参保', group: '医疗', dept: 'yibao' },
  { code: 'medical_aid', label: '医疗救助', group: '医疗', dept: 'yibao' },
  { code: 'rehab', label: '康复救助', group: '医疗', dept: 'canlian' },
  { code: 'guidance', label: '监护指导', group: '监护', dept: 'minzheng' },
  { code: 'entrusted', label: '委托照护', group: '监护', dept: 'minzheng' },
  { code: 'counseling', label: '心理辅导', group: '心理', dept: 'weijian' },
  { code: 'safety', label: '安全保护', group: '安全', dept: 'gongan' },
  { code: 'other', label: '其他', group: '其他', dept: '' },
]
export function measureLabel(code: string): string {
  return measures.find((m) => m.code === code)?.label ?? code
}

export const eventLabels: Record<string, string> = {
  open: '列入台账', reopen: '重新列入台账', flag: '不再符合重点关爱条件，待复核', requalify: '重新符合条件', move: '责任区划变更',
  assess: '评估', measure: '添加帮扶措施', visit: '探访', refer: '转介', answer: '部门答复转介', close_request: '申请结案',
  close_approve: '结案', close_refuse: '结案申请被退回', attach: '上传附件',
}

export interface LedgerItem {
  uid: string
  child: string
  id_number?: string
  sex?: string
  birth_date?: string
  region_code: string
  region_name?: string
  reasons: string[]
  status: string
  flagged: boolean
  opened_on: string
  reopened?: number
  risk?: string
  needs: string[]
  director?: string
  cadre?: string
  measures: string[]
  last_visit?: string
  next_visit?: string
  due?: 'overdue' | 'due'
  close_reason?: string
}

export interface Referral {
  id: number
  uid: string
  child: string
  region_code: string
  department: string
  request: string
  deadline: string
  status: string
  overdue: boolean
  answer?: string
  answered_by?: string
  created_by: string
}

export interface LedgerCase {
  entry: LedgerItem
  child: { name: string; id_number?: string; sex?: string; birth_date?: string; hukou?: string; residence?: string; guardians?: string; school_name?: string }
  assessment?: string
  assessed_by?: string
  close_note?: string
  measures: { id: number; measure: string; department: string; start?: string; end?: string; amount?: number; given?: string; created_by: string }[]
  visits: { id: number; date: string; mode: string; visitor: string; findings: string; situation: string; next_due?: string; created_by: string }[]
  referrals: Referral[]
  events: { at: string; actor: string; action: string; detail: Record<string, unknown> }[]
  attachments: { id: number; visit?: number; name: string; mime: string; size: number; created_at: string; created_by: string }[]
}

export interface WorkList {
  as_of: string
  visits_overdue: number
  visits_due: number
  awaiting_assessment: number
  awaiting_closure: number
  referrals_waiting: number
  referrals_overdue: number
  visits: LedgerItem[]
  review: LedgerItem[]
  referrals: Referral[]
}

export const ledgerCase = (uid: string) => api<LedgerCase>('/api/v1/ledger/' + encodeURIComponent(uid))
export const ledgerPost = (uid: string, what: string, body: unknown) =>
  api<Record<string, unknown>>('/api/v1/ledger/' + encodeURIComponent(uid) + '/' + what, { method: 'POST', body })

/** dueText says when a visit is due: 逾期 N 天, 今天, N 天后. */
export function dueText(next: string | undefined, today: Date = new Date()): string {
  if (!next) return ''
  const d = new Date(next + 'T00:00:00+08:00')
  const t = new Date(today.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }) + 'T00:00:00+08:00')
  const days = Math.round((d.getTime() - t.getTime()) / 86400000)
  if (days < 0) return '逾期 ' + -days + ' 天'
  if (days === 0) return '今天到期'
  return days + ' 天后'
}
