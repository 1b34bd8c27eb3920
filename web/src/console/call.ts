// Small helpers every console page uses: an API failure as a message in the clerk's words, and
// one Idempotency-Key per intent for the calls that move coins or codes.
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { describe } from '../api'
import { t } from '../i18n'

/** Shows the failure's words (errors.json, Chinese first) and returns undefined; the value else. */
export async function attempt<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work
  } catch (e) {
    ElMessage({ type: 'error', message: describe(e), showClose: true, duration: 6000 })
    return undefined
  }
}

export function notify(message: string): void {
  ElMessage({ type: 'success', message, showClose: true })
}

/** A fresh Idempotency-Key: make one per intent (a form shown), reuse it on retries of that intent. */
export function newKey(): string {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`
}

/** Saves a Blob (a CSV the page built, a PDF the API sent) as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Rows as a CSV a clerk's Excel opens (UTF-8 with BOM, CRLF), headers in the table's words. */
export function toCsv(headers: string[], rows: (string | number | null | undefined)[][]): Blob {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const text = [headers, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
  return new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' })
}

/** A confirmation before something that cannot be undone (closing a round or a project, ending a
 * login): true when the operator confirms, false when they change their mind. */
export async function confirmed(message: string, title: string, confirm: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirm,
      cancelButtonText: t('console.common.cancel'),
      confirmButtonClass: 'el-button--danger',
    })
    return true
  } catch {
    return false // the operator changed their mind
  }
}
