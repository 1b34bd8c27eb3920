import { api, unwrap } from '../api/client'
import { asApiError } from '../api/errors'

/** The tourist's wallet; a tourist who never claimed has none yet: zero. */
export async function getWallet() {
  try {
    return await unwrap(api.GET('/v1/me/wallet'))
  } catch (e) {
    if (asApiError(e).code === 'wallet_not_found') {
      return { coins: 0, gco2e: 0, lifetime_coins: 0, lifetime_gco2e: 0, spent_coins: 0, updated_at: null }
    }
    throw e
  }
}
