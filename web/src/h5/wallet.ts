import { api, unwrap } from '../api/client'
import { asApiError } from '../api/errors'

const BEIJING_MS = 8 * 3600 * 1000 // Asia/Shanghai: UTC+8, no daylight saving

/** The last day (Beijing, YYYY-MM-DD) coins expiring at `at` (UTC, the end of a local day) can be spent. */
export function lastDay(at: string): string {
  const ms = Date.parse(at)
  return Number.isNaN(ms) ? at : new Date(ms - 1000 + BEIJING_MS).toISOString().slice(0, 10)
}

/** The tourist's wallet; a tourist who never claimed has none yet: zero. */
export async function getWallet() {
  try {
    return await unwrap(api.GET('/v1/me/wallet'))
  } catch (e) {
    if (asApiError(e).code === 'wallet_not_found') {
      return {
        coins: 0, gco2e: 0, lifetime_coins: 0, lifetime_gco2e: 0, spent_coins: 0, expired_coins: 0,
        next_expiry: null, updated_at: null,
      }
    }
    throw e
  }
}
