// 消纳 Registry units: an organisation's or event's holding (GET /v1/partner/registry/account) and
// its retirements against a named emission (POST /v1/partner/registry/retirements), with the
// public check and certificate of each.
import type { ConsoleArea } from '../../types'
import { HOLDER_ROLES } from '../../types'

const zh: Record<string, string> = {
  'registry.title': '减排量消纳',
  'registry.sub': '本单位持有的碳普惠减排量（1 单位 = 1 千克 CO₂e），以及注销减排量以抵销活动、办公或出行的碳排放。注销后的减排量不会再转移或注销。',
  'registry.held': '持有',
  'registry.retired': '已注销',
  'registry.units': '{n} 单位',
  'registry.ranges': '持有的序列号',
  'registry.range': '{first} – {last}（{n} 单位）',
  'registry.none_held': '还没有持有减排量。请联系平台运营方认购。',
  'registry.retire': '注销减排量',
  'registry.form.units': '注销数量（单位，1 单位 = 1 千克 CO₂e）',
  'registry.form.beneficiary': '受益方（证书上写的名称）',
  'registry.form.purpose': '用途',
  'registry.form.kind': '抵销的排放',
  'registry.form.description': '排放说明',
  'registry.form.period': '期间（可不填，如 2026-12）',
  'registry.form.submit': '注销',
  'registry.form.required': '请填写{field}。',
  'registry.form.too_many': '最多可注销 {n} 单位。',
  'registry.kind.event': '活动碳中和（论坛、会议、演出、赛事）',
  'registry.kind.office_year': '年度办公排放',
  'registry.kind.trip': '出行排放',
  'registry.kind.compensation': '以碳代偿',
  'registry.done': '已注销 {n} 单位，注销编号 {id}。',
  'registry.check': '公开核验',
  'registry.certificate': '下载注销证明（PDF）',
}
const en: Record<string, string> = {
  'registry.title': 'Retiring reductions',
  'registry.sub': 'The carbon-inclusion reductions your organisation holds (1 unit = 1 kg CO₂e), and retiring them to offset an event\'s, a year\'s office or a trip\'s emissions. Retired units never move or retire again.',
  'registry.held': 'Held',
  'registry.retired': 'Retired',
  'registry.units': '{n} units',
  'registry.ranges': 'Serial numbers held',
  'registry.range': '{first} – {last} ({n} units)',
  'registry.none_held': 'No units held yet. Ask the platform operator to buy some.',
  'registry.retire': 'Retire units',
  'registry.form.units': 'Units to retire (1 unit = 1 kg CO₂e)',
  'registry.form.beneficiary': 'Beneficiary (the name the certificate prints)',
  'registry.form.purpose': 'Purpose',
  'registry.form.kind': 'Emission offset',
  'registry.form.description': 'About the emission',
  'registry.form.period': 'Period (optional, e.g. 2026-12)',
  'registry.form.submit': 'Retire',
  'registry.form.required': 'Fill in {field}.',
  'registry.form.too_many': 'At most {n} units can be retired.',
  'registry.kind.event': 'An event\'s emissions (forum, conference, show, match)',
  'registry.kind.office_year': 'A year\'s office emissions',
  'registry.kind.trip': 'A trip\'s emissions',
  'registry.kind.compensation': 'Compensation (以碳代偿)',
  'registry.done': 'Retired {n} units, retirement {id}.',
  'registry.check': 'Public check',
  'registry.certificate': 'Download the certificate (PDF)',
}

export default {
  messages: { zh, en },
  routes: [
    {
      path: 'registry',
      component: () => import('./pages/Retire.vue'),
      meta: { title: 'registry.title', roles: HOLDER_ROLES, menu: { group: 'console.group.data', order: 2 } },
    },
  ],
} satisfies ConsoleArea
