// One small message table, Chinese first; no runtime message compiler (the CSP forbids eval).
import { ref, watchEffect } from 'vue'
import core from './core'
import spend from './spend'
import apiErrors from './errors.json'

export type Locale = 'zh' | 'en'
type Table = Record<string, string>
type Messages = Record<Locale, Table>

const STORAGE_KEY = 'tanhui.lang'
const tables: Messages[] = [core, spend]
const merged: Messages = { zh: {}, en: {} }
for (const t of tables) {
  Object.assign(merged.zh, t.zh)
  Object.assign(merged.en, t.en)
}

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

const errorTable = apiErrors as Record<string, { zh?: string; en?: string } | undefined>

/** The words for an API error `code`; an unknown code gives a generic message and the code. */
export function errorText(code: string | undefined | null): string {
  const known = code ? errorTable[code] : undefined
  if (known && (known.zh || known.en)) return pick(known)
  return t('error.generic', { code: code || '—' })
}
