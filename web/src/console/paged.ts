// The console's two loaders: one thing a page shows (`useOne`) and a list the API gives a page at a
// time, "加载更多" by its next_cursor (`usePaged`, shown by components/PagedTable.vue). A failure
// is kept in words (errors.json) for the page to show beside what it concerns.
import { ref, shallowRef, type Ref } from 'vue'
import { describe } from '../api'

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/** One thing the page shows: `data` once loaded, `loading`, the failure in words; `reload()`. */
export function useOne<T>(fetch: () => Promise<T>): {
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<string>
  reload: () => Promise<void>
} {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(true)
  const error = ref('')
  async function reload(): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      data.value = await fetch()
    } catch (e) {
      error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  void reload()
  return { data, loading, error, reload }
}

/** A list the API gives a page at a time: `load()` the first page, `more()` the next. */
export interface Paged<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  loaded: Ref<boolean>
  error: Ref<string>
  cursor: Ref<string | null>
  load: () => Promise<void>
  more: () => Promise<void>
}

export function usePaged<T>(fetch: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref('')
  const cursor = ref<string | null>(null)
  async function page(reset: boolean): Promise<void> {
    loading.value = true
    error.value = ''
    try {
      const got = await fetch(reset ? null : cursor.value)
      items.value = reset ? got.items : [...items.value, ...got.items]
      cursor.value = got.next_cursor ?? null
      loaded.value = true
    } catch (e) {
      error.value = describe(e)
    } finally {
      loading.value = false
    }
  }
  return { items, loading, loaded, error, cursor, load: () => page(true), more: () => page(false) }
}

/** Every item of a list, up to `pages` pages (a select's choices, not a table); throws what a page
 * throws. */
export async function allPages<T>(fetch: (cursor: string | null) => Promise<Page<T>>, pages: number): Promise<T[]> {
  const all: T[] = []
  let cursor: string | null = null
  for (let i = 0; i < pages; i++) {
    const got: Page<T> = await fetch(cursor)
    all.push(...got.items)
    cursor = got.next_cursor ?? null
    if (!cursor) break
  }
  return all
}
