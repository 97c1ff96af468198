// Keeping the register current (issue 13): the re-evaluation queue and a child's upcoming
// changes.
import { api } from './api'

export interface AnswerChange {
  answer: string
  label: string
  before: string
  after: string
}

export interface ReviewItem {
  id: number
  uid: string
  kind: 'newly_qualifies' | 'no_longer_qualifies'
  kind_label: string
  changes: AnswerChange[]
  cause: string
  as_of: string
  created_at: string
  resolved_at?: string
  resolved_by?: string
  resolution?: string
  outcome?: string
  residence_code: string
  residence_name: string
}

export interface ReviewCounts {
  newly_qualifies: number
  no_longer_qualifies: number
  total: number
}

export interface UpcomingChange {
  date: string
  event: string
  effect: string
  text: string
}

export function reviewQueue(query: { kind?: string; all?: boolean; limit?: number; offset?: number } = {}) {
  const q: Record<string, string | number> = {}
  if (query.kind) q.kind = query.kind
  if (query.all) q.all = '1'
  if (query.limit) q.limit = query.limit
  if (query.offset) q.offset = query.offset
  return api<{ items: ReviewItem[]; archive_reasons: string[] }>('/api/v1/review-queue', { query: q })
}

export function reviewCounts() {
  return api<ReviewCounts>('/api/v1/review-queue/count')
}

export function confirmReview(id: number, note: string) {
  return api(`/api/v1/review-queue/${id}/confirm`, { method: 'POST', body: { note } })
}

export function archiveReview(id: number, reason: string, note: string) {
  return api(`/api/v1/review-queue/${id}/archive`, { method: 'POST', body: { reason, note } })
}

export function upcoming(uid: string) {
  return api<{ as_of: string; changes: UpcomingChange[] }>(`/api/v1/children/${encodeURIComponent(uid)}/upcoming`)
}

/** outcomeLabel names how an item was worked. */
export function outcomeLabel(o?: string): string {
  if (!o) return '已处理'
  if (o === 'confirmed') return '已确认'
  if (o.startsWith('archived:')) return '已归档（' + o.slice('archived:'.length) + '）'
  return '已处理'
}

export interface Handover {
  id: number
  child?: string
  direction: 'in' | 'out'
  status: string
  status_label: string
  from_code: string
  from_name: string
  to_code: string
  to_name: string
  requested_by: string
  requested_at: string
  decided_by?: string
  decided_at?: string
  note?: string
  name?: string
  sex?: string
  birth_date?: string
}

export function requestHandover(uid: string, body: { to_code?: string; out_of_city?: boolean; destination?: string; note?: string }) {
  return api<Handover>(`/api/v1/children/${encodeURIComponent(uid)}/handover`, { method: 'POST', body })
}

export function transferIn(idNumber: string, note: string) {
  return api<Handover>('/api/v1/handovers/transfer-in', { method: 'POST', body: { id_number: idNumber, note } })
}

export function handovers(direction: 'in' | 'out', pending: boolean) {
  return api<{ items: Handover[] }>('/api/v1/handovers', { query: { direction, pending: pending ? '1' : '' } })
}

export function decideHandover(id: number, accept: boolean, addressDetail: string, note: string) {
  return api<Handover>(`/api/v1/handovers/${id}/decision`, { method: 'POST', body: { accept, address_detail: addressDetail, note } })
}
