import type { LocationQueryValue } from 'vue-router'

/** The `?next=` to go back to after logging in: a path of this app only (no open redirect). */
export function safeNext(next: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const value = Array.isArray(next) ? next[0] : next
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) {
    return value
  }
  return '/'
}
