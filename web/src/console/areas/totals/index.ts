// 数据统计 Totals: a partner's own reductions (GET /v1/partner/totals) and the operator's platform
// totals (GET /v1/admin/totals, also by partner): one page, two routes.
import type { ConsoleArea } from '../../types'
import { PARTNER_ROLES } from '../../types'

const zh: Record<string, string> = {
  'totals.title': '减碳统计',
  'totals.platform_title': '平台减碳统计',
  'totals.sub': '按本地日期（北京时间）统计的减碳量、碳币和发放次数。',
  'totals.range': '日期范围',
  'totals.from': '开始日期',
  'totals.to': '结束日期',
  'totals.range_too_long': '日期范围最长一年（366 天）。',
  'totals.measure': '指标',
  'totals.gco2e': '减碳量（克 CO₂e）',
  'totals.coins': '碳币',
  'totals.count': '发放次数',
  'totals.sum': '合计',
  'totals.by_day': '按日',
  'totals.by_behaviour': '按低碳行为',
  'totals.by_asset': '按资产',
  'totals.by_partner': '按合作方',
  'totals.table': '明细表',
  'totals.col.day': '日期',
  'totals.col.behaviour': '低碳行为',
  'totals.col.asset': '资产',
  'totals.col.partner': '合作方',
  'totals.export': '导出 CSV',
  'totals.empty': '这段时间还没有减碳记录。游客扫码或数据文件导入发放后，这里会显示统计。',
  'totals.loading': '正在加载…',
  'totals.chart': '{what}图表：{measure}',
}
const en: Record<string, string> = {
  'totals.title': 'Reduction totals',
  'totals.platform_title': 'Platform totals',
  'totals.sub': 'Reductions, coins and credits by local day (Beijing time).',
  'totals.range': 'Dates',
  'totals.from': 'From',
  'totals.to': 'To',
  'totals.range_too_long': 'A range is at most a year (366 days).',
  'totals.measure': 'Measure',
  'totals.gco2e': 'Reduction (g CO₂e)',
  'totals.coins': 'Coins',
  'totals.count': 'Credits',
  'totals.sum': 'Total',
  'totals.by_day': 'By day',
  'totals.by_behaviour': 'By behaviour',
  'totals.by_asset': 'By asset',
  'totals.by_partner': 'By partner',
  'totals.table': 'Table',
  'totals.col.day': 'Day',
  'totals.col.behaviour': 'Behaviour',
  'totals.col.asset': 'Asset',
  'totals.col.partner': 'Partner',
  'totals.export': 'Export CSV',
  'totals.empty': 'No reductions in these days yet. They show here once scans or imported files credit tourists.',
  'totals.loading': 'Loading…',
  'totals.chart': '{what} chart: {measure}',
}

export default {
  messages: { zh, en },
  routes: [
    {
      path: 'totals',
      component: () => import('./pages/Totals.vue'),
      meta: { title: 'totals.title', roles: PARTNER_ROLES, menu: { group: 'console.group.data', order: 1 } },
    },
    {
      path: 'platform/totals',
      component: () => import('./pages/Totals.vue'),
      meta: { title: 'totals.platform_title', roles: ['admin'], menu: { group: 'console.group.data', order: 1 } },
    },
  ],
} satisfies ConsoleArea
