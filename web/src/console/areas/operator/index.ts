// The operator's pages (平台管理): partners and their staff, alliance and quotas; factors and
// their versions; the coin expiry policy; donation projects; government buyback rounds; exports with manifest, audit and verification; leaderboard.
import type { ConsoleArea, ConsoleRole } from '../../types'
import messages from './messages'

const roles: ConsoleRole[] = ['admin']
const group = 'console.group.platform'

export default {
  messages,
  routes: [
    { path: 'operator/partners', component: () => import('./pages/Partners.vue'), meta: { title: 'operator.partners.title', roles, menu: { group, order: 10 } } },
    { path: 'operator/partners/:partnerId', component: () => import('./pages/Partner.vue'), meta: { title: 'operator.partner.title', roles } },
    { path: 'operator/factors', component: () => import('./pages/Factors.vue'), meta: { title: 'operator.factors.title', roles, menu: { group, order: 20 } } },
    { path: 'operator/factors/:behaviour', component: () => import('./pages/Factor.vue'), meta: { title: 'operator.factor.title', roles } },
    { path: 'operator/projects', component: () => import('./pages/Projects.vue'), meta: { title: 'operator.projects.title', roles, menu: { group, order: 30 } } },
    { path: 'operator/buyback', component: () => import('./pages/Buyback.vue'), meta: { title: 'operator.buyback.title', roles, menu: { group, order: 35 } } },
    { path: 'operator/exports', component: () => import('./pages/Exports.vue'), meta: { title: 'operator.exports.title', roles, menu: { group, order: 40 } } },
    { path: 'operator/exports/:exportId', component: () => import('./pages/Export.vue'), meta: { title: 'operator.export.title', roles } },
    { path: 'operator/coin-policy', component: () => import('./pages/CoinPolicy.vue'), meta: { title: 'operator.policy.title', roles, menu: { group, order: 25 } } },
    { path: 'operator/leaderboard', component: () => import('./pages/Leaderboard.vue'), meta: { title: 'operator.leaderboard.title', roles, menu: { group, order: 50 } } },
  ],
} satisfies ConsoleArea
