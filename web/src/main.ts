import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { reportOutage } from './h5/outage'
import { ApiError } from './api/errors'
import { getConsent } from './api/auth'
import { loggedIn } from './api/session'
import { codeInfoFor } from './h5/codeData'
import './h5/codeData' // reads the code page's embedded JSON for the path served
import './i18n/vant' // Vant's own words in the app's language
import './styles/main.css'
import './styles/ssr.css'

// A scanned code opened without a session: its page will ask to register, with the consent in
// force; ask for that now, while the page's own code is still on its way (unless the landing
// embedded it, as it does on the page of a code that earns coins).
const scanned = codeInfoFor(location.pathname)
if (scanned?.valid && scanned.kind !== 'voucher' && !scanned.consent && !loggedIn.value) {
  getConsent().catch(() => undefined)
}

const app = createApp(App)
app.use(router)
app.config.errorHandler = (err) => {
  // anything a page did not catch: an outage page with "重试", never a blank one
  console.error(err)
  reportOutage(err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)))
}
router.isReady().finally(() => app.mount('#app'))
