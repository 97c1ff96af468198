// The national upload (上报全国儿童福利信息系统): batches, their items and the answer file
// (internal/web/uploads.go, docs/upload.md).
import { ApiError, api, csrfHeaders, errorOf, upload } from './api'

export interface UploadBatch {
  number: string
  region: string
  created_by: string
  created_at: string
  records: number
  form1: number
  form2: number
  digest: string
  accepted: number
  returned: number
  pending: number
}

export interface UploadItem {
  seq: number
  form: 1 | 2
  uid: string
  version: number
  region_code: string
  result: 'pending' | 'accepted' | 'returned'
  reason?: string
  answered_at?: string
  name: string
  id_number: string
}

export interface FeedbackResult {
  rows: number
  accepted: number
  returned: number
  errors: { row: number; message: string }[]
}

export const resultLabels: Record<UploadItem['result'], string> = { pending: '待反馈', accepted: '已接收', returned: '已退回' }
export const formLabels: Record<number, string> = { 1: '附件1 流动儿童', 2: '附件2 留守儿童' }

export function listBatches(): Promise<UploadBatch[]> {
  return api<{ items: UploadBatch[] }>('/api/v1/uploads').then((r) => r.items ?? [])
}

export function getBatch(number: string): Promise<{ batch: UploadBatch; items: UploadItem[] }> {
  return api('/api/v1/uploads/' + encodeURIComponent(number))
}

export interface UploadRequest {
  uid: string
  requested_by: string
  scope: string
  region: string
  note: string
  status: 'pending' | 'approved' | 'rejected' | 'used'
  created_at: string
  decided_by?: string
  decided_at?: string
  decision_note?: string
  batch?: string
}

export const requestStatusLabels: Record<UploadRequest['status'], string> = { pending: '待审批', approved: '已批准', rejected: '未批准', used: '已生成' }

export function listRequests(): Promise<UploadRequest[]> {
  return api<{ items: UploadRequest[] }>('/api/v1/upload-requests').then((r) => r.items ?? [])
}

export function requestUpload(region: string, note: string): Promise<UploadRequest> {
  return api('/api/v1/upload-requests', { method: 'POST', body: { region, note } })
}

export function decideUpload(uid: string, approve: boolean, note: string): Promise<UploadRequest> {
  return api('/api/v1/upload-requests/' + encodeURIComponent(uid) + '/decision', { method: 'POST', body: { approve, note } })
}

/** makeBatch makes the batch of an approved request and returns its number, size and workbook.
 * The workbook is answered only now: the caller saves it at once. */
export async function makeBatch(request: string): Promise<{ number: string; records: number; digest: string; file: Blob }> {
  let res: Response
  try {
    res = await fetch('/api/v1/uploads', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...csrfHeaders() },
      body: JSON.stringify({ request }),
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) {
    let data: unknown
    try {
      data = await res.json()
    } catch {
      data = undefined
    }
    throw errorOf(res.status, data)
  }
  return {
    number: res.headers.get('X-Upload-Batch') ?? '',
    records: Number(res.headers.get('X-Upload-Records') ?? 0),
    digest: res.headers.get('X-Upload-Digest') ?? '',
    file: await res.blob(),
  }
}

export function sendFeedback(file: File): Promise<FeedbackResult> {
  const form = new FormData()
  form.append('file', file)
  return upload<FeedbackResult>('/api/v1/uploads/feedback', form)
}

/** saveBlob offers a file to the browser's downloads. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
