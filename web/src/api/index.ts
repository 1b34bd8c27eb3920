export { api, unwrap, refreshSession } from './client'
export { ApiError, asApiError, describe } from './errors'
export { session, loggedIn, clearSession } from './session'
