// The exports this browser ordered or opened (newest first), until the API lists them all.
const KEY = 'tanhui.console.exports'
const KEEP = 30

export function rememberedExports(): string[] {
  try {
    const got: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    return Array.isArray(got) ? got.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export function rememberExport(id: string): void {
  try {
    const ids = [id, ...rememberedExports().filter((x) => x !== id)].slice(0, KEEP)
    localStorage.setItem(KEY, JSON.stringify(ids))
  } catch {
    /* private mode: the list lasts for this page only */
  }
}
