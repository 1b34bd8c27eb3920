// The rows of a registry table as a CSV (the regulator's copy of what the page loaded): headers in
// the table's words, serial ranges as "first–last" joined by "; ", times as the API's UTC.
import { t } from '../../../i18n'
import { toCsv } from '../../call'
import { nameOf, type AccountOut, type IssuanceOut, type RangeOut, type RetirementOut, type TransferOut } from './units'

type Kind = 'issuances' | 'transfers' | 'retirements' | 'accounts'
const ranges = (rs: RangeOut[]) => rs.map((r) => `${r.first_serial}–${r.last_serial}`).join('; ')

export function rowsCsv(kind: Kind, rows: never[], names: Record<string, string>): Blob {
  const h = (...keys: string[]) => keys.map((k) => t(`registry.col.${k}`))
  if (kind === 'issuances') {
    return toCsv(['issuance_id', ...h('when', 'export', 'manifest', 'days', 'rows'), 'gco2e', 'carry_in_g', 'carry_out_g', ...h('units', 'serials')],
      (rows as IssuanceOut[]).map((i) => [i.issuance_id, i.created_at, i.export_id, i.manifest_sha256, `${i.range_from}~${i.range_to}`,
        i.rows, i.gco2e, i.carry_in_g, i.carry_out_g, i.units, i.units ? `${i.first_serial}–${i.last_serial}` : '']))
  }
  if (kind === 'transfers') {
    return toCsv(['transfer_id', ...h('when', 'from', 'to', 'units', 'serials', 'reason'), 'price_fen', t('registry.col.by')],
      (rows as TransferOut[]).map((x) => [x.transfer_id, x.created_at, nameOf(names, x.from_account), nameOf(names, x.to_account),
        x.units, ranges(x.ranges), x.reason, x.price_fen, x.created_by_role]))
  }
  if (kind === 'retirements') {
    return toCsv(['retirement_id', ...h('when', 'account', 'units', 'serials', 'beneficiary', 'purpose', 'emission')],
      (rows as RetirementOut[]).map((r) => [r.retirement_id, r.created_at, r.account_name, r.units, ranges(r.ranges), r.beneficiary,
        r.purpose, [r.emission.kind, r.emission.description, r.emission.period].filter(Boolean).join(' · ')]))
  }
  return toCsv(['account_id', ...h('name', 'kind', 'held', 'retired', 'transfers_allowed')],
    (rows as AccountOut[]).map((a) => [a.account_id, a.name, a.kind, a.held_units, a.retired_units, String(a.transfers_allowed ?? false)]))
}
