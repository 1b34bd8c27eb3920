// What the operator's pages share: amounts as a clerk reads them, copying a text, the phone numbers
// clerks type. (Lists, one-thing loaders and times: ../../paged.ts, ../../format.ts.)
import { num, t } from '../../../i18n'
import { notify } from '../../call'

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
