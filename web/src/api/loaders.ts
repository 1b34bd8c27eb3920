// The one way a page of either area loads what the API answers: one thing (`useLoad`) or a list
// the API gives a page at a time by `next_cursor` (`usePaged`). A failure is kept in words
// (errors.json) for the page to show, unless the caller's `onFailure` takes it (the H5 sends an
// outage to its app-level page). A list loaded again keeps what it shows until the new first page
// is there, and an answer overtaken by a newer load is dropped.
import { computed, ref, type ComputedRef, type Ref } from 'vue'
import { describe } from './errors'

/** Takes a failure (true) or leaves it to the page (false). */
export type OnFailure = (e: unknown) => boolean

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/** One thing the page shows: `data` once loaded, `loading`, the failure in words; `reload()`. */
export function useLoad<T>(fn: () => Promise<T>, onFailure?: OnFailure): {
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<string>
  reload: () => Promise<void>
} {
  const data = ref<T | null>(null) as Ref<T | null>
  const loading = ref(true)
  const error = ref('')
  async function reload(): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      data.value = await fn()
    } catch (e) {
      if (!onFailure?.(e)) error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { data, loading, error, reload }
}

/** A list the API pages: `load()` the first page (again), `more()` the next. */
export interface Paged<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  /** a first page has been answered */
  loaded: Ref<boolean>
  /** loaded, and the API has no further page */
  finished: ComputedRef<boolean>
  error: Ref<string>
  cursor: Ref<string | null>
  load: () => Promise<void>
  more: () => Promise<void>
}

export function usePaged<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, onFailure?: OnFailure): Paged<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref('')
  const cursor = ref<string | null>(null)
  const finished = computed(() => loaded.value && !cursor.value)
  let generation = 0

  async function page(first: boolean): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = ''
    try {
      const got = await fetchPage(first ? null : cursor.value)
      if (mine !== generation) return
      items.value = first ? got.items : [...items.value, ...got.items]
      cursor.value = got.next_cursor ?? null
      loaded.value = true
    } catch (e) {
      if (mine === generation && !onFailure?.(e)) error.value = describe(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return {
    items, loading, loaded, finished, error, cursor,
    load: () => page(true),
    more: () => (loading.value || finished.value ? Promise.resolve() : page(false)),
  }
}
