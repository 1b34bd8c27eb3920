// The on-board screen's loop: the vehicle's rotating code (GET …/rotating-code) and its QR (the
// SVG, fetched with the session and shown through an object URL), renewed on the code's step.
//
// Time is the server's: the tablet's clock may be off, so the loop keeps the server's time as
// "the answer's Date header (or the local clock) clamped into the code's own step" at the moment
// the answer arrived, plus the monotonic time elapsed since (performance.now()). The next code is
// asked just after `valid_until`; a code is kept on screen only while it is still accepted
// (`accepted_until`). A failed ask (network, 5xx) is retried with backoff and at once when the
// browser says it is online again; the access token renews itself in the API client.
import { computed, onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'
import { api } from '../../../api'
import { ApiError, asApiError, describe, toApiError } from '../../../api/errors'
import type { components } from '../../../api/schema'
import { blobOf } from '../../../h5/components/spend/files'

export type RotatingCode = components['schemas']['RotatingCodeOut']

export interface Shown {
  code: RotatingCode
  qr: string // object URL of the code's SVG
  validUntil: number // server ms
  acceptedUntil: number
}

const AFTER_STEP_MS = 400 // ask a little after the step ends, so the server is in the next one
const EARLY_RETRY_MS = 1000 // the same step came back: ask again shortly
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000]
const REFUSED_RETRY_MS = 60_000 // asset retired, not a vehicle…: ask again now and then

export function useRotatingCode(assetId: string) {
  const shown = shallowRef<Shown | null>(null)
  const offline = ref(false)
  const problem = ref('') // the API refused (4xx), in words
  const now = ref(0) // the server's time, ticking

  let base = { server: Date.now(), perf: performance.now() }
  let timer: ReturnType<typeof setTimeout> | undefined
  let ticker: ReturnType<typeof setInterval> | undefined
  let failures = 0
  let asking = false
  let stopped = false

  const serverNow = () => base.server + (performance.now() - base.perf)

  function sync(date: string | null, validFrom: number, validUntil: number): void {
    const header = date ? Date.parse(date) : Number.NaN
    const guess = Number.isNaN(header) ? Date.now() : header + 500 // a Date header has whole seconds
    base = { server: Math.min(Math.max(guess, validFrom), validUntil - 1), perf: performance.now() }
  }

  function schedule(ms: number): void {
    clearTimeout(timer)
    if (!stopped) timer = setTimeout(() => void ask(), Math.max(0, ms))
  }

  async function ask(): Promise<void> {
    if (asking || stopped) return
    asking = true
    clearTimeout(timer)
    try {
      let result
      try {
        result = await api.GET('/v1/partner/assets/{asset_id}/rotating-code', { params: { path: { asset_id: assetId } } })
      } catch (e) {
        throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
      }
      if (result.error !== undefined || !result.data) throw toApiError(result.response, result.error)
      const code = result.data
      const validUntil = Date.parse(code.valid_until)
      sync(result.response.headers.get('Date'), Date.parse(code.valid_from), validUntil)
      if (shown.value?.code.code_id !== code.code_id) {
        const { blob } = await blobOf(api.GET('/v1/partner/codes/{code_file}', {
          params: { path: { code_file: `${code.code_id}.svg` } },
          parseAs: 'blob',
        }))
        const old = shown.value?.qr
        shown.value = { code, qr: URL.createObjectURL(blob), validUntil, acceptedUntil: Date.parse(code.accepted_until) }
        if (old) URL.revokeObjectURL(old)
        schedule(validUntil - serverNow() + AFTER_STEP_MS)
      } else {
        schedule(Math.min(EARLY_RETRY_MS, validUntil - serverNow() + AFTER_STEP_MS))
      }
      failures = 0
      offline.value = false
      problem.value = ''
    } catch (e) {
      const err = asApiError(e)
      if (err.isOutage) {
        offline.value = true
        schedule(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)])
        failures += 1
      } else {
        problem.value = describe(err)
        schedule(REFUSED_RETRY_MS)
      }
    } finally {
      asking = false
      now.value = serverNow()
    }
  }

  function onOnline(): void {
    failures = 0
    void ask()
  }
  function onOffline(): void {
    offline.value = true
  }
  function onVisible(): void {
    // a hidden page's timers are throttled: catch up when it shows again
    if (document.visibilityState === 'visible' && (!shown.value || serverNow() >= shown.value.validUntil)) void ask()
  }

  onMounted(() => {
    if (navigator.onLine === false) offline.value = true
    void ask()
    ticker = setInterval(() => {
      now.value = serverNow()
      // the step is over and the timer did not fire (a sleeping tablet): ask now
      if (shown.value && !asking && !offline.value && !problem.value && now.value > shown.value.validUntil + 5 * AFTER_STEP_MS) void ask()
    }, 250)
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)
    document.addEventListener('visibilitychange', onVisible)
  })
  onBeforeUnmount(() => {
    stopped = true
    clearTimeout(timer)
    clearInterval(ticker)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('offline', onOffline)
    document.removeEventListener('visibilitychange', onVisible)
    if (shown.value) URL.revokeObjectURL(shown.value.qr)
  })

  /** The code on screen: the last one only while a claim of it is still accepted. */
  const current = computed(() => (shown.value && now.value < shown.value.acceptedUntil ? shown.value : null))
  /** Whole seconds until the code changes (0: changing now). */
  const secondsLeft = computed(() => (shown.value ? Math.max(0, Math.ceil((shown.value.validUntil - now.value) / 1000)) : 0))

  return { current, offline, problem, secondsLeft, retry: onOnline }
}
