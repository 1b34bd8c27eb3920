// The console's vocabulary: who is signed in, and what an area (a group of pages) brings.
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import type { components } from '../api/schema'

export type PartnerRole = components['schemas']['PartnerOut']['role']
/** Whoever uses the console: a partner's staff (by the partner's role), the operator or a regulator (监管). */
export type ConsoleRole = PartnerRole | 'admin' | 'regulator'

export const PARTNER_ROLES: PartnerRole[] = [
  'scenic_spot', 'hotel', 'transport_operator', 'manufacturer', 'merchant', 'utility', 'property_manager', 'recycler',
]
/** Partners that hold and retire registry units (消纳): 企业·机关·社会团体, 论坛·会议·演出·赛事. */
export const HOLDER_ROLES: PartnerRole[] = ['organisation', 'event']
/** The roles that hand in partner files (their types are in the OpenAPI's ImportIn). */
export const FILE_ROLES: PartnerRole[] = [...PARTNER_ROLES]

declare module 'vue-router' {
  interface RouteMeta {
    /** who may open the page; absent: anyone signed in to the console */
    roles?: ConsoleRole[]
    /** an entry of the side menu: its group's i18n key, its place, its icon */
    menu?: { group: string; order: number; icon?: Component }
    /** a page of its own, outside the menu and header (the on-board screen, the till's full screen) */
    bare?: boolean
    /** a console page open without a session (login) */
    public?: boolean
  }
}

/** What an area module (`areas/<name>/index.ts`) exports as default. */
export interface ConsoleArea {
  /** its words, Chinese first: { zh: {key: text}, en: {key: text} } */
  messages: { zh: Record<string, string>; en: Record<string, string> }
  /** its pages, paths relative to /console/ (no leading slash), components lazily imported */
  routes: RouteRecordRaw[]
}
