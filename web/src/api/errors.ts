// API failures as one error type whose words come from i18n/errors.json.
import { errorText, t } from '../i18n'

export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number
  readonly code: string
  readonly requestId: string | null

  constructor(status: number, code: string, message: string, requestId: string | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.requestId = requestId
  }

  /** The server is down or failed: the page shows the app-level error with "重试". */
  get isOutage(): boolean {
    return this.status === 0 || this.status >= 500
  }
}

interface ErrorShape {
  error?: { code?: string; message?: string; request_id?: string | null }
}

/** Builds the ApiError of a failed response (`body` as openapi-fetch parsed it). */
export function toApiError(response: Response | undefined, body: unknown): ApiError {
  const status = response?.status ?? 0
  const err = (body as ErrorShape | undefined)?.error
  const code = err?.code ?? (status >= 500 ? 'internal_error' : status === 0 ? 'network' : `http_${status}`)
  return new ApiError(status, code, err?.message ?? '', err?.request_id ?? null)
}

/** Turns anything thrown by a call (fetch's TypeError too) into an ApiError. */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  return new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
}

/** The words a tourist reads for a failure, in the current language. */
export function describe(e: unknown): string {
  const err = asApiError(e)
  if (err.status === 0) return t('error.network')
  if (err.status >= 500 && err.code === 'internal_error') return t('error.server')
  return errorText(err.code)
}
