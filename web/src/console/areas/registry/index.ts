// The registry (碳普惠登记簿): 减排量消纳 for organisation and event partners (their holding and
// retirements, POST /v1/partner/registry/retirements); the operator's issuances, holding accounts,
// transfers and offset rate (/v1/admin/registry/*); the regulator's read-only views of them
// (/v1/regulator/registry/*).
import type { ConsoleArea, ConsoleRole } from '../../types'
import { HOLDER_ROLES } from '../../types'
import messages from './messages'

const admin: ConsoleRole[] = ['admin']
const regulator: ConsoleRole[] = ['regulator']

export default {
  messages,
  routes: [
    {
      path: 'registry',
      component: () => import('./pages/Retire.vue'),
      meta: { title: 'registry.title', roles: HOLDER_ROLES, menu: { group: 'console.group.data', order: 2 } },
    },
    {
      path: 'operator/registry',
      component: () => import('./pages/Operator.vue'),
      meta: { title: 'registry.op.title', roles: admin, menu: { group: 'console.group.platform', order: 45 } },
    },
    {
      path: 'regulator/registry',
      component: () => import('./pages/Supervision.vue'),
      meta: { title: 'registry.reg.title', roles: regulator, menu: { group: 'console.group.supervision', order: 20 } },
    },
  ],
} satisfies ConsoleArea
