// Login, register, logout and the consent in force: thin calls over the typed client.
import { api, unwrap } from './client'
import { clearSession, saveTokens, session } from './session'
import { toApiError } from './errors'

export interface Consent {
  version: string
  text: { zh: string; en: string }
}

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

export async function getConsent(): Promise<Consent> {
  const res = await fetch('/v1/consent', { headers: { Accept: 'application/json' } })
  if (!res.ok) throw toApiError(res, await res.json().catch(() => undefined))
  return (await res.json()) as Consent
}

/** Revokes the refresh token (the cookie) and forgets the access token, even if the call fails. */
export async function logout(): Promise<void> {
  try {
    await fetch('/v1/auth/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Session': 'cookie', 'Content-Type': 'application/json', ...bearer() },
      body: '{}',
    })
  } finally {
    clearSession()
  }
}

function bearer(): Record<string, string> {
  const token = session.value?.access_token
  return token ? { Authorization: `Bearer ${token}` } : {}
}
