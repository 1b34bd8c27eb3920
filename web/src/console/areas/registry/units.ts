// What the registry's pages share: serial ranges, prices and accounts as a clerk reads them.
import type { components } from '../../../api/schema'
import { num, t } from '../../../i18n'

export type RangeOut = components['schemas']['RangeOut']
export type AccountOut = components['schemas']['AccountOut']
export type IssuanceOut = components['schemas']['IssuanceOut']
export type TransferOut = components['schemas']['TransferOut']
export type RetirementOut = components['schemas']['RetirementOut']

/** "TH-000000000001 – TH-000000000003（3 单位）" */
export function rangeText(r: RangeOut): string {
  return t('registry.range', { first: r.first_serial, last: r.last_serial, n: num(r.units) })
}

/** Fen as "¥1,234.50"; '—' for none. */
export function price(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return t('registry.none')
  const yuan = `${num(Math.floor(fen / 100))}.${String(fen % 100).padStart(2, '0')}`
  return t('registry.price', { yuan })
}

/** A typed price in yuan ("120", "99.5", "99.50") as fen; null for blank; undefined if it is none. */
export function fenOf(typed: string): number | null | undefined {
  const s = typed.trim().replace(/^[¥￥]/, '').replace(/,/g, '')
  if (!s) return null
  const m = /^(\d{1,11})(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) return undefined
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
}

export function kindName(kind: string): string {
  const key = `registry.account.${kind}`
  const text = t(key)
  return text === key ? kind : text
}

/** An account's name by id, from the accounts loaded (the id itself when not among them). */
export function nameOf(names: Record<string, string>, id: string): string {
  return names[id] ?? id
}
