// The console's router (base /console/): the shell's pages, and every area's pages found by
// `areas/*/index.ts` (an area adds itself; nothing here lists them). A page is open to the roles
// its meta names; without a session it is /console/login?next=<here>.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { watch } from 'vue'
import { loggedIn } from '../api/session'
import { setSessionLostHandler } from '../api/client'
import { addMessages, locale, t } from '../i18n'
import { allowed, loadMe, me } from './me'
import type { ConsoleArea } from './types'
import Shell from './layout/Shell.vue'

const found = import.meta.glob<{ default: ConsoleArea }>('./areas/*/index.ts', { eager: true })
const areas = Object.values(found).map((m) => m.default)
for (const area of areas) addMessages(area.messages)

const inShell = areas.flatMap((a) => a.routes.filter((r) => !r.meta?.bare))
const bare = areas.flatMap((a) => a.routes.filter((r) => r.meta?.bare)).map((r) => ({ ...r, path: `/${r.path}` }) as RouteRecordRaw)

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./pages/Login.vue'), meta: { title: 'console.login.title', public: true } },
  ...bare,
  {
    path: '/',
    component: Shell,
    children: [
      { path: '', component: () => import('./pages/Home.vue'), meta: { title: 'console.home' } },
      ...inShell,
      { path: 'forbidden', component: () => import('./pages/Forbidden.vue'), meta: { title: 'console.forbidden.title' } },
      { path: ':rest(.*)*', component: () => import('./pages/NotFound.vue'), meta: { title: 'console.notfound' } },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!loggedIn.value) return { path: '/login', query: { next: to.fullPath } }
  if (!me.value) {
    try {
      await loadMe()
    } catch {
      return loggedIn.value ? true : { path: '/login', query: { next: to.fullPath } } // the page shows the outage
    }
  }
  if (!allowed(to.meta.roles)) return to.path === '/forbidden' ? true : { path: '/forbidden' }
  return true
})

function setTitle(): void {
  const to = router.currentRoute.value
  const name = to.meta.title ? t(to.meta.title) : ''
  document.title = name ? `${name} · ${t('console.name')}` : `${t('console.name')} Tanhui`
}
router.afterEach(setTitle)
watch(locale, setTitle)

setSessionLostHandler(() => {
  const here = router.currentRoute.value
  if (!here.meta.public) void router.push({ path: '/login', query: { next: here.fullPath } })
})

/** The side menu: every page with `meta.menu` the signed-in role may open, by group and order. */
export function menuEntries(): { group: string; items: { path: string; title: string; icon?: unknown }[] }[] {
  const groups = new Map<string, { order: number; path: string; title: string; icon?: unknown }[]>()
  for (const r of inShell) {
    const m = r.meta?.menu
    if (!m || !allowed(r.meta?.roles) || r.path.includes(':')) continue
    const list = groups.get(m.group) ?? []
    list.push({ order: m.order, path: `/${r.path}`, title: r.meta?.title ?? r.path, icon: m.icon })
    groups.set(m.group, list)
  }
  const order = ['console.group.codes', 'console.group.files', 'console.group.shop', 'console.group.data', 'console.group.platform']
  const rank = (g: string) => (order.includes(g) ? order.indexOf(g) : order.length)
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([group, items]) => ({ group, items: items.sort((a, b) => a.order - b.order) }))
}
