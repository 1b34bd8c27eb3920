// A list the API pages with `cursor` / `next_cursor`: the items so far, "load more", its error in
// words (an outage goes to the app-level page).
import { ref, type Ref } from 'vue'
import { describe } from '../../../api/errors'
import { reportOutage } from '../../outage'

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

export function usePaged<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): {
  items: Ref<T[]>
  loading: Ref<boolean>
  finished: Ref<boolean>
  error: Ref<string>
  started: Ref<boolean>
  more: () => Promise<void>
  reset: () => Promise<void>
} {
  const items = ref<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const finished = ref(false)
  const started = ref(false)
  const error = ref('')
  let cursor: string | null = null
  let generation = 0

  async function more(): Promise<void> {
    if (loading.value || finished.value) return
    loading.value = true
    error.value = ''
    const mine = generation
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      items.value.push(...page.items)
      cursor = page.next_cursor ?? null
      finished.value = !cursor
    } catch (e) {
      if (mine === generation && !reportOutage(e)) error.value = describe(e)
    } finally {
      if (mine === generation) {
        loading.value = false
        started.value = true
      }
    }
  }

  async function reset(): Promise<void> {
    generation++
    items.value = []
    cursor = null
    finished.value = false
    started.value = false
    loading.value = false
    await more()
  }

  return { items, loading, finished, error, started, more, reset }
}
