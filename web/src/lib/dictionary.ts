// The field dictionary the server serves (GET /api/v1/meta/fields): the Chinese names of the
// record's items, audit actions, roles, departments and permissions, so that no key or code
// reaches the screen and no label is typed again here.
import { reactive } from 'vue'
import { api } from './api'

export interface FieldInfo {
  path: string
  label: string
  codes?: string
  sensitive: boolean
  forms: string[]
}
export interface Labelled {
  code: string
  label: string
}
interface Dictionary {
  fields: FieldInfo[]
  actions: Record<string, string>
  roles: Labelled[]
  departments: Labelled[]
  permissions: Record<string, string>
  account_changes: Record<string, string>
}

export const dictionary = reactive({ loaded: false, byPath: {} as Record<string, FieldInfo>, data: null as Dictionary | null })

let loading: Promise<void> | null = null

/** loadDictionary fetches the dictionary once. */
export function loadDictionary(): Promise<void> {
  if (!loading) {
    loading = api<Dictionary>('/api/v1/meta/fields')
      .then((d) => {
        dictionary.data = d
        const by: Record<string, FieldInfo> = {}
        for (const f of d.fields) by[f.path] = f
        dictionary.byPath = by
        dictionary.loaded = true
      })
      .catch((e) => {
        loading = null
        throw e
      })
  }
  return loading
}

/** fieldLabel names an item of the record by its JSON path (father.phone → 父亲联系方式); an
 * array index (co_residents.0) is ignored; a path it does not know is named “其他项目”; a name
 * (no Latin letter) is itself. */
export function fieldLabel(path: string): string {
  if (!/[a-z]/i.test(path)) return path // already a name
  const clean = path.replace(/\.\d+(?=\.|$)/g, '')
  const f = dictionary.byPath[clean]
  if (f) return f.label
  // A path below a known item: its parent's name.
  const parts = clean.split('.')
  while (parts.length > 1) {
    parts.pop()
    const p = dictionary.byPath[parts.join('.')]
    if (p) return p.label
  }
  return dictionary.loaded ? '其他项目' : ''
}

/** actionLabel names an audit action. */
export function actionLabel(code: string): string {
  return dictionary.data?.actions[code] ?? '其他操作'
}

/** actorLabel names who acted: user:zhang → 用户 zhang. */
export function actorLabel(actor: string): string {
  const i = actor.indexOf(':')
  const kind = i < 0 ? actor : actor.slice(0, i)
  const name = i < 0 ? '' : actor.slice(i + 1)
  switch (kind) {
    case 'user':
      return '用户 ' + name
    case 'cli':
      return '服务器命令行（' + name + '）'
    case 'system':
      return '系统任务'
    case 'anonymous':
      return '未登录'
    case '':
      return ''
  }
  return '其他'
}

/** roleLabel and departmentLabel name a role and a department. */
export function roleLabel(code: string): string {
  return dictionary.data?.roles.find((r) => r.code === code)?.label ?? code
}
export function departmentLabel(code: string): string {
  return dictionary.data?.departments.find((r) => r.code === code)?.label ?? code
}
