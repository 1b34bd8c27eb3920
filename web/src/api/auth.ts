// Login, register, logout and the consent in force: thin calls over the typed client.
import { api, unwrap } from './client'
import { clearSession, saveTokens, session } from './session'

import type { components } from './schema'

export type Consent = components['schemas']['ConsentDocumentOut']

export async function login(phone: string, password: string): Promise<void> {
  const tokens = await unwrap(api.POST('/v1/auth/login', { body: { phone, password } }))
  saveTokens(tokens)
}

/** Registers; true when logged in at once, false when an SMS code must be confirmed first. */
export async function register(
  phone: string, password: string, displayName: string, consentVersion: string,
): Promise<boolean> {
  const out = await unwrap(
    api.POST('/v1/auth/register', {
      body: { phone, password, display_name: displayName, consent: { version: consentVersion, accepted: true } },
    }),
  )
  if (out.tokens) {
    saveTokens(out.tokens)
    return true
  }
  return false
}

export async function confirm(phone: string, code: string): Promise<void> {
  await unwrap(api.POST('/v1/auth/confirm', { body: { phone, code } }))
}

let consentCall: Promise<Consent> | null = null

/** The consent in force, asked once a page (a failed ask is asked again next time). */
export function getConsent(): Promise<Consent> {
  if (!consentCall) {
    consentCall = unwrap(api.GET('/v1/consent'))
    consentCall.catch(() => {
      consentCall = null
    })
  }
  return consentCall
}

/** Revokes the refresh token (the cookie; with the bearer, every device) and forgets the access
 * token, even if the call fails. */
export async function logout(): Promise<void> {
  const token = session.value?.access_token
  try {
    await api.POST('/v1/auth/logout', {
      body: {},
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      parseAs: 'text',
    })
  } catch {
    /* offline: the local session goes all the same */
  } finally {
    clearSession()
  }
}
