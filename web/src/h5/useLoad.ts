// A page's data: loading, the value, an error in words; an outage goes to the app-level page.
import { ref, type Ref } from 'vue'
import { describe } from '../api/errors'
import { reportOutage } from './outage'

export function useLoad<T>(fn: () => Promise<T>): {
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<string>
  reload: () => Promise<void>
} {
  const data = ref<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const error = ref('')
  async function reload(): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      data.value = await fn()
    } catch (e) {
      if (!reportOutage(e)) error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { data, loading, error, reload }
}
