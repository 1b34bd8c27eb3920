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
 *  intent succeeded: the next tap is a new purchase or donation). */
export function intents(): { key: (what: string) => string; done: (what: string) => void } {
  const keys = new Map<string, string>()
  return {
    key(what: string): string {
      let k = keys.get(what)
      if (!k) {
        k = newKey()
        keys.set(what, k)
      }
      return k
    },
    done(what: string): void {
      keys.delete(what)
    },
  }
}
