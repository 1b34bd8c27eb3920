import { createRouter, createWebHistory, START_LOCATION, type RouteComponent, type RouteRecordRaw } from 'vue-router'
import { loggedIn } from './api/session'
import { setSessionLostHandler } from './api/client'
import { watch } from 'vue'
import { addMessages, locale, t } from './i18n'
import { ApiError } from './api/errors'
import { outage } from './h5/outage'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page's title */
    title?: string
    /** the page needs a session: without one, /login?next=<here> */
    auth?: boolean
    /** the bottom navigation is shown */
    nav?: boolean
    /** the page logs in by itself (the code page): a lost session is not sent to /login */
    inlineAuth?: boolean
    /** the bottom navigation's tab that is lit on this page (default: the page's own path) */
    tab?: string
  }
}

const CodePage = () => import('./h5/pages/Code.vue')

/** A spending page: its code and the spending pages' messages, fetched together. */
function spendPage(page: () => Promise<{ default: RouteComponent }>) {
  return () =>
    Promise.all([page(), import('./i18n/spend')]).then(([mod, messages]) => {
      addMessages(messages.default)
      return mod
    })
}

const routes: RouteRecordRaw[] = [
  { path: '/', component: () => import('./h5/pages/Home.vue'), meta: { title: 'home.title', nav: true } },
  { path: '/login', component: () => import('./h5/pages/Login.vue'), meta: { title: 'login.title' } },
  { path: '/register', component: () => import('./h5/pages/Register.vue'), meta: { title: 'register.title' } },
  { path: '/Q/:token', component: CodePage, meta: { title: 'code.title', inlineAuth: true } },
  { path: '/01/:gtin/21/:token', component: CodePage, meta: { title: 'code.title', inlineAuth: true } },
  { path: '/wallet', component: () => import('./h5/pages/Wallet.vue'), meta: { title: 'wallet.title', auth: true, nav: true } },
  { path: '/offers', component: spendPage(() => import('./h5/pages/Offers.vue')), meta: { title: 'nav.offers', auth: true, nav: true } },
  { path: '/offers/:offerId', component: spendPage(() => import('./h5/pages/Offer.vue')), meta: { title: 'nav.offers', auth: true, tab: '/offers' } },
  { path: '/vouchers', component: spendPage(() => import('./h5/pages/Vouchers.vue')), meta: { title: 'nav.vouchers', auth: true, nav: true, tab: '/offers' } },
  { path: '/vouchers/:voucherId', component: spendPage(() => import('./h5/pages/Voucher.vue')), meta: { title: 'nav.vouchers', auth: true, tab: '/offers' } },
  { path: '/projects', component: spendPage(() => import('./h5/pages/Projects.vue')), meta: { title: 'nav.projects', auth: true, nav: true, tab: '/' } },
  { path: '/buyback', component: spendPage(() => import('./h5/pages/Buyback.vue')), meta: { title: 'nav.buyback', auth: true, nav: true, tab: '/wallet' } },
  { path: '/offset', component: spendPage(() => import('./h5/pages/Offset.vue')), meta: { title: 'nav.offset', auth: true, nav: true, tab: '/wallet' } },
  { path: '/leaderboard', component: spendPage(() => import('./h5/pages/Leaderboard.vue')), meta: { title: 'nav.leaderboard', auth: true, nav: true, tab: '/' } },
  { path: '/medals', component: spendPage(() => import('./h5/pages/Medals.vue')), meta: { title: 'nav.medals', auth: true, nav: true, tab: '/' } },
  { path: '/certificate', component: spendPage(() => import('./h5/pages/Certificate.vue')), meta: { title: 'nav.certificate', auth: true, nav: true, tab: '/' } },
  { path: '/me', component: () => import('./h5/pages/Me.vue'), meta: { title: 'me.title', auth: true, nav: true } },
  { path: '/:rest(.*)*', component: () => import('./h5/pages/NotFound.vue'), meta: { title: 'notfound.title' } },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  // not on the first page: the browser has it at the top already (and scrolling there would force a
  // layout in the middle of the app's first render, on a slow phone's CPU)
  scrollBehavior: (_to, from, saved) => saved ?? (from === START_LOCATION ? false : { top: 0 }),
})

router.beforeEach((to) => {
  outage.value = null
  if (to.meta.auth && !loggedIn.value) return { path: '/login', query: { next: to.fullPath } }
  return true
})

function setTitle(): void {
  const to = router.currentRoute.value
  const name = to.meta.title ? t(to.meta.title) : ''
  document.title = name && name !== t('app.name') ? `${name} · ${t('app.name')}` : `${t('app.name')} Tanhui`
}
router.afterEach(setTitle)
watch(locale, setTitle)

// a page's code that cannot be fetched (server down, new deploy): the outage page with "重试"
router.onError((err, to) => {
  retryTarget = to.fullPath
  outage.value = new ApiError(0, 'chunk_load', String(err))
})

let retryTarget: string | null = null
/** The navigation that failed, to try again from the outage page (then forgotten). */
export function takeRetryTarget(): string | null {
  const target = retryTarget
  retryTarget = null
  return target
}

setSessionLostHandler(() => {
  const here = router.currentRoute.value
  if (here.path !== '/login' && !here.meta.inlineAuth) void router.push({ path: '/login', query: { next: here.fullPath } })
})
