// The regulator's pages (监管): the operators' action log, read-only, exportable as CSV; the peer
// platforms' de-duplication calls (滤重). The registry's views are the registry area's.
import type { ConsoleArea, ConsoleRole } from '../../types'
import messages from './messages'

const roles: ConsoleRole[] = ['regulator']
const group = 'console.group.supervision'

export default {
  messages,
  routes: [
    { path: 'regulator/audit-log', component: () => import('./pages/AuditLog.vue'), meta: { title: 'regulator.log.title', roles, menu: { group, order: 10 } } },
    { path: 'regulator/peers', component: () => import('./pages/Peers.vue'), meta: { title: 'regulator.peers.title', roles, menu: { group, order: 30 } } },
  ],
} satisfies ConsoleArea
