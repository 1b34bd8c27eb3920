// Numbers, masses and dates as a tourist reads them, in the current language.
import { locale, num, t } from '../../../i18n'

const tag = () => (locale.value === 'en' ? 'en' : 'zh-CN')

export const fmt = num

/** Grams of CO2e: "850 克" under a kilogram, "1.2 千克" from there. */
export function mass(g: number): string {
  if (Math.abs(g) < 1000) return t('spend.grams', { n: fmt(g) })
  const kg = Math.round(g / 100) / 10
  return t('spend.kilograms', { n: kg.toLocaleString(tag(), { maximumFractionDigits: 1 }) })
}

export function day(at: string | null | undefined): string {
  if (!at) return ''
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return at
  return d.toLocaleDateString(tag(), { year: 'numeric', month: '2-digit', day: '2-digit' })
}

export function moment(at: string | null | undefined): string {
  if (!at) return ''
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return at
  return d.toLocaleString(tag(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
}
