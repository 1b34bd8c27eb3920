// What the operator's pages share: a paged list ("加载更多" by the API's next_cursor), times and
// amounts as a clerk reads them, copying a text, the phone numbers clerks type.
import { ref, shallowRef, type Ref } from 'vue'
import { describe } from '../../../api'
import { num, t } from '../../../i18n'
import { notify } from '../../call'

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/** One thing the page shows: `data` once loaded, `loading`, the failure in words; `reload()`. */
export function useOne<T>(fetch: () => Promise<T>): {
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<string>
  reload: () => Promise<void>
} {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(true)
  const error = ref('')
  async function reload(): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      data.value = await fetch()
    } catch (e) {
      error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { data, loading, error, reload }
}

/** A list the API gives a page at a time: `load()` the first page, `more()` the next. */
export interface Paged<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  loaded: Ref<boolean>
  error: Ref<string>
  cursor: Ref<string | null>
  load: () => Promise<void>
  more: () => Promise<void>
}

export function usePaged<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref('')
  const cursor = ref<string | null>(null)
  async function page(reset: boolean): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      const got = await fetch(reset ? null : cursor.value)
      items.value = reset ? got.items : [...items.value, ...got.items]
      cursor.value = got.next_cursor ?? null
      loaded.value = true
    } catch (e) {
      error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  return { items, loading, loaded, error, cursor, load: () => page(true), more: () => page(false) }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** An API time (UTC ISO) as the clerk's local "2026-12-07 09:30". */
export function when(iso: string | null | undefined): string {
  if (!iso) return t('operator.none')
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Today's date in UTC (the export ranges are UTC dates). */
export function utcToday(): string {
  return new Date().toISOString().slice(0, 10)
}

/** Grams of CO2e as "1,500 克" or, from 10 kg, "12.3 千克". */
export function grams(g: number | null | undefined): string {
  if (g === null || g === undefined) return t('operator.none')
  if (Math.abs(g) >= 10_000) return t('operator.kg', { n: (g / 1000).toLocaleString('en', { maximumFractionDigits: 1 }) })
  return t('operator.grams', { n: num(g) })
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? t('operator.none') : num(n)
}

/** Copies `text`; where the clipboard API is refused, selects it in a hidden field and copies. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
    notify(t('operator.copied'))
    return
  } catch {
    /* not a secure context, or refused: the old way below */
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.className = 'visually-hidden'
  document.body.appendChild(area)
  area.select()
  const ok = document.execCommand('copy')
  area.remove()
  if (ok) notify(t('operator.copied'))
  else notify(t('operator.copy_failed'))
}

/** A contact phone as clerks type it ("138 0013 8000", "020-12345678", "+86 …") in E.164, or
 * null when it is not one. */
export function e164(typed: string): string | null {
  const s = typed.replace(/[\s\-()（）]/g, '').replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
  let out: string
  if (s.startsWith('+')) out = s
  else if (s.startsWith('00')) out = `+${s.slice(2)}`
  else if (/^1\d{10}$/.test(s)) out = `+86${s}`
  else if (/^0\d{9,11}$/.test(s)) out = `+86${s.slice(1)}`
  else if (/^86\d{10,12}$/.test(s)) out = `+${s}`
  else return null
  return /^\+[1-9]\d{6,14}$/.test(out) ? out : null
}

/** A mobile number a staff login can have (the API reads these forms; it answers the rest). */
export function looksLikeMobile(typed: string): boolean {
  const digits = typed.replace(/[\s\-()]/g, '').replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
  return /^(\+|00)?\d{7,15}$/.test(digits)
}

/** Cognito's password rule (8+, a lowercase letter, a digit), checked before sending. */
export function goodPassword(p: string): boolean {
  return p.length >= 8 && /[a-z]/.test(p) && /\d/.test(p)
}
