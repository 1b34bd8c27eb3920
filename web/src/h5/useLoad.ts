// The H5's loaders: the shared ones (api/loaders.ts), an outage going to the app-level page.
import { useLoad as load, usePaged as paged, type Page, type Paged } from '../api/loaders'
import { reportOutage } from './outage'

export function useLoad<T>(fn: () => Promise<T>): ReturnType<typeof load<T>> {
  return load(fn, reportOutage)
}

export function usePaged<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  return paged(fetchPage, reportOutage)
}
