// The console's loaders: the web app's (api/loaders.ts: one thing, `useLoad`, and a list by pages,
// `usePaged`, shown by components/PagedTable.vue with "加载更多"), and every page of a short list.
import type { Page } from '../api/loaders'

export { useLoad, usePaged, type Page, type Paged } from '../api/loaders'

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
