// Every holding account (a select's choices and the names of a transfer's accounts), and, for the
// operator, the organisation and event partners that have none yet (an account opens for them at
// their first transfer or when the operator opens it).
import { computed } from 'vue'
import { api, unwrap } from '../../../api'
import { HOLDER_ROLES } from '../../types'
import { allPages, useLoad } from '../../paged'
import type { AccountOut } from './units'

const PAGES = 10 // up to 1,000 accounts and partners: the choices of a select

export function useAccounts(who: 'admin' | 'regulator') {
  const accounts = useLoad(() => allPages<AccountOut>((cursor) => {
    const query = { limit: 100, ...(cursor ? { cursor } : {}) }
    return who === 'admin'
      ? unwrap(api.GET('/v1/admin/registry/accounts', { params: { query } }))
      : unwrap(api.GET('/v1/regulator/registry/accounts', { params: { query } }))
  }, PAGES))
  const partners = useLoad(async () => (who !== 'admin' ? [] : (await allPages((cursor) =>
    unwrap(api.GET('/v1/admin/partners', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } })), PAGES))
    .filter((p) => HOLDER_ROLES.includes(p.role) && p.status === 'active')))
  /** an account's name by id (a holder partner's too, before its account opens) */
  const names = computed<Record<string, string>>(() => Object.fromEntries([
    ...(partners.data.value ?? []).map((p) => [p.partner_id, p.name]),
    ...(accounts.data.value ?? []).map((a) => [a.account_id, a.name]),
  ]))
  /** holder partners with no account yet */
  const unopened = computed(() => {
    const opened = new Set((accounts.data.value ?? []).map((a) => a.account_id))
    return (partners.data.value ?? []).filter((p) => !opened.has(p.partner_id))
  })
  const reload = () => Promise.all([accounts.reload(), partners.reload()])
  return { accounts, partners, names, unopened, reload }
}
