// The session: a short-lived access token (and when it expires) in localStorage `tanhui.session`.
// The refresh token never reaches JavaScript: the API sets it as an HttpOnly cookie
// (`tanhui_refresh`, Path=/v1/auth) when asked with `X-Session: cookie`.
import { computed, ref } from 'vue'

const STORAGE_KEY = 'tanhui.session'

export interface Session {
  access_token: string
  expires_at: number // ms since the epoch
}

function load(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as Partial<Session>
    return typeof s.access_token === 'string' && typeof s.expires_at === 'number' ? (s as Session) : null
  } catch {
    return null
  }
}

export const session = ref<Session | null>(load())
export const loggedIn = computed(() => session.value !== null)

/** Keeps the tokens of a login, register or refresh answer (`expires_in` in seconds). */
export function saveTokens(tokens: { access_token: string; expires_in: number }): void {
  const s: Session = { access_token: tokens.access_token, expires_at: Date.now() + tokens.expires_in * 1000 }
  session.value = s
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s))
  } catch {
    /* private mode: the session lasts for this page */
  }
}

export function clearSession(): void {
  session.value = null
  try {
    localStorage.removeItem(STORAGE_KEY)
  } catch {
    /* nothing stored */
  }
}

/** The access token if it is still good for a few seconds, else null (refresh first). */
export function freshToken(): string | null {
  const s = session.value
  return s && s.expires_at - 10_000 > Date.now() ? s.access_token : null
}

// Tabs share the session: a login or logout in one is seen by the others.
window.addEventListener('storage', (e) => {
  if (e.key === STORAGE_KEY) session.value = load()
})
