// Idempotency-Key for requests that spend coins: one key per intent of the tourist (this offer,
// this project and amount), reused by every retry and double tap of that intent, so the API
// creates one voucher or donation however often the button is pressed or the network fails.

/** A fresh random key: crypto.randomUUID where there is one (secure contexts), else 128 random
 *  bits from getRandomValues, else (very old WebViews) time + Math.random. */
export function newKey(): string {
  const c: Crypto | undefined = typeof crypto !== 'undefined' ? crypto : undefined
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  if (c && typeof c.getRandomValues === 'function') {
    const bytes = c.getRandomValues(new Uint8Array(16))
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  }
  let s = Date.now().toString(36)
  for (let i = 0; i < 4; i++) s += Math.random().toString(36).slice(2, 10)
  return s
}

/** Keys by intent: `key(what)` answers the same key for the same `what` until `done(what)` (the
 *  intent succeeded: the next tap is a new purchase or donation). The keys live in the tab's
 *  sessionStorage under `scope` (one per page), not in the page: a request whose answer was lost
 *  shows the outage page, which unmounts the page, and its retry (or a reload) mounts a new one;
 *  the tap after it must send the key of the first, or the API makes a second voucher or donation.
 *  Without sessionStorage (a WebView that refuses it) the keys live as long as the app. */
export function intents(scope: string): { key: (what: string) => string; done: (what: string) => void } {
  const name = (what: string): string => `tanhui.intent.${scope}.${what}`
  return {
    key(what: string): string {
      let k = stored(name(what))
      if (!k) {
        k = newKey()
        store(name(what), k)
      }
      return k
    },
    done(what: string): void {
      store(name(what), null)
    },
  }
}

const memory = new Map<string, string>()

function stored(name: string): string | null {
  try {
    return sessionStorage.getItem(name) ?? memory.get(name) ?? null
  } catch {
    return memory.get(name) ?? null
  }
}

function store(name: string, key: string | null): void {
  if (key === null) memory.delete(name)
  else memory.set(name, key)
  try {
    if (key === null) sessionStorage.removeItem(name)
    else sessionStorage.setItem(name, key)
  } catch {
    /* private mode or a WebView without storage: the memory copy serves */
  }
}
