// The one API client: openapi-fetch typed by schema.d.ts (generated from /openapi.json), relative
// URLs (the app and the API share an origin). A 401 triggers one refresh through the cookie and
// one retry; a refused refresh sends the tourist to /login?next=<where they were>, while a refresh
// that got no answer (offline) keeps the session and fails the call as a network failure.
import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { clearSession, freshToken, saveTokens, session } from './session'
import { ApiError, toApiError } from './errors'
import { loadErrorTexts } from '../i18n'

const AUTH_PATHS = /^\/v1\/auth\//

/** What a renewal came to: a new access token, the refresh token refused (the session is over),
 * or no answer (offline, the server failing): the session stays, the call fails as a network one. */
type Renewal = 'renewed' | 'refused' | 'unreachable'

let refreshing: Promise<Renewal> | null = null

/** Renews the access token with the refresh cookie; one request at a time for the whole app. */
function renew(): Promise<Renewal> {
  if (!refreshing) {
    refreshing = (async (): Promise<Renewal> => {
      try {
        const res = await fetch('/v1/auth/refresh', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-Session': 'cookie' },
          body: '{}',
        })
        if (res.status >= 500) return 'unreachable'
        if (!res.ok) return 'refused'
        const body = (await res.json()) as { access_token: string; expires_in: number }
        saveTokens(body)
        return 'renewed'
      } catch {
        return 'unreachable'
      } finally {
        setTimeout(() => (refreshing = null), 0)
      }
    })()
  }
  return refreshing
}

/** Renews the access token with the refresh cookie: true when there is a new one. */
export async function refreshSession(): Promise<boolean> {
  return (await renew()) === 'renewed'
}

/** Where to go when the session cannot be renewed; set by the router (avoids an import cycle). */
let onSessionLost: () => void = () => undefined
export function setSessionLostHandler(fn: () => void): void {
  onSessionLost = fn
}

async function sessionFetch(request: Request): Promise<Response> {
  const path = new URL(request.url, location.href).pathname
  if (AUTH_PATHS.test(path)) {
    request.headers.set('X-Session', 'cookie')
    return fetch(request, { credentials: 'same-origin' })
  }
  let token = freshToken()
  if (!token && session.value) {
    // expired: renew before the call rather than spend a request on a sure 401
    const renewal = await renew()
    if (renewal === 'unreachable') throw new TypeError('the session could not be renewed: no answer')
    token = renewal === 'renewed' ? freshToken() : null
  }
  const retry = request.clone()
  if (token) request.headers.set('Authorization', `Bearer ${token}`)
  const res = await fetch(request)
  if (res.status !== 401 || !session.value) return res
  const renewal = await renew()
  if (renewal === 'renewed') {
    const again = freshToken()
    if (again) retry.headers.set('Authorization', `Bearer ${again}`)
    return fetch(retry)
  }
  // the network flapped: keep the session (the next call renews it), fail this call as a network one
  if (renewal === 'unreachable') throw new TypeError('the session could not be renewed: no answer')
  clearSession()
  onSessionLost()
  return res
}

export const api = createClient<paths>({ baseUrl: '', fetch: sessionFetch })

/** The data of an openapi-fetch result, or its ApiError thrown. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await call
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }
  if (result.error !== undefined || !result.response.ok) {
    await loadErrorTexts() // the words of the error, before a page shows it
    throw toApiError(result.response, result.error)
  }
  return result.data as T
}
