// The four asset kinds as the API takes them (HotelRoomIn, TicketProductIn, VehicleIn,
// ProductSkuIn): the fields of each kind's form, how a row names its asset in the clerk's words,
// and whether the asset has one standing code (a room, a vehicle) or a code per printed item.
import type { components } from '../../../api/schema'
import { t } from '../../../i18n'

type S = components['schemas']
export type Asset = S['HotelRoomOut'] | S['TicketProductOut'] | S['VehicleOut'] | S['ProductSkuOut']
export type AssetKind = Asset['kind']
export type AssetIn = S['HotelRoomIn'] | S['TicketProductIn'] | S['VehicleIn'] | S['ProductSkuIn']
export type Batch = S['CodeBatchSummary']
export type BatchOut = S['CodeBatchOut']

export const KINDS: AssetKind[] = ['hotel_room', 'ticket_product', 'vehicle', 'product_sku']

/** A field of a kind's form: `attributes.<key>` in the API. */
export interface Field {
  key: string
  type: 'text' | 'number' | 'select'
  required: boolean
  /** most characters (text) */
  maxLength?: number
  /** number bounds: min exclusive, max inclusive */
  above?: number
  atMost?: number
  options?: string[]
  /** an extra check; returns the i18n key of the problem, or '' */
  check?: (value: string) => string
}

export const VEHICLE_TYPES = ['bus', 'shuttle', 'boat'] as const

/** GS1's check digit (the last digit of a GTIN-8/12/13/14). */
export function gtinCheckDigitOk(gtin: string): boolean {
  const digits = gtin.split('').map(Number)
  const body = digits.slice(0, -1).reverse()
  const sum = body.reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0)
  return (10 - (sum % 10)) % 10 === digits[digits.length - 1]
}

function gtinProblem(value: string): string {
  if (!value) return ''
  if (!/^(\d{8}|\d{12,14})$/.test(value)) return 'assets.form.gtin_digits'
  return gtinCheckDigitOk(value) ? '' : 'assets.form.gtin_check'
}

export const FIELDS: Record<AssetKind, Field[]> = {
  hotel_room: [{ key: 'room_number', type: 'text', required: true, maxLength: 20 }],
  ticket_product: [{ key: 'name', type: 'text', required: true, maxLength: 120 }],
  vehicle: [
    { key: 'vehicle_type', type: 'select', required: true, options: [...VEHICLE_TYPES] },
    { key: 'plate', type: 'text', required: true, maxLength: 120 },
    { key: 'route_km', type: 'number', required: true, above: 0, atMost: 1000 },
  ],
  product_sku: [
    { key: 'product_name', type: 'text', required: true, maxLength: 120 },
    { key: 'sku', type: 'text', required: true, maxLength: 64 },
    { key: 'gtin', type: 'text', required: false, maxLength: 14, check: gtinProblem },
  ],
}

/** A room or vehicle has one code to print and display; tickets and packaging one per item. */
export function hasStandingCode(kind: AssetKind): boolean {
  return kind === 'hotel_room' || kind === 'vehicle'
}

export function attr(asset: Asset, key: string): string {
  const v = (asset.attributes as Record<string, unknown>)[key]
  return v === null || v === undefined ? '' : String(v)
}

/** The asset as the clerk names it: the room number, the product, the plate or boat. */
export function label(asset: Asset): string {
  switch (asset.kind) {
    case 'hotel_room':
      return asset.attributes.room_number
    case 'ticket_product':
      return asset.attributes.name
    case 'vehicle':
      return `${t(`assets.vehicle_type.${asset.attributes.vehicle_type}`)} ${asset.attributes.plate}`
    case 'product_sku':
      return asset.attributes.product_name
  }
}

/** A file name of ASCII letters, digits, dots and dashes (a print shop's RIP and every OS take it). */
export function fileName(...parts: string[]): string {
  const base = parts.join('-').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '')
  return base || 'code'
}
