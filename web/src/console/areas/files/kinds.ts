// The partner files a role hands in (the API's ImportIn `type`; the roles per type as the import
// package's specs allow them), the fields of each type, and one import's upload: POST
// /v1/partner/imports, then the file to the presigned POST form it answers.
import { ElMessage } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import { api, unwrap } from '../../../api'
import { t } from '../../../i18n'
import { attempt } from '../../call'
import type { components } from '../../../api/schema'
import type { ConsoleRole, PartnerRole } from '../../types'

export type FileType = components['schemas']['ImportIn']['type']
export type ImportOut = components['schemas']['ImportOut']
export type PreviewOut = components['schemas']['PreviewOut']

// holders of registry units (organisation, event) hand in no files
export const TYPES_OF_ROLE: Partial<Record<PartnerRole, FileType[]>> = {
  hotel: ['hotel_stays'],
  manufacturer: ['product_sales'],
  merchant: ['product_sales'],
  scenic_spot: ['plant_adoptions'],
  transport_operator: ['transit_trips'],
  utility: ['utility_savings'],
  property_manager: ['car_trips', 'waste_sorting'],
  recycler: ['waste_sorting'],
}

/** The roles that hand in files (every one that has a type). */
export const SENDING_ROLES = Object.keys(TYPES_OF_ROLE) as PartnerRole[]

export function typesOf(role: ConsoleRole | null): FileType[] {
  return role && role !== 'admin' && role !== 'regulator' ? TYPES_OF_ROLE[role] ?? [] : []
}

/** Still on its way: the page asks again. */
export function busy(status: ImportOut['status']): boolean {
  return status === 'awaiting_upload' || status === 'processing'
}

export const STATUS_TAG: Record<ImportOut['status'], 'info' | 'warning' | 'success' | 'danger' | 'primary'> = {
  awaiting_upload: 'info',
  processing: 'primary',
  completed: 'success',
  quarantined: 'warning',
  failed: 'danger',
}

/** What the file chooser offers: the API's upload policy (imports.jobs.ACCEPTED_EXTENSIONS), no more. */
export const ACCEPT = '.csv,.txt,.jsonl,.ndjson,.xlsx,.xlsm,.xls'

/** The file the clerk chose, kept for this tab by import id: "send it again" after a correction. */
export const chosenFiles = new Map<string, File>()
/** The workbook sheet the clerk named for an import (none: the first visible one), sent again with it. */
export const chosenSheets = new Map<string, string>()

/** Starts an import of `file` as `type` (a workbook's `sheet` if named) and sends the file to its
 * presigned form; the import id. */
export async function upload(type: FileType, file: File, sheet?: string): Promise<string> {
  const named = sheet?.trim() ? { sheet: sheet.trim() } : {}
  const created = await unwrap(api.POST('/v1/partner/imports', { body: { type, filename: file.name, ...named } }))
  const form = new FormData()
  for (const [k, v] of Object.entries(created.upload.fields)) form.append(k, v)
  form.append('file', file) // the form's fields first, the file last (S3 reads no field after it)
  chosenFiles.set(created.import_id, file)
  if (named.sheet) chosenSheets.set(created.import_id, named.sheet)
  let res: Response
  try {
    res = await fetch(created.upload.url, { method: 'POST', body: form })
  } catch (e) {
    throw new UploadError(0, e instanceof Error ? e.message : String(e))
  }
  if (!res.ok) throw new UploadError(res.status, (await res.text().catch(() => '')).slice(0, 300))
  return created.import_id
}

export class UploadError extends Error {
  constructor(public status: number, detail: string) {
    super(`upload ${status}: ${detail}`)
  }
}

/** `upload`, its failure shown in the clerk's words (the API's, or the upload's): the id or undefined. */
export async function send(type: FileType, file: File, sheet?: string): Promise<string | undefined> {
  try {
    return await upload(type, file, sheet)
  } catch (e) {
    if (e instanceof UploadError) {
      ElMessage({ type: 'error', message: t('imports.upload_failed', { detail: e.status || 'network' }), showClose: true, duration: 8000 })
      return undefined
    }
    return attempt(Promise.reject(e))
  }
}
