// One small message table, Chinese first; no runtime message compiler (the CSP forbids eval).
// The core messages are in the main chunk; an area's own messages (the spending pages') come with
// its pages (`addMessages`, called by the router before such a page renders), and the API's error
// words (errors.json) are fetched the first time a call fails (`loadErrorTexts`), so the code page
// a tourist scans carries neither.
import { ref, shallowRef, watchEffect } from 'vue'
import core from './core'

export type Locale = 'zh' | 'en'
type Table = Record<string, string>
type Messages = Record<Locale, Table>

const STORAGE_KEY = 'tanhui.lang'
const merged: Messages = { zh: {}, en: {} }

/** Adds a table of messages (an area's, loaded with its pages). */
export function addMessages(table: Messages): void {
  Object.assign(merged.zh, table.zh)
  Object.assign(merged.en, table.en)
}
addMessages(core)

function stored(): Locale {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'
  } catch {
    return 'zh'
  }
}

export const locale = ref<Locale>(stored())

watchEffect(() => {
  document.documentElement.lang = locale.value === 'en' ? 'en' : 'zh-CN'
})

export function setLocale(next: Locale): void {
  locale.value = next
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

/** The message `key` in the current locale, `{name}` placeholders filled from `params`. */
export function t(key: string, params?: Record<string, string | number>): string {
  const text = merged[locale.value][key] ?? merged.zh[key] ?? key
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
}

/** Picks the current locale's text of a `{zh, en}` pair (as the API and the code page carry them). */
export function pick(pair: { zh?: string | null; en?: string | null } | null | undefined): string {
  if (!pair) return ''
  return (locale.value === 'en' ? pair.en || pair.zh : pair.zh || pair.en) ?? ''
}

/** A number as a tourist reads it: integers grouped by thousands ("12,345" in both languages)
 * without Intl (its first use costs a code page tens of milliseconds of a slow phone's CPU). */
export function num(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString(locale.value === 'en' ? 'en' : 'zh-CN')
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0 ? `-${digits}` : digits
}

type ErrorTable = Record<string, { zh?: string; en?: string } | undefined>
const errorTable = shallowRef<ErrorTable | null>(null)
let errorTableLoading: Promise<void> | null = null

/** Fetches the API's error words (once); resolves when they are there, or could not be had. */
export function loadErrorTexts(): Promise<void> {
  if (!errorTableLoading) {
    errorTableLoading = import('./errors.json').then(
      (m) => {
        errorTable.value = m.default as ErrorTable
      },
      () => {
        errorTableLoading = null // offline: the generic message now, the words at the next failure
      },
    )
  }
  return errorTableLoading
}

/** The words for an API error `code`; an unknown code gives a generic message and the code.
 * (The API client loads the words before a failed call reaches a page; if they are still on their
 * way, the generic message shows until they arrive.) */
export function errorText(code: string | undefined | null): string {
  const table = errorTable.value
  if (!table) void loadErrorTexts()
  const known = code && table ? table[code] : undefined
  if (known && (known.zh || known.en)) return pick(known)
  return t('error.generic', { code: code || '—' })
}
