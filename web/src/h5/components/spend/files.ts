// Binary answers of the API (a voucher's QR, the certificate PDF) fetched with the session like
// any call (the bearer, one refresh on 401), kept as blobs and shown through object URLs.
import { ApiError, toApiError } from '../../../api/errors'
import { loadErrorTexts } from '../../../i18n'

export interface BlobAnswer {
  blob: Blob
  response: Response
}

/** The blob of an openapi-fetch call made with `parseAs: 'blob'`, or its ApiError thrown. */
export async function blobOf(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<BlobAnswer> {
  let result: { data?: unknown; error?: unknown; response: Response }
  try {
    result = await call
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }
  if (result.error !== undefined || !result.response.ok || !(result.data instanceof Blob)) {
    await loadErrorTexts()
    throw toApiError(result.response, result.error)
  }
  return { blob: result.data, response: result.response }
}

/** Saves a blob as a file named `name` (an <a download> on an object URL); returns the URL,
 *  which the caller revokes when it no longer offers it. */
export function saveBlob(blob: Blob, name: string): string {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  return url
}
