// Codes and assets (二维码与资产): a partner's rooms, ticket products, vehicles and boats or SKUs
// (one page that adapts to the asset kind of the partner's role, at a path in that role's words),
// each standing code's label to print, and the print batches of single-use codes (tickets,
// packaging).
import type { RouteRecordRaw } from 'vue-router'
import type { ConsoleArea, PartnerRole } from '../../types'
import type { AssetKind } from './kinds'
import { messages } from './messages'

const assets = () => import('./pages/Assets.vue')

const PAGES: [string, AssetKind, PartnerRole][] = [
  ['rooms', 'hotel_room', 'hotel'],
  ['tickets', 'ticket_product', 'scenic_spot'],
  ['vehicles', 'vehicle', 'transport_operator'],
  ['products', 'product_sku', 'manufacturer'],
]

const assetPages: RouteRecordRaw[] = PAGES.map(([path, kind, role]) => ({
  path,
  component: assets,
  props: { kind },
  meta: { title: `assets.menu.${kind}`, roles: [role], menu: { group: 'console.group.codes', order: 10 } },
}))

export default {
  messages,
  routes: [
    ...assetPages,
    {
      path: 'print-batches',
      component: () => import('./pages/Batches.vue'),
      meta: { title: 'assets.batches.title', roles: ['scenic_spot', 'manufacturer'], menu: { group: 'console.group.codes', order: 20 } },
    },
  ],
} satisfies ConsoleArea
