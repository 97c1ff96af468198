// Turning a stored record into the labelled rows of the detail and print pages, in the order of
// the paper forms.
import { label, labels } from './codes'
import type { Rec } from './record'

export interface Row {
  label: string
  value: string
  path?: string // JSON path, for a masked value that can be revealed
}

export interface Section {
  title: string
  rows: Row[]
}

const yesNo = (v: unknown) => (v === true ? '是' : v === false ? '否' : '')

function addr(a: Rec | undefined, names: Record<string, string>): string {
  if (!a) return ''
  const n = a.region_code ? names[a.region_code] ?? a.region_code : ''
  return [n, a.detail].filter(Boolean).join(' ')
}

/** sections lays the record out as the forms do; names gives division names by code. */
export function sections(r: Rec, names: Record<string, string> = {}): Section[] {
  const person = (p: Rec | undefined, prefix: string, kind: 'parent' | 'guardian' | 'caregiver'): Row[] => {
    if (!p) return []
    const rows: Row[] = [
      { label: '姓名', value: p.name ?? '', path: prefix + '.name' },
      { label: '公民身份号码', value: p.id_number ?? '', path: prefix + '.id_number' },
      { label: '联系方式', value: p.phone ?? '', path: prefix + '.phone' },
      { label: '户籍地址', value: addr(p.hukou_address, names), path: p.hukou_address?.detail ? prefix + '.hukou_address.detail' : undefined },
      { label: '现居住地', value: addr(p.residence_address, names), path: p.residence_address?.detail ? prefix + '.residence_address.detail' : undefined },
    ]
    if (kind === 'parent') {
      rows.push(
        { label: '是否外出务工', value: yesNo(p.migrant_worker) },
        { label: '务工地', value: p.work_region_code ? names[p.work_region_code] ?? p.work_region_code : '' },
        { label: '外出务工起始日期', value: p.work_since ?? '' },
        { label: '监护能力', value: label('capacity', p.capacity) },
      )
    } else if (kind === 'caregiver') {
      rows.unshift({ label: '有无受委托照护人', value: p.present === true ? '有' : p.present === false ? '无' : '' })
      rows.splice(2, 0, { label: '与儿童关系', value: p.relation === 'other' ? p.relation_other ?? '其他' : label('caregiver_relation', p.relation) })
    } else {
      rows.splice(1, 0, { label: '与儿童关系', value: p.relation ?? '' })
    }
    return rows
  }
  const out: Section[] = [
    {
      title: '儿童基本信息',
      rows: [
        { label: '姓名', value: r.name ?? '', path: 'name' },
        { label: '性别', value: label('sex', r.sex) },
        { label: '出生日期', value: r.birth_date ?? '' },
        { label: '民族', value: label('ethnicity', r.ethnicity) },
        { label: '公民身份号码', value: r.id_number ?? '', path: 'id_number' },
        { label: '是否登记户口', value: yesNo(r.hukou_registered) },
        { label: '户籍地址', value: addr(r.hukou_address, names), path: r.hukou_address?.detail ? 'hukou_address.detail' : undefined },
        { label: '现居住地', value: addr(r.residence_address, names), path: r.residence_address?.detail ? 'residence_address.detail' : undefined },
        { label: '共同居住人', value: label('co_residents', r.co_residents) },
        { label: '居住登记', value: label('residence_registration', r.residence_registration) },
        { label: '居住类型', value: label('housing', r.housing) },
        { label: '离开户籍地日期', value: r.left_hukou_date ?? '' },
        { label: '来现居住地日期', value: r.arrived_date ?? '' },
      ],
    },
    {
      title: '监护情况',
      rows: [
        { label: '监护情况', value: label('guardianship_quality', r.guardianship_quality) },
        { label: '监护问题', value: label('guardianship_issue', r.guardianship_issue) },
      ],
    },
    {
      title: '就学情况',
      rows: [
        { label: '就学情况', value: label('school_stage', r.school_stage) },
        { label: '就读学校', value: r.school_name ?? '' },
        { label: '学业状况', value: label('study_status', r.study_status) },
        { label: '是否学校寄宿', value: yesNo(r.boarding) },
      ],
    },
    {
      title: '健康状况',
      rows: [
        { label: '健康状况', value: labels('health', r.health) },
        { label: '0-6岁儿童健康管理服务', value: label('health_service', r.health_mgmt_0_6) },
        { label: '0-36个月儿童中医药健康管理服务', value: label('health_service', r.tcm_mgmt_0_36m) },
        // 疾控's immunisation status (issue 18): shown when a roster has said it.
        ...(r.immunization ? [{ label: '国家免疫规划疫苗接种情况', value: label('immunization', r.immunization) }] : []),
        { label: '纳入医保情况', value: label('medical_insurance', r.medical_insurance) },
        { label: '残疾类别', value: (r.disability_types?.length ?? 0) > 1 ? '多重残疾（' + labels('disability_types', r.disability_types) + '）' : labels('disability_types', r.disability_types) },
        { label: '残疾等级', value: label('disability_grade', r.disability_grade) },
        { label: '是否持有残疾人证', value: yesNo(r.disability_certificate) },
        { label: '残疾人证号', value: r.disability_certificate_no ?? '', path: 'disability_certificate_no' },
        { label: '接受康复救助情况', value: r.rehabilitation ? [yesNo(r.rehabilitation.received), r.rehabilitation.detail].filter(Boolean).join('：') : '' },
      ],
    },
    { title: '父亲', rows: person(r.father, 'father', 'parent') },
    { title: '母亲', rows: person(r.mother, 'mother', 'parent') },
    {
      title: '父母外出情况',
      rows: [
        { label: '父母双方同时外出', value: yesNo(r.both_parents_away) },
        { label: '父母一方外出、另一方无监护能力', value: yesNo(r.one_away_other_incapable) },
      ],
    },
    { title: '其他监护人', rows: person(r.other_guardian, 'other_guardian', 'guardian') },
    { title: '受委托照护人', rows: person(r.caregiver, 'caregiver', 'caregiver') },
    {
      title: '家庭生活情况',
      rows: [
        { label: '家庭困难情况', value: [labels('family_hardship', r.family_hardship), r.family_hardship_other].filter(Boolean).join('：') },
        { label: '生活保障情况', value: labels('assistance', r.assistance) },
      ],
    },
    {
      // Items the seed's forms lack but the key-care ledger needs (DATA.md), printed on both forms.
      title: '重点关爱情形',
      rows: [
        { label: '是否流浪', value: yesNo(r.vagrant) },
        { label: '主动提出救助帮扶需求', value: r.help_requested ? [yesNo(r.help_requested.requested), r.help_requested.detail].filter(Boolean).join('：') : '' },
      ],
    },
    {
      title: '填报信息',
      rows: [
        { label: '采集方式', value: label('collection_method', r.collection_method) },
        { label: '填报单位', value: r.reporting_unit ?? '' },
        { label: '填报日期', value: r.report_date ?? '' },
      ],
    },
  ]
  return out.filter((s) => s.rows.some((x) => x.value !== ''))
}

/** regionCodes lists every division code of a record, to look their names up. */
export function regionCodes(r: Rec): string[] {
  const out = new Set<string>()
  const visit = (v: unknown, key = '') => {
    if (!v || typeof v !== 'object') {
      if (typeof v === 'string' && (key === 'region_code' || key === 'work_region_code') && v) out.add(v)
      return
    }
    for (const [k, x] of Object.entries(v as Rec)) visit(x, k)
  }
  visit(r)
  return [...out]
}
