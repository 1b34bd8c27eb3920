// Times as the clerk's clock reads them: the API speaks UTC (ISO-8601 with Z); the partners' days
// and clocks are Asia/Shanghai's (UTC+8, no summer time), whatever the desk's own setting.
const SHANGHAI_MS = 8 * 3_600_000
const DAY_MS = 86_400_000

/** An API time as Shanghai's "2026-12-07 09:30"; '—' for none, the text itself if it is no time. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—'
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : new Date(ms + SHANGHAI_MS).toISOString().replace('T', ' ').slice(0, 16)
}

/** Shanghai's date `daysBack` days before today (or before `at`, epoch ms), as YYYY-MM-DD. */
export function shanghaiDay(daysBack = 0, at = Date.now()): string {
  return new Date(at + SHANGHAI_MS - daysBack * DAY_MS).toISOString().slice(0, 10)
}
