// The app-level error state: the API down, a 5xx, or a page's code that would not load. App.vue
// shows a clear message with "重试" instead of the page (never a blank page).
import { ref } from 'vue'
import { ApiError, asApiError } from '../api/errors'

export const outage = ref<ApiError | null>(null)

/** Shows the outage page when `e` is one (true), otherwise leaves it to the caller (false). */
export function reportOutage(e: unknown): boolean {
  const err = asApiError(e)
  if (!err.isOutage) return false
  outage.value = err
  return true
}
