// Who is signed in to the console: the profile (GET /v1/me) and, for a partner's staff, the
// partner (GET /v1/partner/profile). Loaded once a session; cleared at logout.
import { computed, ref } from 'vue'
import { api, unwrap } from '../api'
import type { components } from '../api/schema'
import type { ConsoleRole } from './types'

export type Profile = components['schemas']['ProfileOut']
export type Partner = components['schemas']['PartnerOut']

export const me = ref<Profile | null>(null)
/** Why the signed-in user could not be read (offline, the server failing): the shell says so. */
export const meError = ref<unknown>(null)
export const partner = ref<Partner | null>(null)

/** 'admin', 'regulator', the partner's role, or null for a tourist (who has no console). */
export const consoleRole = computed<ConsoleRole | null>(() => {
  if (!me.value) return null
  if (me.value.role === 'admin') return 'admin'
  if (me.value.role === 'regulator') return 'regulator'
  return me.value.role === 'partner' && partner.value ? partner.value.role : null
})

let loading: Promise<void> | null = null

export function loadMe(): Promise<void> {
  if (!loading) {
    loading = (async () => {
      const profile = await unwrap(api.GET('/v1/me'))
      partner.value = profile.role === 'partner' && profile.partner_id ? await unwrap(api.GET('/v1/partner/profile')) : null
      me.value = profile
      meError.value = null
    })()
    loading.catch((e: unknown) => {
      meError.value = e
      loading = null
    })
  }
  return loading
}

export function forgetMe(): void {
  me.value = null
  partner.value = null
  loading = null
}

/** True when the signed-in user may open a page meant for `roles` (absent: everyone). */
export function allowed(roles: ConsoleRole[] | undefined): boolean {
  return !roles || (consoleRole.value !== null && roles.includes(consoleRole.value))
}
