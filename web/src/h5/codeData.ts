// What the landing function embedded in the page for a scanned code URL:
// <script type="application/json" id="tanhui-code">{...}</script> in <head>. Read once at start-up,
// and only for the path the document was served for (a later in-app visit to another code has none).
import type { Consent } from '../api/auth'

export interface CodeInfo {
  valid: boolean
  kind?: 'ticket' | 'vehicle' | 'vehicle_rotating' | 'hotel_room' | 'packaging' | 'voucher'
  code?: string
  short?: string
  scene?: { zh: string; en: string } | null
  coins?: number | null
  gco2e?: number | null
  partner?: string | null
  asset?: string | null
  needs_location?: boolean
  /** why not valid: invalid, expired, revoked */
  reason?: 'invalid' | 'expired' | 'revoked' | null
  /** the consent in force (as GET /v1/consent answers it), on the page of a code that earns coins */
  consent?: Consent | null
}

const servedPath = location.pathname

function read(): CodeInfo | null {
  const el = document.getElementById('tanhui-code')
  if (!el || !el.textContent) return null
  try {
    const value = JSON.parse(el.textContent) as unknown
    return value && typeof value === 'object' && typeof (value as CodeInfo).valid === 'boolean'
      ? (value as CodeInfo)
      : null
  } catch {
    return null
  }
}

const embedded = read()

/** The embedded code info if the document was served for `path`, else null. */
export function codeInfoFor(path: string): CodeInfo | null {
  return path === servedPath ? embedded : null
}
